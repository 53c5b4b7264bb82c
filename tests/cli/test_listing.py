"""`trainlab list` (`trainlab.cli.listing`): the ranking metric and each run's diagnoses,
read as plain JSON from the files the study writes."""

from __future__ import annotations

from trainlab.cli import main


def test_list_shows_the_ranking_metric_and_each_runs_diagnoses(fake_study, capsys):
    assert main(["list", str(fake_study)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["status", "seconds", "val_acc", "run", "diagnoses"]
    assert lines[1].split() == ["completed", "12.2", "0.8571", "lr=0.1", "dead_units"]
    assert lines[2].split() == ["completed", "10.0", "0.8402", "lr=0.01"]
    assert lines[3].split() == ["not", "started", "-", "-", "lr=9"]
    assert lines[4] == "2 completed, 1 not started"
