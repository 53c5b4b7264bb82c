"""The study directory: what makes one, and whether a driver is running it (its heartbeat)."""

from __future__ import annotations

import json
import time

import pytest

from trainlab.errors import RecordError
from trainlab.run import rundir
from trainlab.study import studydir


def test_a_stale_heartbeat_is_not_a_running_study(tmp_path, monkeypatch):
    studydir.write_heartbeat(tmp_path, pid=1)
    assert studydir.study_is_running(tmp_path)
    later = time.time() + studydir.HEARTBEAT_STALE_S + 1
    monkeypatch.setattr(rundir.time, "time", lambda: later)
    assert not studydir.study_is_running(tmp_path)


def test_a_cleared_heartbeat_is_not_a_running_study(tmp_path):
    studydir.write_heartbeat(tmp_path, pid=1)
    studydir.clear_heartbeat(tmp_path)
    assert not studydir.study_is_running(tmp_path)
    studydir.clear_heartbeat(tmp_path)  # twice: nothing to clear is fine


def test_only_a_directory_with_study_json_is_a_study(tmp_path):
    with pytest.raises(RecordError, match="nope: no such directory"):
        studydir.read_study(tmp_path / "nope")
    (tmp_path / "file").write_text("")
    with pytest.raises(RecordError, match="file: not a directory"):
        studydir.read_study(tmp_path / "file")
    with pytest.raises(RecordError, match="not a trainlab study directory"):
        studydir.read_study(tmp_path)
    (tmp_path / studydir.STUDY_FILE).write_text(json.dumps({"name": "s"}))
    assert studydir.is_study(tmp_path) and studydir.read_study(tmp_path) == {"name": "s"}
