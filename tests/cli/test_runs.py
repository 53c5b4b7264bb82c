"""`trainlab movie`, `diagnose`, `evaluate` and `export-tb`: commands on one finished run."""

from __future__ import annotations

import pytest

from trainlab.data.synthetic import write_synthetic


@pytest.mark.parametrize("command", ["movie", "evaluate", "export-tb", "diagnose"])
def test_run_commands_say_a_missing_or_wrong_directory_is_not_a_run(run_cli, command, tmp_path):
    assert "nope: no such directory" in run_cli(command, tmp_path / "nope").error
    assert "not a trainlab run directory" in run_cli(command, tmp_path).error


def test_diagnose_prints_each_diagnosis_with_its_evidence_and_a_change_to_try(run_cli, tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=600, n_test=100)
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'name = "s"\n[data]\nroot = "{root}"\nval_size = 100\n[model.mlp]\nhidden = [16]\n'
        "[train]\nmax_steps = 30\n[grid.case]\nlevels.ok = {}\n"
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
                    '[model.mlp]\nhidden = [8]\n[train]\nmax_steps = 12\n')  # fmt: skip
    assert run_cli("run", spec, "--out", tmp_path / "out", "--jobs", "1",
                   "--no-progress").code == 0  # fmt: skip
    run = tmp_path / "out" / "runs" / "base"
    result = run_cli("movie", run, "--frames", "4", "-o", tmp_path / "m.gif")
    assert result.code == 0, result.err
    assert "(4 frames of 12 steps)" in result.out
    both = run_cli("movie", run, "--frames", "4", "--every", "2")
    assert both.code == 2 and "not allowed with argument" in both.err
