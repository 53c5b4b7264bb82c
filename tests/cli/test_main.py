"""The command line on its own: exit codes, one-line errors for user mistakes, tracebacks
for bugs, and the checks every command makes of the directory it is given."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trainlab import cli
from trainlab.data.synthetic import write_synthetic
from trainlab.version import __version__


def _trainlab(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trainlab", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)  # fmt: skip


def _one_line_exit_2(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    for needle in needles:
        assert needle in result.stderr


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"trainlab {__version__}"
    for command in ("run", "demo", "report", "list", "movie", "evaluate", "export-tb",
                    "equivariance"):  # fmt: skip
        assert command in cli.build_parser().format_help()


@pytest.mark.parametrize("flag", ["--jobs", "--repeats", "--grid"])
def test_counts_below_one_are_refused(flag, capsys):
    assert cli.main(["run", "spec.toml", flag, "0"]) == 2
    assert f"{flag} 0; expected >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["report", "list"])
def test_study_commands_say_a_missing_or_wrong_directory_is_not_a_study(command, tmp_path):
    _one_line_exit_2(_trainlab(command, str(tmp_path / "nope")), "nope: no such directory")
    _one_line_exit_2(_trainlab(command, str(tmp_path)), "not a trainlab study directory")


@pytest.mark.parametrize("command", ["movie", "evaluate", "export-tb", "diagnose"])
def test_run_commands_say_a_missing_or_wrong_directory_is_not_a_run(command, tmp_path):
    _one_line_exit_2(_trainlab(command, str(tmp_path / "nope")), "nope: no such directory")
    _one_line_exit_2(_trainlab(command, str(tmp_path)), "not a trainlab run directory")


def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if _writable_anyway(locked):
            pytest.skip("running as a user who may write anywhere (root)")
        result = _trainlab("equivariance", "--out", str(locked / "eq"))
        _one_line_exit_2(result, "is not writable")
    finally:
        locked.chmod(0o700)


def _writable_anyway(directory) -> bool:
    try:
        (directory / "probe").write_text("")
    except PermissionError:
        return False
    (directory / "probe").unlink()
    return True


def test_an_unexpected_os_error_is_a_bug_and_keeps_its_traceback(monkeypatch, tmp_path):
    # Regression: every OSError became one line, hiding bugs in our own code.
    def broken(*args, **kwargs):
        raise PermissionError("[Errno 13] Permission denied: '/internal/cache'")

    monkeypatch.setattr("trainlab.report.equivariance.equivariance_experiment", broken)
    with pytest.raises(PermissionError, match="internal/cache"):
        cli.main(["equivariance", "--out", str(tmp_path / "eq")])


def test_equivariance_command_writes_both_figures(tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=20, n_test=10)
    result = _trainlab("equivariance", "--out", str(tmp_path / "eq"), "--data-dir", str(root))
    assert result.returncode == 0, result.stderr
    assert "shift: max" in result.stdout and "rotation: max" in result.stdout
    assert (tmp_path / "eq" / "shift.png").is_file()
    assert (tmp_path / "eq" / "rotation.png").is_file()


def test_image_index_outside_the_split_is_one_line_and_exit_2(tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=20, n_test=10)
    result = _trainlab("equivariance", "--out", str(tmp_path / "eq"), "--data-dir", str(root),
                       "--index", "20")  # fmt: skip
    _one_line_exit_2(result, "--index 20: the fashion-mnist train split has images 0 to 19")
    assert not (tmp_path / "eq").exists()


def test_diagnose_prints_each_diagnosis_with_its_evidence_and_a_change_to_try(tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=600, n_test=100)
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'name = "s"\n[data]\nroot = "{root}"\nval_size = 100\n[model.mlp]\nhidden = [16]\n'
        "[train]\nmax_steps = 30\n[grid.case]\nlevels.ok = {}\n"
        'levels.blowup = { "optim.name" = "sgd", "optim.lr" = 1e12 }\n'
    )
    assert _trainlab("run", str(spec), "--out", str(tmp_path / "out"), "--jobs", "1",
                     "--no-progress").returncode == 0  # fmt: skip
    diverged = _trainlab("diagnose", str(tmp_path / "out" / "runs" / "case=blowup"))
    assert diverged.returncode == 0, diverged.stderr
    assert "[error] diverged at step" in diverged.stdout
    assert "try: " in diverged.stdout and " - " in diverged.stdout


def test_movie_command_chooses_frames_and_says_how_many(tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=600, n_test=100)
    spec = tmp_path / "s.toml"
    spec.write_text(f'name = "s"\n[data]\nroot = "{root}"\nval_size = 100\n'
                    '[model.mlp]\nhidden = [8]\n[train]\nmax_steps = 12\n')  # fmt: skip
    assert _trainlab("run", str(spec), "--out", str(tmp_path / "out"), "--jobs", "1",
                     "--no-progress").returncode == 0  # fmt: skip
    run = tmp_path / "out" / "runs" / "base"
    result = _trainlab("movie", str(run), "--frames", "4", "-o", str(tmp_path / "m.gif"))
    assert result.returncode == 0, result.stderr
    assert "(4 frames of 12 steps)" in result.stdout
    both = _trainlab("movie", str(run), "--frames", "4", "--every", "2")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
