"""Spec parsing: grid expansion, run names, replicates, exclusions, extras, quick mode,
overrides, questions, clear errors."""

import copy
from pathlib import Path

import pytest

from trainlab.errors import SpecError
from trainlab.run.config import RunConfig
from trainlab.run.metrics import SCORES
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


# What every run would hit is caught when the spec is read: one line, exit 2, nothing written.
CHECKED = """name = "checked"
[data]
root = "{root}"
{data}
[model.mlp]
hidden = [8]
[train]
max_steps = 4
[grid]
"optim.lr" = [0.1, 0.01]
{tail}"""
QUESTION = '\n[[question]]\ntext = "Does the rate matter?"\na = { lr = 0.1 }\nb = { lr = 0.01 }\n'
SIZES = "the fashion-mnist train split has 1200 images (the files in {root}/fashion-mnist)"


@pytest.mark.parametrize(
    ("data", "tail", "args", "expected"),
    [
        (
            "val_size = 99999999999999999999", "", (),
            "{spec}: data.val_size = 99999999999999999999; too large: expected at most 2**63 - 1",
        ),
        ("val_size = 5000", "", (), f"{{spec}}: data.val_size = 5000; {SIZES}: expected 1 to 1199"),
        ("val_size = 1200", "", (), f"{{spec}}: data.val_size = 1200; {SIZES}: expected 1 to 1199"),
        (
            "val_size = 200\ntrain_size = 1001", "", (),
            "{spec}: data.train_size = 1001; the fashion-mnist train split has 1000 images after "
            "data.val_size (the files in {root}/fashion-mnist): expected 0 (all of them) to 1000",
        ),
        (
            'val_size = 200\nval_from = "test"', "", (),
            "{spec}: data.val_size = 200; the fashion-mnist test split has 200 images (the files "
            "in {root}/fashion-mnist): expected 1 to 199",
        ),
        (
            "val_size = 200", '"data.train_size" = [100, 1100]', (),
            "{spec}: run lr=0.1_train_size=1100: data.train_size = 1100; the fashion-mnist train "
            "split has 1000 images after data.val_size (the files in {root}/fashion-mnist): "
            "expected 0 (all of them) to 1000",
        ),
        (
            "val_size = 2000\nsynthetic = true", "", (),
            "{spec}: data.val_size = 2000; the fashion-mnist train split has 2000 images "
            "(generated data): expected 1 to 1999",
        ),
        (
            'name = "mnist"\nval_size = 200', '[quick]\n"data.val_size" = 2500', ("--quick",),
            "{spec}: run lr=0.1 with --quick: data.val_size = 2500; the mnist train split has 2000 "
            "images (generated data): expected 1 to 1999",
        ),
        (
            "val_size = 200", QUESTION + "along = [1, 'a', 2.5]", (),
            "{spec}:16: question[0].along = [1, 'a', 2.5]; expected the name of an axis: lr",
        ),
        (
            "val_size = 200", QUESTION + "along = {}", (),
            "{spec}:16: question[0].along = {{}}; expected the name of an axis: lr",
        ),
        (
            "val_size = 200", QUESTION + "margin = 0", (),
            "{spec}:16: question[0].margin = 0; expected a finite number > 0 (differences within "
            "+-margin count as equivalent), or no margin",
        ),
        (
            "val_size = 200", QUESTION + "margin = -0.01", (),
            "{spec}:16: question[0].margin = -0.01; expected a finite number > 0 (differences "
            "within +-margin count as equivalent), or no margin",
        ),
        (
            "val_size = 200", QUESTION + 'metric = ["val_acc"]', (),
            "{spec}:16: question[0].metric = ['val_acc']; expected one of " + ", ".join(SCORES),
        ),
        (
            "val_size = 200", '\n[[figure]]\ntitle = "Curves"\npanels = ["lr"]', (),
            "{spec}:14: figure[0].panels = ['lr']; expected the name of an axis: lr",
        ),
        (
            "val_size = 200", "repeats = 1_000_000_000_000", (),
            "{spec}: repeats = 1000000000000; expected an integer >= 1 (and at most 100000, the "
            "runs a study may have)",
        ),
    ],
)  # fmt: skip
def test_what_every_run_would_hit_is_one_line_before_anything_runs(
    run_cli, tmp_path, data_root, no_user_data, data, tail, args, expected
):
    spec = tmp_path / "spec.toml"
    spec.write_text(CHECKED.format(root=data_root, data=data, tail=tail))
    if "repeats" in tail:  # a top-level key: before the first table
        spec.write_text(f"{tail}\n" + CHECKED.format(root=data_root, data=data, tail=""))
    if 'name = "mnist"' in data:  # a dataset this machine does not hold: --quick generates it
        spec.write_text(spec.read_text().replace(str(data_root), str(tmp_path / "empty")))
    out = tmp_path / "out"
    result = run_cli("run", spec, "--out", out, "--no-progress", *args)
    assert result.error == expected.format(spec=spec, root=data_root)
    assert not out.exists()


@pytest.mark.parametrize("content", ["", "# only a comment\n\n  # and another\n"])
def test_an_empty_spec_says_what_a_spec_needs(run_cli, tmp_path, content):
    spec = tmp_path / "empty.toml"
    spec.write_text(content)
    result = run_cli("run", spec, "--out", tmp_path / "out")
    assert result.error == (
        f"{spec}: the spec is empty; a spec needs at least one table, e.g. the dataset "
        '([data] name = "mnist") and the settings to compare ([grid] "optim.lr" = [0.1, 0.01])'
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("old", "new"), RunConfig.MOVED_KEYS.items())
def test_every_key_of_the_earlier_layout_says_where_it_moved(run_cli, tmp_path, old, new):
    table, name = old.rsplit(".", 1)
    spec = tmp_path / "old.toml"
    spec.write_text(f"[{table}]\n{name} = 1\n")
    result = run_cli("run", spec, "--out", tmp_path / "out")
    meant = " or ".join(f"`{key}`" for key in new)
    assert result.error == f"{spec}: unknown key {old!r}; it moved: did you mean {meant}?"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        ('[grid]\n"model.dropout" = [0.1, 0.2]\n', (),
         "{spec}: grid: unknown key 'model.dropout'; it moved: did you mean `model.mlp.dropout`?"),
        ('[grid.reg.levels]\nnone = {}\nl2 = { "model.resnet_n" = 3 }\n', (),
         "{spec}: grid.reg.levels.l2: unknown key 'model.resnet_n'; it moved: did you mean "
         "`model.resnet.n`?"),
        ('[[extra]]\nname = "wide"\nset = { "model.hidden" = [512] }\n', (),
         "{spec}: extra[0].set: unknown key 'model.hidden'; it moved: did you mean "
         "`model.mlp.hidden`?"),
        ('[quick]\n"model.init" = "he"\n', ("--quick",),
         "{spec}: quick: unknown key 'model.init'; it moved: did you mean `model.mlp.init` or "
         "`model.cnn.init`?"),
        ('[grid]\n"optim.lr" = [0.1]\n', ("--set", "model.channels=[8]"),
         "--set: unknown key 'model.channels'; it moved: did you mean `model.cnn.channels`?"),
        ("[optimizer]\nlr = 0.1\n", (), "{spec}: unknown key 'optimizer'; did you mean `optim`?"),
        ("[train]\nepoch = 3\n", (),
         "{spec}: unknown key 'train.epoch'; did you mean `train.epochs`?"),
        ("lr = 0.1\n", (), "{spec}: unknown key 'lr'; did you mean `optim.lr`?"),
        ('[grid]\n"model.mpl.hidden" = [[8]]\n', (),
         "{spec}: grid: unknown key 'model.mpl.hidden'; did you mean `model.mlp.hidden`?"),
        ('[grid]\n"optim.lr" = [0.1]\n', ("--set", "train.epoch=3"),
         "--set: unknown key 'train.epoch'; did you mean `train.epochs`?"),
        ("[model.cnn]\ndropout = 0.5\n", (),
         "{spec}: unknown key 'model.cnn.dropout'; allowed: activation, channels, dense_hiddens, "
         "init, kernel_sizes, paddings, strides"),
    ],
)  # fmt: skip
def test_moved_keys_and_near_misses_say_which_key_was_meant_wherever_they_are_set(
    run_cli, tmp_path, content, args, expected
):
    spec = tmp_path / "spec.toml"
    spec.write_text(content)
    result = run_cli("run", spec, "--out", tmp_path / "out", *args)
    assert result.error == expected.format(spec=spec)
    assert not (tmp_path / "out").exists()


def test_quick_caps_fit_generated_data_and_a_test_split_it_is_cut_from(no_user_data):
    raw = _spec(data={"name": "cifar10", "val_from": "test", "val_size": 2000})
    (run,) = parse_spec(raw, where="s.toml", quick=True).runs  # CIFAR-10 is not here
    assert run.config.data.val_size == 250  # half the 500 generated test images
    assert run.config.data.train_size == 2_000
    raw = _spec(data={"name": "cifar10"})
    (run,) = parse_spec(raw, where="s.toml", quick=True).runs
    assert (run.config.data.val_size, run.config.data.train_size) == (500, 1_500)
    raw = _spec(data={"name": "cifar10"}, quick={"data.val_size": 1_000})
    (run,) = parse_spec(raw, where="s.toml", quick=True).runs
    assert (run.config.data.val_size, run.config.data.train_size) == (1_000, 1_000)


WEIRD = ([1, "a", 2.5], {}, "x", 1.5, [{}])


def _paths(node, prefix=()):
    """Every place of a value in a nested spec: (key, key, index, ...)."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from _paths(value, (*prefix, key))


def test_a_value_of_any_type_anywhere_in_the_study_tables_is_a_spec_error():
    """Regression: `along = [1, "a", 2.5]` or `panels = {}` crashed with a TypeError."""
    valid = _spec(
        grid={"optim.lr": [0.1, 0.01], "std": {"key": "data.standardize",
              "values": {"on": "feature", "off": "none"}}},
        exclude=[{"lr": "0.1", "std": "on"}],
        extra=[{"name": "x", "set": {"optim.lr": 0.5}}],
        report={"rank_by": "val_loss", "equivariance": False},
        question=[{"text": "q", "metric": "val_acc", "a": {"lr": "0.1", "metric": "val_loss"},
                   "b": {"run": "x"}, "along": "std", "margin": 0.1}],
        figure=[{"title": "t", "metric": ["val_acc"], "panels": "lr", "lines": "std", "grid": 1,
                 "log_y": False}],
    )  # fmt: skip
    parse_spec(valid, where="s.toml")
    study_tables = ("grid", "exclude", "extra", "report", "question", "figure")
    for path in (p for p in _paths(valid) if p[0] in study_tables):
        for value in WEIRD:
            raw = copy.deepcopy(valid)
            node = raw
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            try:
                parse_spec(raw, where="s.toml")
            except SpecError as exc:
                assert str(exc).startswith("s.toml"), exc
