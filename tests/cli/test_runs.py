"""`trainlab movie`, `diagnose`, `evaluate`, `export-tb` and `compare`: commands on a finished
run, or on every run of a study directory."""

from __future__ import annotations

import json

import pytest

from trainlab.cli import main
from trainlab.data.synthetic import write_synthetic
from trainlab.study import LocalExecutor
from trainlab.study.runner import run_study
from trainlab.study.spec import load_spec

SPEC = """
name = "two"
[data]
name = "fashion-mnist"
root = "{root}"
val_size = 100
[model.mlp]
hidden = [8]
[train]
max_steps = 4
[monitor]
val_size = 32
[output]
dashboard = false
[grid]
"optim.lr" = [0.01, 0.001]
"""


@pytest.mark.parametrize("command", ["movie", "evaluate", "export-tb", "diagnose"])
def test_run_commands_say_a_missing_or_wrong_directory_is_not_a_run(run_cli, command, tmp_path):
    assert "nope: no such directory" in run_cli(command, tmp_path / "nope").error
    assert "not a trainlab run directory" in run_cli(command, tmp_path).error


def test_diagnose_prints_each_diagnosis_with_its_evidence_and_a_change_to_try(run_cli, tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=600, n_test=100)
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'name = "s"\n[data]\nroot = "{root}"\nval_size = 100\n[model.mlp]\nhidden = [16]\n'
        "[train]\nmax_steps = 30\n[output]\ndashboard = false\n[grid.case]\nlevels.ok = {}\n"
        'levels.blowup = { "optim.name" = "sgd", "optim.lr" = 1e12 }\n'
    )
    assert run_cli("run", spec, "--out", tmp_path / "out", "--jobs", "1",
                   "--no-progress").code == 0  # fmt: skip
    diverged = run_cli("diagnose", tmp_path / "out" / "runs" / "case=blowup")
    assert diverged.code == 0, diverged.err
    assert "[error] diverged at step" in diverged.out
    assert "try: " in diverged.out and " - " in diverged.out


def test_movie_command_chooses_frames_and_says_how_many(run_cli, tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=600, n_test=100)
    spec = tmp_path / "s.toml"
    spec.write_text(f'name = "s"\n[data]\nroot = "{root}"\nval_size = 100\n'
                    '[model.mlp]\nhidden = [8]\n[train]\nmax_steps = 12\n'
                    '[output]\ndashboard = false\n')  # fmt: skip
    assert run_cli("run", spec, "--out", tmp_path / "out", "--jobs", "1",
                   "--no-progress").code == 0  # fmt: skip
    run = tmp_path / "out" / "runs" / "base"
    result = run_cli("movie", run, "--frames", "4", "-o", tmp_path / "m.gif")
    assert result.code == 0, result.err
    assert "(4 frames of 12 steps)" in result.out
    both = run_cli("movie", run, "--frames", "4", "--every", "2")
    assert both.code == 2 and "not allowed with argument" in both.err


def test_compare_prints_two_runs_metrics_side_by_side_with_the_difference(fake_study, capsys):
    runs = fake_study / "runs"
    assert main(["compare", str(runs / "lr=0.1"), str(runs / "lr=0.01")]) == 0
    out = capsys.readouterr().out
    assert "lr: A 0.1, B 0.01" in out
    row = next(line for line in out.splitlines() if line.startswith("validation accuracy"))
    assert row.split()[-3:] == ["0.8571", "0.8402", "0.0169"]
    assert "no interval over seeds" in out


def test_compare_refuses_an_unfinished_run_in_one_line(fake_study, capsys):
    unfinished = fake_study / "runs" / "lr=9"
    unfinished.mkdir(parents=True)
    (unfinished / "config.json").write_text(json.dumps({"config": {}}))
    assert main(["compare", str(fake_study / "runs" / "lr=0.1"), str(unfinished)]) == 2
    assert "has not finished" in capsys.readouterr().err


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = write_synthetic("fashion-mnist", tmp_path_factory.mktemp("data"), n_train=300,
                           n_test=50)  # fmt: skip
    spec = tmp_path_factory.mktemp("spec") / "two.toml"
    spec.write_text(SPEC.format(root=root))
    out = tmp_path_factory.mktemp("study")
    run_study(load_spec(spec), out, executor=LocalExecutor(1), progress=False)
    return out


def test_run_commands_given_a_study_go_through_every_run(study, capsys):
    runs = sorted(p.name for p in (study / "runs").iterdir())
    assert main(["diagnose", str(study)]) == 0
    said = capsys.readouterr().out
    assert all(f"{run}: 4 steps" in said for run in runs)
    assert "2 runs diagnosed" in said
    assert main(["movie", str(study), "--every", "2"]) == 0
    assert all((study / "runs" / run / "movie.gif").is_file() for run in runs)
    assert main(["movie", str(study), "--output", "one.gif"]) == 2
    assert "each run's movie goes into its own directory" in capsys.readouterr().err
