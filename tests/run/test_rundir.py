"""The run directory: where a run lives, the rule for "finished", and what a directory that
is not a run says it is."""

from __future__ import annotations

import pytest

from trainlab.errors import RecordError
from trainlab.run import rundir
from trainlab.run.status import FAILED


def test_a_run_is_finished_once_its_final_metadata_is_written(tmp_path):
    directory = rundir.run_dir(tmp_path, "lr=0.1")
    assert directory == tmp_path / "runs" / "lr=0.1"
    directory.mkdir(parents=True)
    assert not rundir.is_finished(directory)
    (directory / rundir.META_FILE).write_text("{ half-writ")  # a crash mid-write
    assert not rundir.is_finished(directory) and rundir.read_meta(directory) is None
    meta = rundir.failed_meta({"name": "lr=0.1"}, "RuntimeError: boom")
    rundir.write_json(directory / rundir.META_FILE, meta)
    assert rundir.is_finished(directory)
    assert rundir.read_meta(directory)["status"] == FAILED and meta["metrics"] == {}


def test_progress_round_trips_with_the_time_it_was_written(tmp_path):
    assert rundir.read_progress(tmp_path) is None
    rundir.write_progress(tmp_path, {"step": 3, "planned_steps": 10})
    progress = rundir.read_progress(tmp_path)
    assert progress["step"] == 3 and progress["updated"] > 0


def test_the_movie_is_found_in_either_format(tmp_path):
    assert rundir.movie_path(tmp_path) is None
    (tmp_path / rundir.movie_file("mp4")).write_bytes(b"")
    assert rundir.movie_path(tmp_path) == tmp_path / "movie.mp4"


def test_a_directory_that_is_not_a_run_says_what_it_is(tmp_path):
    with pytest.raises(RecordError, match="nope: no such directory; expected a run directory"):
        rundir.check_run_dir(tmp_path / "nope")
    (tmp_path / "runs").mkdir()
    with pytest.raises(RecordError, match=r"it is a study directory: give one of .*runs/\*"):
        rundir.check_run_dir(tmp_path)
    (tmp_path / "runs" / "a").mkdir()
    (tmp_path / "runs" / "a" / rundir.CONFIG_FILE).write_text("{}")
    assert rundir.check_run_dir(tmp_path / "runs" / "a") == tmp_path / "runs" / "a"
