"""History: what fit() measured, per batch and per epoch."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

# Per-epoch columns. Train and validation metrics are measured the same way: the model
# in eval mode at the end of the epoch, on a fixed train subset and the validation set.
# The *_running columns are the mean over the epoch's batches in train mode (dropout on,
# batch statistics, weights changing under it), as a progress bar shows them.
EPOCH_COLUMNS: tuple[str, ...] = (
    "epoch", "train_loss", "train_acc", "val_loss", "val_acc", "train_loss_running",
    "train_acc_running", "grad_norm", "lr", "time",
)  # fmt: skip
BATCH_COLUMNS: tuple[str, ...] = ("step", "epoch", "loss", "grad_norm")
STATUSES: tuple[str, ...] = ("running", "completed", "stopped", "diverged")
# Per-epoch layer output statistics (PhaseStats): in training mode (dropout on, batch
# statistics) and in evaluation mode; a column per phase, layer and statistic.
PHASES: tuple[str, ...] = ("train", "eval")
OUTPUT_STATS: tuple[str, ...] = ("mean", "mean_abs", "std")
_OUTPUT_COLUMN = re.compile(r"^(train|eval) (.+): output (mean|mean_abs|std)$")


@dataclass
class History:
    """Per-batch and per-epoch scalars of one training run.

    Epochs and steps count from 1: epoch 1 is the first pass over the data, step 1 the
    first optimizer update. Losses are the data loss (without regularization penalty),
    averaged over samples; accuracies are fractions in [0, 1] (NaN for non-class targets);
    ``grad_norm`` is the Euclidean norm of all parameter gradients (epoch: mean over
    batches); ``lr`` is the first parameter group's rate during the epoch; ``time`` is
    wall seconds since training began. Callbacks may add columns to an epoch's row
    (e.g. the first layer's mean |weight|); they follow ``EPOCH_COLUMNS`` in frames.

    Attributes:
        epochs: one dict per epoch with the keys of ``EPOCH_COLUMNS`` (and any added).
        batches: one dict per batch with the keys of ``BATCH_COLUMNS``.
        status: ``completed`` (ran to epochs/max_steps), ``stopped`` (a callback asked),
            ``diverged`` (non-finite loss), ``running`` while fit() runs.
        stop_reason: why training ended early, in words.
        stop_step: the optimizer step at which it ended early (for ``diverged``: the
            first step whose loss was not finite).
        best_epoch: epoch chosen by EarlyStopping/KeepBest, else the lowest val_loss.
    """

    epochs: list[dict[str, float]] = field(default_factory=list)
    batches: list[dict[str, float]] = field(default_factory=list)
    status: str = "running"
    stop_reason: str | None = None
    stop_step: int | None = None
    best_epoch: int | None = None

    def columns(self) -> list[str]:
        """``EPOCH_COLUMNS`` and then any column a callback added, in first-seen order."""
        extra = dict.fromkeys(k for row in self.epochs for k in row if k not in EPOCH_COLUMNS)
        return [*EPOCH_COLUMNS, *extra]

    def to_frame(self) -> pd.DataFrame:
        """Per-epoch DataFrame with the columns of `columns`."""
        return pd.DataFrame(self.epochs, columns=self.columns())

    def batch_frame(self) -> pd.DataFrame:
        """Per-batch DataFrame with columns ``BATCH_COLUMNS``."""
        return pd.DataFrame(self.batches, columns=list(BATCH_COLUMNS))

    def metric(self, name: str) -> list[float]:
        """One per-epoch column as a list, e.g. ``history.metric("val_acc")``."""
        if name not in self.columns():
            raise KeyError(f"unknown metric {name!r}; expected one of {self.columns()}")
        return [row.get(name, math.nan) for row in self.epochs]

    def output_stats(self) -> dict[str, dict[str, dict[str, list[float]]]]:
        """The layer output statistics it holds (`PhaseStats`, columns `output_column`):
        layer -> stat -> phase -> one value per epoch (NaN where an epoch lacks it),
        layers in first-seen order; {} without any."""
        found: dict[str, dict[str, dict[str, list[float]]]] = {}
        for column in self.columns():
            match = _OUTPUT_COLUMN.match(column)
            if match:
                phase, layer, stat = match.groups()
                found.setdefault(layer, {}).setdefault(stat, {})[phase] = self.metric(column)
        return found

    @property
    def n_steps(self) -> int:
        """Number of optimizer steps taken."""
        return len(self.batches)

    def to_dict(self) -> dict:
        """JSON-serialisable form (NaN stays NaN; use ``allow_nan`` when dumping)."""
        return {
            "epochs": self.epochs,
            "batches": self.batches,
            "status": self.status,
            "stop_reason": self.stop_reason,
            "stop_step": self.stop_step,
            "best_epoch": self.best_epoch,
        }

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """Inverse of ``to_dict``."""
        return cls(
            epochs=[dict(row) for row in data["epochs"]],
            batches=[dict(row) for row in data["batches"]],
            status=data["status"],
            stop_reason=data.get("stop_reason"),
            stop_step=data.get("stop_step"),
            best_epoch=data.get("best_epoch"),
        )


def lowest_epoch(history: History, metric: str = "val_loss") -> int | None:
    """Epoch with the lowest finite value of ``metric``; None if there is none."""
    finite = [
        (row[metric], row["epoch"])
        for row in history.epochs
        if isinstance(row.get(metric), float) and math.isfinite(row[metric])
    ]
    return min(finite)[1] if finite else None


def output_column(phase: str, layer: str, stat: str) -> str:
    """The History column of a layer's output statistic in one phase, e.g.
    ``"eval 2 (Dropout): output std"`` (phase in PHASES, stat in OUTPUT_STATS)."""
    return f"{phase} {layer}: output {stat}"
