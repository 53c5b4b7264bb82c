"""Spec parsing: grid expansion, run names, replicates, exclusions, extras, quick mode,
overrides, questions, clear errors."""

from pathlib import Path

import pytest

from trainlab.errors import SpecError
from trainlab.study.spec import QUICK_CAPS, load_spec, parse_overrides, parse_spec

STUDIES = Path(__file__).resolve().parents[2] / "studies"


def _spec(**extra):
    return {"model": {"mlp": {"hidden": [8]}}, "train": {"max_steps": 50}, **extra}


def test_regularization_study_expands_to_84_points_each_with_three_seeds():
    study = load_spec(STUDIES / "regularization_movies.toml")
    assert study.seeds == (0, 1, 2) and len(study.runs) == 84 * 3
    assert list(study.axes) == ["init", "std", "reg", "bn"]
    points = {run.point for run in study.runs}
    assert len(points) == 84 and len({run.name for run in study.runs}) == 84 * 3
    assert "init=he_std=on_reg=l2-0.001_bn=before" in points
    run = next(
        r for r in study.runs if r.name == "init=uniform_std=off_reg=dropout-0.3_bn=after_seed=2"
    )
    assert run.point == "init=uniform_std=off_reg=dropout-0.3_bn=after" and run.seed == 2
    assert run.config.seed == 2
    assert run.config.model.mlp.init == "uniform"
    assert run.config.data.standardize == "none"
    assert run.config.model.mlp.dropout == 0.3
    assert run.config.optim.l2 == 0.0
    assert run.config.model.mlp.batch_norm == "after"
    assert run.varied == {"init": "uniform", "std": "off", "reg": "dropout-0.3", "bn": "after"}


def test_repeats_and_seeds_make_replicates_never_a_grid_axis():
    study = parse_spec(_spec(seed=10, repeats=2, grid={"optim.lr": [0.1]}), where="s.toml")
    assert [(r.name, r.point, r.seed) for r in study.runs] == [
        ("lr=0.1_seed=10", "lr=0.1", 10),
        ("lr=0.1_seed=11", "lr=0.1", 11),
    ]
    assert list(study.axes) == ["lr"]
    explicit = parse_spec(_spec(seeds=[7, 3], grid={"optim.lr": [0.1]}), where="s.toml")
    assert [r.config.seed for r in explicit.runs] == [7, 3]
    one = parse_spec(_spec(grid={"optim.lr": [0.1]}), where="s.toml")
    assert [r.name for r in one.runs] == ["lr=0.1"]  # one seed: the name has no suffix
    assert parse_spec(_spec(repeats=5), where="s.toml", repeats=2).seeds == (0, 1)
    assert parse_spec(_spec(repeats=5), where="s.toml", quick=True).seeds == (0, 1)


def test_a_point_two_sub_grids_share_runs_once_with_the_levels_of_both():
    raw = _spec(grid=[{"model.mlp.batch_norm": ["none", "before"]},
                      {"model.mlp.init": ["default", "he"]}])  # fmt: skip
    study = parse_spec(raw, where="s.toml")
    assert [r.name for r in study.runs] == ["batch_norm=none", "batch_norm=before", "init=he"]
    shared = study.runs[0]
    assert shared.varied == {"batch_norm": "none", "init": "default"}
    assert shared.grids == (0, 1)
    assert [list(g) for g in study.grids] == [["batch_norm"], ["init"]]


def test_overrides_and_one_grid_from_the_command_line():
    raw = _spec(grid=[{"optim.lr": [0.1, 0.01]}, {"model.mlp.dropout": [0.0, 0.5]}])
    sets = parse_overrides(["train.epochs=30", "optim.name=adamw", "model.mlp.hidden=[4, 4]"])
    assert sets == {"train.epochs": 30, "optim.name": "adamw", "model.mlp.hidden": [4, 4]}
    study = parse_spec(raw, where="s.toml", overrides=sets, grid=2)
    assert [r.name for r in study.runs] == ["dropout=0.0", "dropout=0.5"]
    assert all(r.config.train.epochs == 30 and r.config.optim.name == "adamw" for r in study.runs)
    with pytest.raises(SpecError, match="--grid 3: the spec has 2 grid table"):
        parse_spec(raw, where="s.toml", grid=3)
    with pytest.raises(SpecError, match="--set 'epochs': expected KEY=VALUE"):
        parse_overrides(["epochs"])
    with pytest.raises(SpecError, match="unknown key 'train.epoch'"):
        parse_spec(raw, where="s.toml", overrides={"train.epoch": 3})


def test_questions_are_parsed_against_axes_levels_and_metrics():
    raw = _spec(
        grid={"optim.name": ["adam", "adamw"], "optim.weight_decay": [0.0, 0.01]},
        question=[{"text": "AdamW vs Adam?", "a": {"name": "adamw"}, "b": {"name": "adam"},
                   "along": "weight_decay", "margin": 0.01, "metric": "val_acc"}],
        report={"rank_by": "val_acc"},
    )  # fmt: skip
    study = parse_spec(raw, where="s.toml")
    (q,) = study.questions
    assert q.a.levels == {"name": "adamw"} and q.along == "weight_decay" and q.metric == "val_acc"
    assert study.report.rank_by == "val_acc" and study.report.higher_is_better


def test_dotted_key_axis_is_named_by_its_last_part():
    study = parse_spec(_spec(grid={"optim.lr": [0.1, 0.01]}), where="s.toml")
    assert [r.name for r in study.runs] == ["lr=0.1", "lr=0.01"]
    assert [r.config.optim.lr for r in study.runs] == [0.1, 0.01]


def test_exclusions_and_extra_runs():
    raw = _spec(
        grid={"model.mlp.batch_norm": ["none", "before"], "optim.name": ["adam", "sgd"]},
        exclude=[{"batch_norm": "before", "name": "sgd"}],
        extra=[{"name": "fast", "set": {"optim.lr": 0.5}}],
    )
    study = parse_spec(raw, where="s.toml")
    names = [r.name for r in study.runs]
    assert names == [
        "batch_norm=none_name=adam",
        "batch_norm=none_name=sgd",
        "batch_norm=before_name=adam",
        "fast",
    ]
    assert study.runs[-1].config.optim.lr == 0.5


def test_no_grid_is_one_base_run():
    study = parse_spec(_spec(), where="s.toml")
    assert [r.name for r in study.runs] == ["base"]


def test_quick_caps_sizes_without_enlarging():
    raw = _spec(data={"train_size": 500}, grid={"optim.lr": [0.1]})
    run = parse_spec(raw, where="s.toml", quick=True).runs[0]
    assert run.config.data.train_size == 500  # already smaller than the cap
    assert run.config.train.max_steps == min(50, QUICK_CAPS["train.max_steps"])
    assert run.config.data.val_size == QUICK_CAPS["data.val_size"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            _spec(model={"mlp": {"dropout": 1.5}}),
            r"model\.mlp\.dropout = 1\.5; expected 0\.0 <= value < 1\.0",
        ),
        (_spec(modle={}), r"unknown key 'modle'"),
        (_spec(optim={"lr": "fast"}), r"optim\.lr = 'fast'; expected a number"),
        (_spec(grid={}), r"\[grid\] is empty"),
        (_spec(grid={"optim.lr": []}), r"grid\.optim\.lr has no levels"),
        (
            _spec(grid={"model.mlp.dropout": [0.1, 1.5]}),
            r"run dropout=1\.5: model\.mlp\.dropout = 1\.5",
        ),
        (_spec(grid={"model.nope": [1]}), r"unknown key 'model\.nope'"),
        (_spec(optim={"lr": float("inf")}), r"optim\.lr = inf; expected a finite number"),
        (_spec(optim={"lr": float("nan")}), r"optim\.lr = nan; expected a finite number"),
        (_spec(train={"min_delta": float("nan")}), r"train\.min_delta = nan; expected a finite"),
        (_spec(name=[]), r"name = \[\]; expected a string"),
        (_spec(description=3), r"description = 3; expected a string"),
        (_spec(grid={"seed": [0, 1]}), r"seeds are replicates, not a grid axis"),
        (_spec(grid={"stop.val_loss": [0, 1]}), r"axis 'val_loss' has the name of a results"),
        (_spec(repeats=0), r"repeats = 0; expected an integer >= 1"),
        (_spec(repeats=2, seeds=[1, 2]), r"give repeats or seeds, not both"),
        (_spec(seeds=[1, 1]), r"seeds = \[1, 1\] repeats a seed"),
        (_spec(report={"rank_by": "vibes"}), r"report\.rank_by = 'vibes'; expected one of"),
        (
            _spec(
                grid={"optim.lr": [0.1]},
                question=[{"text": "q", "a": {"lr": "0.5"}, "b": {"lr": "0.1"}}],
            ),
            r"question\[0\]\.a\.lr = '0\.5' is not a level; expected one of 0\.1",
        ),
        (
            _spec(
                grid={"optim.lr": [0.1]},
                question=[{"text": "q", "a": {"wd": "0.5"}, "b": {"lr": "0.1"}}],
            ),
            r"question\[0\]\.a: unknown axis 'wd'",
        ),
        (
            _spec(
                grid={"optim.lr": [0.1]},
                question=[{"text": "q", "metric": "speed", "a": {"lr": "0.1"}, "b": {"lr": "0.1"}}],
            ),
            r"question\[0\]\.metric = 'speed'; expected one of val_loss",
        ),
        (
            _spec(
                grid={"optim.lr": [0.1]},
                question=[{"text": "q", "a": {"run": "nope"}, "b": {"lr": "0.1"}}],
            ),
            r"question\[0\]\.a\.run = 'nope' is not a run of the study",
        ),
        (_spec(grid={"optim.lr": [0.1]}, exclude=[{"lr": "0.1"}]), r"leave no runs"),
        (_spec(grid={"optim.lr": [0.1]}, exclude=[{"wd": "0.1"}]), r"unknown axis 'wd'"),
        (_spec(model={"mlp": {"batch_norm": "middle"}}), r"expected one of none, before, after"),
        (
            _spec(model={"kind": "cnn", "cnn": {"dropout": 0.5}}),
            r"unknown key 'model\.cnn\.dropout'; allowed: activation, channels",
        ),
        (
            _spec(model={"kind": "resnet", "resnet": {"init": "he"}}),
            r"unknown key 'model\.resnet\.init'; allowed: n",
        ),
        (
            _spec(model={"kind": "cnn", "cnn": {"channels": [4, 8], "strides": [1, 1, 2]}}),
            r"model\.cnn\.strides = \[1, 1, 2\]; expected 1 value or one per conv layer",
        ),
        (_spec(optim={"name": "adam", "momentum": 0.9}), r"momentum = 0\.9 is only used by sgd"),
    ],
)
def test_bad_specs_name_the_file_and_key(raw, message):
    with pytest.raises(SpecError, match=message) as info:
        parse_spec(raw, where="study.toml")
    assert str(info.value).startswith("study.toml")


def test_unreadable_toml_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[model\nhidden = 3")
    with pytest.raises(SpecError, match="bad.toml: not valid TOML"):
        load_spec(path)
    with pytest.raises(SpecError, match="is a directory; expected a spec file"):
        load_spec(tmp_path)


def test_infinite_learning_rate_written_as_1e309_is_refused(tmp_path):
    path = tmp_path / "inf.toml"
    path.write_text("[optim]\nlr = 1e309\n")
    with pytest.raises(SpecError, match=r"optim\.lr = inf; expected a finite number"):
        load_spec(path)


def test_every_shipped_study_is_valid():
    for path in sorted(STUDIES.glob("*.toml")):
        assert load_spec(path).runs, path
        assert load_spec(path, quick=True).runs, path


def test_several_grids_give_the_union_of_their_runs():
    raw = _spec(
        grid=[
            {"optim.weight_decay": [0.0, 0.1], "optim.name": ["adam", "adamw"]},
            {"model.mlp.dropout": [0.1, 0.5]},
        ],
        exclude=[{"name": "adamw", "weight_decay": "0.0"}],
    )
    study = parse_spec(raw, where="s.toml")
    assert [r.name for r in study.runs] == [
        "weight_decay=0.0_name=adam",
        "weight_decay=0.1_name=adam",
        "weight_decay=0.1_name=adamw",
        "dropout=0.1",
        "dropout=0.5",
    ]
    assert list(study.axes) == ["weight_decay", "name", "dropout"]
    assert study.runs[-1].varied == {"dropout": "0.5"}


def test_one_grid_keeps_only_the_questions_and_figures_its_runs_can_answer():
    whole = load_spec(STUDIES / "fashion_regularization.toml")
    adam = load_spec(STUDIES / "fashion_regularization.toml", grid=1)
    assert 0 < len(adam.questions) < len(whole.questions)
    assert all(set(q.a.levels) <= set(adam.axes) for q in adam.questions)
    trainer = load_spec(STUDIES / "trainer_experiments.toml")
    second = load_spec(STUDIES / "trainer_experiments.toml", grid=2)
    assert 0 < len(second.figures) < len(trainer.figures)
    assert all(f.grid in (None, 1) for f in second.figures)


def test_set_on_a_grid_axis_holds_it_and_leaves_out_what_asked_about_it():
    raw = _spec(
        grid={"model.mlp.dropout": [0.0, 0.3], "model.mlp.batch_norm": ["none", "before"]},
        question=[{"text": "BN?", "a": {"batch_norm": "before"}, "b": {"batch_norm": "none"}},
                  {"text": "Dropout?", "a": {"dropout": "0.3"}, "b": {"dropout": "0.0"}}],
        exclude=[{"dropout": "0.3", "batch_norm": "before"}],
    )  # fmt: skip
    held = parse_spec(raw, where="s.toml", overrides={"model.mlp.batch_norm": "none"})
    assert held.held == ("batch_norm",) and list(held.axes) == ["dropout"]
    assert [r.name for r in held.runs] == ["dropout=0.0", "dropout=0.3"]
    assert [q.text for q in held.questions] == ["Dropout?"]
    assert held.index()["held"] == ["batch_norm"]
    free = parse_spec(raw, where="s.toml", overrides={"train.max_steps": 10})
    assert free.held == () and len(free.questions) == 2 and len(free.runs) == 3
    sub = load_spec(STUDIES / "fashion_regularization.toml", grid=1,
                    overrides={"optim.name": "adamw"})  # fmt: skip
    assert "optimizer" in sub.held and all("optimizer" not in r.varied for r in sub.runs)
