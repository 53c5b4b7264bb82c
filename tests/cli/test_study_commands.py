"""Commands on a whole study or on two runs: list, compare, and movie, diagnose and
export-tb given a study directory; and a command line that starts without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from trainlab.cli import listing, main
from trainlab.data.synthetic import write_synthetic
from trainlab.run import rundir
from trainlab.run.metrics import DEFAULT_RANK_BY
from trainlab.study import LocalExecutor, studydir
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


def _write(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.fixture
def fake_study(tmp_path):
    """A study index and run.json files as a study leaves them (no training)."""
    out = tmp_path / "study"
    _write(out / "study.json", {"name": "s", "runs": ["lr=0.1", "lr=0.01", "lr=9"],
                                "report": {"rank_by": "val_acc"}})  # fmt: skip
    dead = {"name": "dead_units", "severity": "warning"}
    _write(
        out / "runs" / "lr=0.1" / "run.json",
        {
            "status": "completed",
            "seconds": 12.25,
            "varied": {"lr": "0.1"},
            "metrics": {"val_acc": 0.8571, "val_loss": 0.41},
            "diagnoses": [dead, dead],
        },
    )
    _write(out / "runs" / "lr=0.1" / "config.json", {"config": {}})
    _write(
        out / "runs" / "lr=0.01" / "run.json",
        {
            "status": "completed",
            "seconds": 10.0,
            "varied": {"lr": "0.01"},
            "metrics": {"val_acc": 0.8402, "val_loss": 0.45},
            "diagnoses": [],
        },
    )
    _write(out / "runs" / "lr=0.01" / "config.json", {"config": {}})  # fmt: skip
    return out


def test_list_shows_the_ranking_metric_and_each_runs_diagnoses(fake_study, capsys):
    assert main(["list", str(fake_study)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["status", "seconds", "val_acc", "run", "diagnoses"]
    assert lines[1].split() == ["completed", "12.2", "0.8571", "lr=0.1", "dead_units"]
    assert lines[2].split() == ["completed", "10.0", "0.8402", "lr=0.01"]
    assert lines[3].split() == ["not", "started", "-", "-", "lr=9"]
    assert lines[4] == "2 completed, 1 not started"


def test_list_reads_the_same_files_the_study_writes():
    assert listing.STUDY_FILE == studydir.STUDY_FILE
    assert (listing.RUNS_DIR, listing.META_FILE) == (rundir.RUNS_DIR, rundir.META_FILE)
    assert listing.PROGRESS_FILE == rundir.PROGRESS_FILE
    assert listing.DEFAULT_RANK_BY == DEFAULT_RANK_BY


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
    _write(unfinished / "config.json", {"config": {}})
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


@pytest.mark.parametrize("command", [["--help"], ["list", "{study}"]])
def test_help_and_list_start_without_torch_pandas_or_matplotlib(command, fake_study):
    args = [a.format(study=fake_study) for a in command]
    script = (
        f"import sys\nfrom trainlab.cli import main\ntry:\n    main({args!r})\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'pandas', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
