"""A run's progress as it trains: ``progress.json`` rewritten about once a second.

The file is the only channel between a run and whoever follows it (the study's
progress bars, the live report), so it works for any worker process or machine.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from trainlab.run import rundir
from trainlab.train.callbacks import Callback, TrainState

WRITE_EVERY_S = 1.0  # a run's progress file: about one small atomic write per second


class ProgressWriter(Callback):
    """Writes the run's step, planned steps, epoch and latest losses to progress.json."""

    def __init__(self, directory: Path, planned_steps: int | None) -> None:
        self.directory = Path(directory)
        self.planned = planned_steps
        self._last = -math.inf

    def on_batch_end(self, state: TrainState) -> None:
        """At most once per WRITE_EVERY_S: one host read of the batch loss, one small write."""
        now = time.monotonic()
        if now - self._last >= WRITE_EVERY_S:
            self._last = now
            self._write(state)

    def on_epoch_end(self, state: TrainState) -> None:
        """After each epoch, with its validation loss."""
        self._write(state)

    def _write(self, state: TrainState) -> None:
        val = state.metrics.get("val_loss", math.nan) if state.metrics else math.nan
        rundir.write_progress(self.directory, {
            "step": state.step, "planned_steps": self.planned, "epoch": state.epoch,
            "train_loss": float(state.batch_loss) if state.batch_loss is not None else None,
            "val_loss": None if math.isnan(val) else val,
        })  # fmt: skip
