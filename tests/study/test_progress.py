"""Following a running study: each run's progress file, the driver's heartbeat and counts."""

from __future__ import annotations

import time

import torch

from trainlab.run import rundir
from trainlab.run.progress import ProgressWriter
from trainlab.study import studydir
from trainlab.study.progress import StudyProgress
from trainlab.study.spec import parse_spec
from trainlab.train.callbacks import TrainState
from trainlab.train.history import History


def test_a_run_writes_its_step_planned_steps_and_latest_losses(tmp_path):
    writer = ProgressWriter(tmp_path, planned_steps=50)
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    state = TrainState(model=model, optimizer=optimizer, history=History(), step=7, epoch=1,
                       batch_loss=torch.tensor(0.25))  # fmt: skip
    writer.on_batch_end(state)
    progress = rundir.read_progress(tmp_path)
    assert progress["step"] == 7 and progress["planned_steps"] == 50
    assert progress["train_loss"] == 0.25 and progress["val_loss"] is None
    state.step, state.metrics = 8, {"val_loss": 0.5}
    writer.on_batch_end(state)  # within a second of the last write: skipped
    assert rundir.read_progress(tmp_path)["step"] == 7
    writer.on_epoch_end(state)  # an epoch's end always writes, with its validation loss
    assert rundir.read_progress(tmp_path)["val_loss"] == 0.5


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


def test_a_stale_heartbeat_is_not_a_running_study(tmp_path, monkeypatch):
    studydir.write_heartbeat(tmp_path, pid=1)
    assert studydir.study_is_running(tmp_path)
    later = time.time() + studydir.HEARTBEAT_STALE_S + 1
    monkeypatch.setattr(rundir.time, "time", lambda: later)
    assert not studydir.study_is_running(tmp_path)
