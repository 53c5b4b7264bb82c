"""Stopping a run whose training loss is no longer finite (it diverged)."""

from __future__ import annotations

import torch

from trainlab.train.callbacks import Callback, TrainState
from trainlab.train.schedules import Schedule, every

# Steps between the host syncs that look for a non-finite loss: one sync costs about a
# step's launch latency on a GPU, and a diverged run wastes at most this many steps.
CHECK_EVERY = 64


class StopOnNonFinite(Callback):
    """Ends training as ``diverged`` at the first non-finite batch loss it finds.

    The batch losses stay on the device; on the steps of `schedule` (and at each
    epoch's end) the ones not yet looked at are checked at once, so the reason names
    the exact step where the loss first stopped being finite.
    """

    def __init__(self, schedule: Schedule | None = None) -> None:
        self.schedule = schedule or every(CHECK_EVERY)
        self._checked = 0  # losses of this epoch already looked at

    def on_train_begin(self, state: TrainState) -> None:
        """Nothing checked yet."""
        self._checked = 0

    def on_batch_end(self, state: TrainState) -> None:
        """Check the unchecked losses on the schedule's steps."""
        if self.schedule(state.step):
            self._check(state)

    def on_epoch_end(self, state: TrainState) -> None:
        """Check the rest of the epoch, then start the next epoch's count."""
        self._check(state)
        self._checked = 0

    def _check(self, state: TrainState) -> None:
        losses = state.epoch_losses[self._checked :]
        if state.stop or not losses:
            return
        finite = torch.isfinite(torch.stack(losses))  # one host sync below
        self._checked = len(state.epoch_losses)
        if bool(finite.all()):
            return
        first_bad = int((~finite).nonzero()[0, 0])
        step = state.step - len(losses) + 1 + first_bad
        value = float(losses[first_bad])
        state.request_stop(
            f"training loss became {value} at step {step} (epoch {state.epoch})",
            status="diverged",
        )
        state.history.stop_step = step
