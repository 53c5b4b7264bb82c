"""Factor effects of a grid: mean and spread of a metric per level of each axis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def effects_figure(effects: pd.DataFrame, metric: str) -> Figure:
    """One panel per axis: mean +- std of `metric` at each level, grand mean dashed.

    Args:
        effects: rows of (axis, level, mean, std, n, effect), as made by
            ``trainlab.sweep.results.factor_effects``.
        metric: the metric's name, for the y label.
    """
    axes_names = list(dict.fromkeys(effects["axis"]))
    fig = Figure(figsize=(max(4.0, 3.2 * len(axes_names)), 3.4), layout="constrained")
    FigureCanvasAgg(fig)
    panels = fig.subplots(1, max(1, len(axes_names)), squeeze=False, sharey=True)[0]
    for ax, axis in zip(panels, axes_names, strict=False):
        rows = effects[effects["axis"] == axis]
        x = np.arange(len(rows))
        ax.errorbar(x, rows["mean"], yerr=rows["std"], fmt="o", capsize=4)
        grand = float((rows["mean"] * rows["n"]).sum() / rows["n"].sum())
        ax.axhline(grand, color="grey", linestyle="--", linewidth=1)
        ax.set_xticks(x, [str(level) for level in rows["level"]], rotation=30, ha="right")
        ax.set_title(axis)
        ax.set_xlabel("level")
    panels[0].set_ylabel(f"{metric} (mean +- std)")
    return fig
