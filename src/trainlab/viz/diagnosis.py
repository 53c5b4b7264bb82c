"""What the monitor saw when a diagnosis was raised: the signal behind it, per step.

Drawn from a Record (and the per-epoch History frame for epoch-level diagnoses);
the steps the diagnosis covers are shaded and, where the rule compares a signal
with a limit, the limit is drawn as a dashed line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from trainlab.monitor.record import Record
from trainlab.viz.smoothing import EMA_LABEL, ema

# The signal each diagnosis is read from: (kind, signal name, y label, log scale).
SIGNALS: dict[str, tuple[str, str, str, bool]] = {
    "exploding_gradients": ("layer", "grad_norm", "gradient norm", True),
    "vanishing_gradients": ("layer", "update_ratio", "update ratio |Δw| / |w|", True),
    "lr_too_high": ("layer", "update_ratio", "update ratio |Δw| / |w|", True),
    "lr_too_low": ("layer", "update_ratio", "update ratio |Δw| / |w|", True),
    "dying_relu": ("activation", "dead_frac", "fraction of dead units", False),
    "saturation": ("activation", "saturated_frac", "fraction of saturated outputs", False),
}
EPOCH_LEVEL = ("overfitting",)  # read from the per-epoch losses


def diagnosis_figure(
    record: Record, history: pd.DataFrame | None, diagnosis: dict[str, Any]
) -> Figure:
    """The losses and the diagnosis's signal over the run, its steps shaded.

    Args:
        record: the run's record.
        history: its per-epoch frame (History.to_frame()), for epoch-level diagnoses.
        diagnosis: `Diagnosis.to_dict()` (name, layer, steps, evidence, ...).
    """
    name = diagnosis["name"]
    panels = 2 if name in SIGNALS else 1
    fig = Figure(figsize=(5.2 * panels, 3.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    first, last = diagnosis.get("steps") or (1, record.n_steps)
    if name in EPOCH_LEVEL and history is not None and len(history):
        _epoch_losses(axes[0], history)
    else:
        _step_losses(axes[0], record, first, last)
    if name in SIGNALS:
        _signal(axes[1], record, diagnosis, first, last)
    where = f" in {diagnosis['layer']}" if diagnosis.get("layer") else ""
    fig.suptitle(f"{name}{where}, steps {first}-{last}", fontsize=10)
    return fig


def _step_losses(ax: Axes, record: Record, first: int, last: int) -> None:
    steps = np.arange(1, record.n_steps + 1)
    train = np.asarray(record.train_loss, float)
    ax.plot(steps, train, color="tab:blue", alpha=0.3, linewidth=0.8, label="train, per batch")
    ax.plot(steps, ema(train), color="tab:blue", label=EMA_LABEL)
    val = np.asarray(record.val_loss, float)
    if np.isfinite(val).any():
        ax.plot(steps, val, color="tab:red", label="validation (fixed subset)")
    ax.axvspan(first, last, color="tab:orange", alpha=0.15)
    ax.set(xlabel="step (batch)", ylabel="loss", title="loss")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def _epoch_losses(ax: Axes, history: pd.DataFrame) -> None:
    ax.plot(history["epoch"], history["train_loss"], "--", label="train (eval mode)")
    ax.plot(history["epoch"], history["val_loss"], label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title="loss per epoch")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def _signal(ax: Axes, record: Record, diagnosis: dict[str, Any], first: int, last: int) -> None:
    kind, signal, label, log = SIGNALS[diagnosis["name"]]
    names = list(record.layer_signals if kind == "layer" else record.activation_signals)
    layer = diagnosis.get("layer")
    for site in names:
        values = record.signal(signal, site)
        steps = np.arange(1, len(values) + 1)
        emphasis = {"linewidth": 2.0} if site == layer else {"linewidth": 1.0, "alpha": 0.6}
        ax.plot(steps, values, label=site, **emphasis)
    for evidence in diagnosis.get("evidence", []):
        threshold = evidence.get("threshold")
        # a limit on the signal's own values ("median late dead_frac of ..."), not on a
        # share of steps or a ratio of two signals
        quantity = evidence.get("quantity", "")
        on_values = signal in quantity and not quantity.startswith("share")
        if on_values and isinstance(threshold, (int, float)):
            ax.axhline(threshold, color="black", linestyle="--", linewidth=1,
                       label=f"limit {threshold:g}")  # fmt: skip
    ax.axvspan(first, last, color="tab:orange", alpha=0.15)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="step (batch)", ylabel=label, title=label)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def diagnosis_caption(diagnosis: dict[str, Any]) -> str:
    """What `diagnosis_figure` draws for this diagnosis, in words."""
    shade = "shaded: the steps the diagnosis covers"
    if diagnosis["name"] in SIGNALS:
        _, _, label, _ = SIGNALS[diagnosis["name"]]
        return f"Left: the losses per batch; right: the {label} of each layer ({shade})."
    if diagnosis["name"] in EPOCH_LEVEL:
        return "The training and validation loss per epoch."
    return f"The losses per batch ({shade})."
