"""Following a running study (`StudyProgress`): the driver's heartbeat and its counts."""

from __future__ import annotations

from trainlab.study import studydir
from trainlab.study.progress import StudyProgress
from trainlab.study.spec import parse_spec


def test_the_driver_marks_the_study_running_and_counts_what_ended(tmp_path):
    study = parse_spec({"grid": {"optim.lr": [0.1, 0.01, 0.001]}}, where="s.toml")
    board = StudyProgress(study, tmp_path, study.runs[1:], skipped=1, show=False)
    assert not studydir.study_is_running(tmp_path)
    with board:
        assert studydir.study_is_running(tmp_path)
        board.finished(study.runs[1], {"status": "completed"})
        board.finished(study.runs[2], {"status": "failed", "error": "boom"})
    assert not studydir.study_is_running(tmp_path)
    assert board.summary() == "1 skipped (already complete), 1 completed, 1 failed"
