"""The metrics of a run: one definition each, written to run.json and read everywhere.

`METRICS` is the glossary: name, words for a header, how it is measured, and
which direction is better. `run_metrics` computes them from a run's History and
Record; the results table, the findings, the ranking rule and the report's
tooltips all read the same names and descriptions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from trainlab.monitor.record import ACTIVATION_SIGNALS, LAYER_SIGNALS, Record

if TYPE_CHECKING:  # the train package imports torch; `trainlab list` reads DEFAULT_RANK_BY
    from trainlab.train.history import History


@dataclass(frozen=True)
class Metric:
    """One per-run metric: its name, a label in words, how it is measured, what is better."""

    name: str
    label: str
    description: str
    better: str = "lower"  # "lower", "higher", or "" for counts and positions

    @property
    def higher_is_better(self) -> bool:
        """True for accuracies: the best run has the highest value."""
        return self.better == "higher"


_KEPT = (
    "of the model the run kept (its last epoch, or the epoch early stopping restored), "
    "scored in eval mode at the end of that epoch"
)
_METRICS = (
    Metric("val_loss", "validation loss", f"Loss on the whole validation set {_KEPT}."),
    Metric(
        "val_acc", "validation accuracy", f"Accuracy on the whole validation set {_KEPT}.", "higher"
    ),  # fmt: skip
    Metric(
        "train_loss",
        "training loss",
        f"Loss on a fixed subset of the training samples (train.train_eval_size) {_KEPT}, "
        "measured like the validation loss.",
    ),  # fmt: skip
    Metric(
        "train_acc", "training accuracy", f"Accuracy on the same training subset {_KEPT}.", "higher"
    ),  # fmt: skip
    Metric(
        "gap_loss",
        "generalization gap",
        "Validation loss minus training loss of the kept model: how much it overfits.",
    ),
    Metric(
        "final_val_loss",
        "last-epoch validation loss",
        "Loss on the whole validation set after the last epoch.",
    ),
    Metric(
        "final_val_acc",
        "last-epoch validation accuracy",
        "Accuracy on the whole validation set after the last epoch.",
        "higher",
    ),
    Metric(
        "final_train_loss",
        "last-epoch training loss",
        "Loss on the fixed training subset after the last epoch (eval mode).",
    ),
    Metric(
        "final_train_acc",
        "last-epoch training accuracy",
        "Accuracy on the fixed training subset after the last epoch (eval mode).",
        "higher",
    ),
    Metric(
        "final_gap_loss",
        "last-epoch generalization gap",
        "Validation minus training loss after the last epoch.",
    ),
    Metric(
        "best_val_loss",
        "lowest validation loss",
        "The lowest whole-set validation loss of any epoch.",
    ),
    Metric(
        "best_val_acc",
        "highest validation accuracy",
        "The highest whole-set validation accuracy of any epoch.",
        "higher",
    ),
    Metric(
        "kept_epoch",
        "kept epoch",
        "The epoch whose weights the run kept: the last one, or early stopping's choice.",
        "",
    ),  # fmt: skip
    Metric("best_epoch", "best epoch", "The epoch with the lowest validation loss.", ""),
    Metric(
        "val_subset_loss_mean",
        "mean per-batch validation loss",
        "Mean over all batches of the validation loss on the fixed subset of "
        "monitor.val_size validation samples scored after every batch: the area under "
        "that curve over its length, low when a run learns early and stays low.",
    ),
    Metric(
        "first_layer_mean_abs_weight",
        "first layer mean |weight|",
        "Mean absolute weight of the first layer after the last step.",
        "",
    ),
    Metric(
        "first_layer_mean_abs_grad",
        "first layer mean |gradient|",
        "Mean absolute gradient of the first layer's weights, averaged over the last "
        "epoch's steps.",
        "",
    ),  # fmt: skip
    Metric(
        "update_ratio_median",
        "median update ratio",
        "Median over every weight layer and step of |step change| / |weight|: how fast the "
        "weights move (about 1e-3 is the usual healthy size).",
        "",
    ),  # fmt: skip
    Metric(
        "dead_frac_late",
        "dead units (late)",
        "The largest fraction of an activation's units never positive over a batch, "
        "averaged over the last quarter of the steps.",
        "",
    ),  # fmt: skip
    Metric(
        "grad_norm_final",
        "gradient norm (last epoch)",
        "Norm of all parameter gradients, averaged over the last epoch's batches.",
        "",
    ),
    Metric("epochs_run", "epochs", "Epochs trained (the last may be partial).", ""),
    Metric("steps", "steps", "Optimizer steps taken.", ""),
    Metric("test_loss", "test loss", "Loss of the kept model on the test split, measured once."),
    Metric(
        "test_acc",
        "test accuracy",
        "Accuracy of the kept model on the test split, measured once.",
        "higher",
    ),
)
METRICS: dict[str, Metric] = {m.name: m for m in _METRICS}
METRIC_COLUMNS: tuple[str, ...] = tuple(METRICS)
# Metrics a study may rank by or ask questions about: the ones with a better direction.
SCORES: tuple[str, ...] = tuple(m.name for m in _METRICS if m.better)
DEFAULT_RANK_BY = "val_loss"


def run_metrics(
    history: History,
    record: Record | None,
    *,
    restored: bool,
    test: dict[str, float] | None = None,
) -> dict[str, float]:
    """Every metric of `METRICS` this run has (see their descriptions).

    Args:
        history: what fit() measured.
        record: the Monitor's record, for the per-batch validation loss; None when the
            run was not monitored.
        restored: early stopping loaded the weights of ``history.best_epoch`` at the end.
        test: the kept model's test loss and accuracy, when the run was tested.
    """
    frame = history.to_frame()
    metrics: dict[str, float] = {"steps": history.n_steps, "epochs_run": len(frame)}
    if not frame.empty:
        last = frame.iloc[-1]
        kept_epoch = history.best_epoch if restored and history.best_epoch else int(last["epoch"])
        kept = frame[frame["epoch"] == kept_epoch].iloc[0]
        for prefix, row in (("", kept), ("final_", last)):
            for name in ("val_loss", "val_acc", "train_loss", "train_acc"):
                metrics[f"{prefix}{name}"] = float(row[name])
            metrics[f"{prefix}gap_loss"] = float(row["val_loss"] - row["train_loss"])
        for name in ("first_layer_mean_abs_weight", "first_layer_mean_abs_grad"):
            if name in frame:
                metrics[name] = float(last[name])
        metrics["grad_norm_final"] = float(last["grad_norm"])
        metrics.update(
            best_val_loss=_nan_extreme(frame["val_loss"], min),
            best_val_acc=_nan_extreme(frame["val_acc"], max),
            kept_epoch=kept_epoch,
            best_epoch=history.best_epoch if history.best_epoch is not None else -1,
        )
    if test:
        metrics.update(test_loss=float(test["loss"]), test_acc=float(test["acc"]))
    if record is not None and record.n_steps:
        val = np.asarray(record.val_loss, dtype=np.float64)
        logged = val[~np.isnan(val)]  # steps off monitor.val_every's schedule are NaN
        metrics["val_subset_loss_mean"] = (
            float(logged.mean()) if len(logged) and np.isfinite(logged).all() else math.nan
        )
        metrics.update(signal_summary(record))
    return metrics


def signal_summary(record: Record) -> dict[str, float]:
    """The run's signals in two numbers: how fast its weights moved (its Linear and Conv
    weights, as the diagnoses measure them), how many units died."""
    summary: dict[str, float] = {}
    column = LAYER_SIGNALS.index("update_ratio")
    ratios = [record.layer_signals[name][:, column] for name in record.weight_layers]
    ratios = np.concatenate(ratios) if ratios else np.zeros(0)
    ratios = ratios[np.isfinite(ratios)]
    if ratios.size:
        summary["update_ratio_median"] = float(np.median(ratios))
    late = slice(record.n_steps - max(1, record.n_steps // 4), None)  # the last quarter
    dead = [
        float(np.nanmean(v[late, ACTIVATION_SIGNALS.index("dead_frac")]))
        for v in record.activation_signals.values()
        if np.isfinite(v[late, ACTIVATION_SIGNALS.index("dead_frac")]).any()
    ]
    if dead:
        summary["dead_frac_late"] = max(dead)
    return summary


def _nan_extreme(values, pick) -> float:
    finite = [float(v) for v in values if math.isfinite(float(v))]
    return pick(finite) if finite else math.nan
