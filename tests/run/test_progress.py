"""A run's progress file (`ProgressWriter`): its step, planned steps and latest losses."""

from __future__ import annotations

import torch

from trainlab.run import rundir
from trainlab.run.progress import ProgressWriter
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
