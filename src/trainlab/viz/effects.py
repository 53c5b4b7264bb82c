"""Factor effects of a grid: each level's effect on a metric, with its interval over seeds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CLEAR_COLOR = "tab:red"  # an interval that excludes zero
NOISE_COLOR = "tab:gray"  # one that does not


def effects_figure(
    grids: Sequence[tuple[str, pd.DataFrame]], metric: str, *, replicated: bool = True
) -> Figure:
    """One panel per axis: each level's effect on `metric` with its 95% interval over seeds.

    Args:
        grids: (title, effects) per sub-grid; effects as made by
            ``trainlab.stats.main_effects`` (axis, level, effect, low, high, distinguishable;
            a report's analysis sets distinguishable only where the axis matters).
        metric: the metric's name, for the labels.
        replicated: False when there is one seed per configuration: no interval can be
            drawn, and the figure says so.
    """
    panels = [(title, axis, eff[eff["axis"] == axis]) for title, eff in grids
              for axis in dict.fromkeys(eff["axis"])]  # fmt: skip
    fig = Figure(figsize=(max(6.5, 3.0 * len(panels)), 4.1), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, max(1, len(panels)), squeeze=False)[0]
    for ax, (title, axis, rows) in zip(axes, panels, strict=False):
        x = np.arange(len(rows))
        effect = rows["effect"].to_numpy(float)
        low, high = rows["low"].to_numpy(float), rows["high"].to_numpy(float)
        clear = rows["distinguishable"].fillna(False).to_numpy(bool)
        colors = [CLEAR_COLOR if c else NOISE_COLOR for c in clear]
        has_interval = np.isfinite(low) & np.isfinite(high)
        yerr = np.where(has_interval, [effect - low, high - effect], 0.0)
        for i in range(len(rows)):
            ax.errorbar(x[i], effect[i], yerr=yerr[:, i : i + 1], fmt="o", capsize=4,
                        color=colors[i])  # fmt: skip
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xticks(x, [str(level) for level in rows["level"]], rotation=30, ha="right")
        ax.set_title(f"{axis}" + (f"\n({title})" if len(grids) > 1 else ""), fontsize=10)
        ax.set_xlabel(axis)
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel(f"effect on {metric}\n(level mean - sub-grid mean)")
    note = (
        "Dots: each level's effect; bars: 95% intervals from seed noise, simultaneous over an "
        "axis's levels.\nRed: clear of zero in an axis that matters (F-test, Holm over all "
        "axes); grey: not."
        if replicated
        else "One seed per configuration: no interval, nothing separable from seed noise."
    )
    fig.suptitle(note, fontsize=9)
    return fig
