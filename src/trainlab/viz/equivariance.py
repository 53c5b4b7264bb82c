"""Equivariance maps: does transforming the input transform a conv net's output the same way?"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PANELS = (
    ("image", "x: the input"),
    ("output", "f(x): the net's output"),
    ("transformed_image", "g(x): input transformed"),
    ("transformed_output", "g(f(x)): output transformed"),
    ("output_of_transformed", "f(g(x)): output of g(x)"),
    ("difference", "|g(f(x)) - f(g(x))|"),
)
OUTPUTS = ("output", "transformed_output", "output_of_transformed")  # one colour scale


def equivariance_figure(check, *, title: str, channel: int | None = None) -> Figure:
    """Six panels of one check: x, f(x), g(x), g(f(x)), f(g(x)) and their difference
    (zero where the network is equivariant to g).

    Args:
        check: an ``EquivarianceCheck`` (any object with the arrays named in PANELS,
            each (C, H, W)).
        title: the figure title, e.g. "shift by (3, 3)".
        channel: the output channel shown; default: the one whose output varies most
            (a random conv net has dead channels that show nothing).
    """
    if channel is None:
        channel = int(np.argmax(np.asarray(check.output).reshape(len(check.output), -1).std(1)))
    fig = Figure(figsize=(15.5, 3.3), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(PANELS))
    outputs = [getattr(check, name)[channel] for name in OUTPUTS]
    lo, hi = float(min(o.min() for o in outputs)), float(max(o.max() for o in outputs))
    for ax, (name, label) in zip(axes, PANELS, strict=True):
        arrays = np.asarray(getattr(check, name))
        array = arrays[min(channel, len(arrays) - 1)]  # inputs may have fewer channels
        if name == "difference":
            image = ax.imshow(array, cmap="magma", vmin=0.0, vmax=max(float(array.max()), 1e-12))
            fig.colorbar(image, ax=ax, shrink=0.8)
            label = f"{label}\nmax {float(array.max()):.3g}"
        elif name in OUTPUTS:
            ax.imshow(array, cmap="viridis", vmin=lo, vmax=hi)
        else:
            ax.imshow(array, cmap="gray")
        ax.set_title(label, fontsize=10)
        ax.set_axis_off()
    fig.suptitle(f"{title} (output channel {channel})")
    return fig
