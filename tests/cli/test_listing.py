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


def test_a_run_of_a_killed_study_is_unfinished_and_of_a_running_one_running(fake_study, capsys):
    from trainlab.run.rundir import PROGRESS_FILE
    from trainlab.study.studydir import clear_heartbeat, write_heartbeat

    (fake_study / "runs" / "lr=9").mkdir()
    (fake_study / "runs" / "lr=9" / PROGRESS_FILE).write_text('{"step": 3, "steps": 10}')
    main(["list", str(fake_study)])
    assert capsys.readouterr().out.splitlines()[3].split() == ["unfinished", "-", "-", "lr=9"]
    write_heartbeat(fake_study, 1)
    main(["list", str(fake_study)])
    assert capsys.readouterr().out.splitlines()[3].split() == ["running", "-", "-", "lr=9"]
    clear_heartbeat(fake_study)


def test_a_reader_that_leaves_early_gets_no_traceback(fake_study):
    """`trainlab list DIR | head -1`: the pipe closes before trainlab writes."""
    import subprocess
    import sys

    script = (
        f"import sys; from trainlab.cli import main; sys.exit(main(['list', {str(fake_study)!r}]))"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # fmt: skip
    child.stdout.close()  # the reader is gone before the first line
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err, err
