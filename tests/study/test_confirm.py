"""Confirmation reruns: the top configurations again on fresh seeds, reported apart."""

import json

import pandas as pd
import pytest

from trainlab.errors import ConfigError
from trainlab.report.results import read_confirmation
from trainlab.run.rundir import CONFIG_FILE, run_dir
from trainlab.study.confirm import confirmation_study, fresh_seeds


def test_fresh_seeds_follow_the_study_s_largest():
    assert fresh_seeds([0, 1, 2], 3) == (3, 4, 5)
    assert fresh_seeds([7, 2], 1) == (8,)
    with pytest.raises(ConfigError, match="--repeats 0"):
        fresh_seeds([0], 0)


def _study_dir(tmp_path, split_per_seed=False):
    out = tmp_path / "study"
    for point, lr in (("lr=0.1", 0.1), ("lr=0.01", 0.01)):
        for seed in (0, 1):
            directory = run_dir(out, f"{point}_seed={seed}")
            directory.mkdir(parents=True)
            config = {"seed": seed, "optim": {"lr": lr},
                      "data": {"split_per_seed": split_per_seed}}  # fmt: skip
            (directory / CONFIG_FILE).write_text(
                json.dumps({"config": config, "varied": {"lr": str(lr)}})
            )
    (out / "study.json").write_text(json.dumps(
        {"name": "s", "axes": {"lr": ["0.1", "0.01"]}, "seeds": [0, 1],
         "report": {"rank_by": "val_loss"}}
    ))  # fmt: skip
    return out


def test_the_confirmation_reruns_the_saved_configs_with_new_seeds(tmp_path):
    out = _study_dir(tmp_path)
    study = confirmation_study(out, ["lr=0.01"], {"lr=0.01": "lr=0.01_seed=0"}, 3)
    assert study.name == "s-confirm" and study.seeds == (2, 3, 4)
    assert [r.name for r in study.runs] == ["lr=0.01_seed=2", "lr=0.01_seed=3", "lr=0.01_seed=4"]
    assert {r.config.optim.lr for r in study.runs} == {0.01}
    assert [r.config.seed for r in study.runs] == [2, 3, 4]
    assert {r.point for r in study.runs} == {"lr=0.01"} and study.runs[0].varied == {"lr": "0.01"}
    assert {r.config.data.split_seed for r in study.runs} == {0}  # one split, as the study's


def test_a_split_drawn_per_seed_is_drawn_per_fresh_seed(tmp_path):
    out = _study_dir(tmp_path, split_per_seed=True)
    study = confirmation_study(out, ["lr=0.1"], {"lr=0.1": "lr=0.1_seed=1"}, 2)
    assert [r.config.data.split_seed for r in study.runs] == [2, 3]


def test_a_configuration_without_a_run_is_refused(tmp_path):
    out = _study_dir(tmp_path)
    with pytest.raises(ConfigError, match="'lr=1' has no finished run"):
        confirmation_study(out, ["lr=1"], {}, 2)


@pytest.mark.slow
def test_confirm_command_runs_the_top_configurations_and_reports_them_apart(
    tiny_spec, tmp_path, run_cli
):
    spec = tiny_spec()
    spec.write_text("repeats = 2\n" + spec.read_text())  # top level: before any table
    out = tmp_path / "out"
    assert run_cli("run", spec, "--out", out, "--jobs", 1, "--no-progress").code == 0
    first = run_cli("report", out, "--html")
    assert f"trainlab confirm {out} --top" in first.out
    assert "which selected nothing" not in (out / "report" / "index.html").read_text()
    result = run_cli("confirm", out, "--top", 2, "--repeats", 2, "--jobs", 1)
    assert result.code == 0, result.err
    assert "the top 2 configurations x 2 fresh seeds (2, 3) = 4 runs" in result.out
    fresh = read_confirmation(out)
    assert sorted(fresh["seed"].unique()) == [2, 3] and fresh["point"].nunique() == 2
    ranked = pd.read_csv(out / "results.csv")
    assert set(ranked["seed"]) == {0, 1}  # the study's own table keeps its seeds
    findings = (out / "findings.md").read_text()
    assert "### Confirmation on fresh seeds" in findings and "on seeds 2, 3" in findings
    assert (out / "confirm" / "findings.md").is_file()
    page = (out / "report" / "index.html").read_text()  # the HTML report was rewritten
    assert 'class="confirmation"' in page and "on seeds 2, 3, which selected nothing" in page
    again = run_cli("confirm", out, "--top", 2, "--repeats", 2, "--jobs", 1)
    assert again.code == 0 and "on fresh seeds (2, 3" in again.out  # resumed: nothing redone


def test_confirm_refuses_bad_counts(tiny_spec, tmp_path, run_cli):
    out = _study_dir(tmp_path)
    assert "--repeats 1; expected >= 2" in run_cli("confirm", out, "--repeats", 1).error
