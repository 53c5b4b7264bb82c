"""Spec parsing: grid expansion, run names, exclusions, extras, quick mode, clear errors."""

from pathlib import Path

import pytest

from trainlab.errors import SpecError
from trainlab.sweep.spec import QUICK_CAPS, load_spec, parse_spec

STUDIES = Path(__file__).resolve().parents[2] / "studies"


def _spec(**extra):
    return {"model": {"hidden": [8]}, "train": {"max_steps": 50}, **extra}


def test_regularization_study_expands_to_84_named_runs():
    study = load_spec(STUDIES / "regularization_movies.toml")
    assert len(study.runs) == 84
    assert list(study.axes) == ["init", "std", "reg", "bn"]
    names = [run.name for run in study.runs]
    assert len(set(names)) == 84
    assert "init=he_std=on_reg=l2-0.001_bn=before" in names
    run = next(r for r in study.runs if r.name == "init=uniform_std=off_reg=dropout-0.3_bn=after")
    assert run.config.model.init == "uniform"
    assert run.config.data.standardize == "none"
    assert run.config.model.dropout == 0.3
    assert run.config.optim.l2 == 0.0
    assert run.config.model.batch_norm == "after"
    assert run.varied == {"init": "uniform", "std": "off", "reg": "dropout-0.3", "bn": "after"}


def test_dotted_key_axis_is_named_by_its_last_part():
    study = parse_spec(_spec(grid={"optim.lr": [0.1, 0.01]}), where="s.toml")
    assert [r.name for r in study.runs] == ["lr=0.1", "lr=0.01"]
    assert [r.config.optim.lr for r in study.runs] == [0.1, 0.01]


def test_exclusions_and_extra_runs():
    raw = _spec(
        grid={"model.batch_norm": ["none", "before"], "optim.name": ["adam", "sgd"]},
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
        (_spec(model={"dropout": 1.5}), r"model\.dropout = 1\.5; expected 0\.0 <= value < 1\.0"),
        (_spec(modle={}), r"unknown key 'modle'"),
        (_spec(optim={"lr": "fast"}), r"optim\.lr = 'fast'; expected a number"),
        (_spec(grid={}), r"\[grid\] is empty"),
        (_spec(grid={"optim.lr": []}), r"grid\.optim\.lr has no levels"),
        (_spec(grid={"model.dropout": [0.1, 1.5]}), r"run dropout=1\.5: model\.dropout = 1\.5"),
        (_spec(grid={"model.nope": [1]}), r"unknown key 'model\.nope'"),
        (_spec(grid={"optim.lr": [0.1]}, exclude=[{"lr": "0.1"}]), r"leave no runs"),
        (_spec(grid={"optim.lr": [0.1]}, exclude=[{"wd": "0.1"}]), r"unknown axis 'wd'"),
        (_spec(model={"batch_norm": "middle"}), r"expected one of none, before, after"),
        (
            _spec(model={"kind": "cnn", "dropout": 0.5}),
            r"model\.dropout = 0\.5 has no effect on a cnn model; only mlp models use it",
        ),
        (
            _spec(model={"kind": "resnet", "init": "he"}),
            r"model\.init = 'he' has no effect on a resnet model; only mlp and cnn models",
        ),
        (
            _spec(model={"kind": "cnn", "channels": [4, 8], "strides": [1, 1, 2]}),
            r"model\.strides = \[1, 1, 2\]; expected 1 value or one per conv layer",
        ),
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


def test_every_shipped_study_is_valid():
    for path in sorted(STUDIES.glob("*.toml")):
        assert load_spec(path).runs, path
        assert load_spec(path, quick=True).runs, path


def test_several_grids_give_the_union_of_their_runs():
    raw = _spec(
        grid=[
            {"optim.weight_decay": [0.0, 0.1], "optim.name": ["adam", "adamw"]},
            {"model.dropout": [0.0, 0.5]},
        ],
        exclude=[{"name": "adamw", "weight_decay": "0.0"}],
    )
    study = parse_spec(raw, where="s.toml")
    assert [r.name for r in study.runs] == [
        "weight_decay=0.0_name=adam",
        "weight_decay=0.1_name=adam",
        "weight_decay=0.1_name=adamw",
        "dropout=0.0",
        "dropout=0.5",
    ]
    assert list(study.axes) == ["weight_decay", "name", "dropout"]
    assert study.runs[-1].varied == {"dropout": "0.5"}
