"""`trainlab run`, `report` and `list`: what the study commands print (the summary: its
data, the best with intervals that hold for the selected ones, unequal noise, the command
that confirms the best), where they write, their exit codes, and one line for every
mistake in a command or a spec."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from trainlab.report import write_report
from trainlab.run.rundir import CONFIG_FILE, META_FILE, run_dir
from trainlab.study import LocalExecutor
from trainlab.study.runner import run_study
from trainlab.study.spec import load_spec


def test_quick_runs_go_to_their_own_default_directory(run_cli, tiny_spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("run", tiny_spec(grid='"optim.lr" = [0.01]'), "--quick", "--jobs", "1",
                     "--no-progress")  # fmt: skip
    assert result.code == 0, result.err
    assert (tmp_path / "runs" / "tiny-quick" / "study.json").is_file()
    assert not (tmp_path / "runs" / "tiny").exists()


def test_a_study_whose_every_run_fails_exits_3_and_names_them(run_cli, tiny_spec, tmp_path):
    # a 40x40 kernel on 28x28 images: every run raises when it first trains
    grid = '"model.kind" = ["cnn"]\n"model.cnn.kernel_sizes" = [[40], [41]]'
    out = tmp_path / "out"
    result = run_cli("run", tiny_spec(grid=grid), "--out", out, "--jobs", "1", "--no-progress")
    assert result.code == 3, result.err
    assert "2 run(s) failed: kind=cnn_kernel_sizes=40, kind=cnn_kernel_sizes=41" in result.out
    assert "run the same command to retry them" in result.out
    assert set(pd.read_csv(out / "results.csv")["status"]) == {"failed"}


def test_output_path_that_is_a_file_is_one_line_and_exit_2(run_cli, tiny_spec, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("not a directory")
    result = run_cli("run", tiny_spec(), "--out", taken, "--no-progress")
    assert result.code == 2
    assert f"{taken}: exists and is not a directory" in result.err
    assert "Traceback" not in result.err and taken.read_text() == "not a directory"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[model.mlp]\ndropout = 1.5\n", "model.mlp.dropout = 1.5"),
        ("[optim]\nlr = nan\n", "optim.lr = nan; expected a finite number"),
        ("name = []\n", "name = []; expected a string"),
        ("[grid]\n", "[grid] is empty"),
        ("[modle]\n", "unknown key 'modle'"),
    ],
)
def test_bad_spec_exits_2_with_one_line_and_creates_nothing(run_cli, tmp_path, content, message):
    spec = tmp_path / "bad.toml"
    spec.write_text(content)
    out = tmp_path / "never"
    result = run_cli("run", spec, "--out", out)
    assert result.code == 2
    assert message in result.err and str(spec) in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert not out.exists()


def test_list_and_report_commands(run_cli, tiny_spec, tmp_path):
    out = tmp_path / "out"
    run_study(load_spec(tiny_spec()), out, executor=LocalExecutor(1), progress=False)
    write_report(out)
    listing = run_cli("list", out)
    assert listing.code == 0 and listing.out.count("completed") >= 4
    (out / "results.csv").unlink()
    assert run_cli("report", out).code == 0
    assert len(pd.read_csv(out / "results.csv")) == 4


@pytest.mark.parametrize("command", ["report", "list"])
def test_study_commands_say_a_missing_or_wrong_directory_is_not_a_study(run_cli, command, tmp_path):
    assert "nope: no such directory" in run_cli(command, tmp_path / "nope").error
    assert "not a trainlab study directory" in run_cli(command, tmp_path).error


def test_data_dir_that_does_not_exist_exits_2(run_cli, tiny_spec, tmp_path):
    result = run_cli("run", tiny_spec(), "--data-dir", tmp_path / "nope")
    assert result.code == 2 and "--data-dir" in result.err
    assert "no such directory" in result.err and "Traceback" not in result.err


def test_study_directory_of_another_study_is_refused(run_cli, tiny_spec, tmp_path):
    out = tmp_path / "out"
    (out).mkdir()
    (out / "study.json").write_text(json.dumps({"name": "other"}))
    result = run_cli("run", tiny_spec(), "--out", out)
    assert result.code == 2 and "holds study 'other'" in result.err


@pytest.mark.slow
def test_one_ranking_rule_for_the_terminal_the_tables_the_findings_and_the_report(
    run_cli, tiny_spec, tmp_path
):
    path = tiny_spec(extra='[report]\nrank_by = "val_acc"')
    path.write_text("repeats = 2\n" + path.read_text())
    out = tmp_path / "out"
    result = run_cli("run", path, "--out", out, "--jobs", "2", "--no-progress", "--html")
    assert result.code == 0, result.err
    configs = pd.read_csv(out / "configs.csv")
    best = configs.sort_values("val_acc_mean", ascending=False)["point"].iloc[0]
    summary = result.out.split("best configurations by validation accuracy")[1]
    assert summary.splitlines()[1].split()[-2] == best  # the terminal's first row
    results = pd.read_csv(out / "results.csv")
    assert results["val_acc"].is_monotonic_decreasing  # runs ranked by the same rule
    assert f"**{best}**: val_acc = " in (out / "findings.md").read_text()
    index = (out / "report" / "index.html").read_text()
    assert f"<strong>{best}</strong>" in index.split('id="answer"')[1].split("</section>")[0]


def _study(out, *, synthetic: bool, wild: bool = False):
    """Three configurations x 3 seeds written as finished run directories."""
    losses = {"lr=0.1": [0.50, 0.52, 0.51], "lr=0.01": [0.60, 0.61, 0.59],
              "lr=1": [0.9, 0.3, 1.5] if wild else [0.80, 0.82, 0.81]}  # fmt: skip
    for point, values in losses.items():
        for seed, loss in enumerate(values):
            directory = run_dir(out, f"{point}_seed={seed}")
            directory.mkdir(parents=True)
            (directory / META_FILE).write_text(json.dumps(
                {"name": directory.name, "point": point, "seed": seed, "status": "completed",
                 "varied": {"lr": point[3:]}, "metrics": {"val_loss": loss}}
            ))  # fmt: skip
            data = {"name": "cifar10", "synthetic": synthetic, "split_seed": 0}
            (directory / CONFIG_FILE).write_text(json.dumps({"config": {"data": data}}))
    (out / "study.json").write_text(json.dumps(
        {"name": "s", "axes": {"lr": ["0.1", "0.01", "1"]}, "seeds": [0, 1, 2],
         "report": {"rank_by": "val_loss"}}
    ))  # fmt: skip


def test_generated_data_is_the_summary_s_first_line(tmp_path, run_cli):
    _study(tmp_path, synthetic=True)
    lines = run_cli("report", tmp_path).out.splitlines()
    assert lines[0].startswith("generated stand-in data: These runs trained on generated")
    assert "test the pipeline, not cifar10" in lines[0]


def test_the_summary_gives_intervals_for_the_selected_and_the_confirm_command(tmp_path, run_cli):
    _study(tmp_path, synthetic=False)
    out = run_cli("report", tmp_path).out
    assert "generated stand-in data" not in out
    assert "simultaneous over the 3 configurations" in out
    assert "lr=0.1  (best)" in out and "(ruled out as the best)" in out
    assert f"trainlab confirm {tmp_path} --top 2 --repeats 5" in out


def test_the_summary_names_configurations_with_unequal_noise(tmp_path, run_cli):
    _study(tmp_path, synthetic=False, wild=True)
    out = run_cli("report", tmp_path).out
    assert "unequal seed noise (own variance used): lr=1" in out
