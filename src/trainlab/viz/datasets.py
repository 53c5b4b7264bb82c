"""Dataset views: a grid of sample images with labels, and class counts per split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from trainlab.errors import ConfigError

WRONG_COLOR = "red"


def _as_images(images: torch.Tensor) -> np.ndarray:
    """(N, H, W) or (N, H, W, 3) floats in [0, 1] from uint8 or float NCHW / NHW tensors."""
    x = torch.as_tensor(images).detach().cpu()
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ConfigError(
            f"images have shape {tuple(x.shape)}; expected (N, 1|3, H, W) or (N, H, W)"
        )
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
    else:
        # standardized floats: min-max scale each image to [0, 1] for display
        x = x.float()
        lo = x.amin(dim=(1, 2, 3), keepdim=True)
        hi = x.amax(dim=(1, 2, 3), keepdim=True)
        x = (x - lo) / (hi - lo).clamp_min(1e-12)
    arr = x.permute(0, 2, 3, 1).numpy()  # (N, H, W, C)
    return arr[..., 0] if arr.shape[-1] == 1 else arr


def sample_grid(
    images: torch.Tensor,
    labels: torch.Tensor,
    classes: Sequence[str],
    predictions: torch.Tensor | None = None,
    *,
    n: int = 16,
    cols: int = 8,
    title: str | None = None,
) -> Figure:
    """The first `n` images with their class names as titles.

    With `predictions` each title reads "pred/true" (wrong ones red) and a key says so.
    Float images (e.g. standardized) are min-max scaled per image for display. `title`
    says what is shown (dataset, split, raw or standardized pixels).
    """
    if n < 1:
        raise ConfigError(f"n={n}; expected at least 1 image")
    pixels = _as_images(images)
    labels = torch.as_tensor(labels).cpu()
    n = min(n, len(pixels))
    if len(labels) < n or (predictions is not None and len(predictions) < n):
        raise ConfigError(
            f"{len(pixels)} images but {len(labels)} labels"
            + ("" if predictions is None else f" and {len(predictions)} predictions")
        )
    preds = None if predictions is None else torch.as_tensor(predictions).cpu()
    cols = min(cols, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(1.4 * cols, 1.6 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(pixels[i], cmap="gray" if pixels.ndim == 3 else None, vmin=0, vmax=1)
        true = classes[int(labels[i])]
        if preds is None:
            ax.set_title(true, fontsize=9)
        else:
            pred = classes[int(preds[i])]
            wrong = int(preds[i]) != int(labels[i])
            ax.set_title(f"{pred}/{true}", fontsize=9, color=WRONG_COLOR if wrong else "black")
    key = "predicted/true class; wrong predictions in red" if preds is not None else ""
    if title or key:
        fig.suptitle("\n".join(t for t in (title, key) if t), fontsize=10)
    return fig


def class_distribution(
    labels_by_split: Mapping[str, torch.Tensor],
    classes: Sequence[str],
    *,
    normalize: bool = False,
    title: str = "class distribution",
) -> Figure:
    """Grouped bars: samples per class, one bar per split (fractions with `normalize`)."""
    if not labels_by_split:
        raise ConfigError("class_distribution: no splits given")
    fig = Figure(figsize=(max(6.0, 0.8 * len(classes) + 2), 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    width = 0.8 / len(labels_by_split)
    positions = np.arange(len(classes))
    for i, (split, labels) in enumerate(labels_by_split.items()):
        y = torch.as_tensor(labels).cpu().long()
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= len(classes)):
            raise ConfigError(
                f"split {split!r}: labels span {int(y.min())}..{int(y.max())}; "
                f"expected 0..{len(classes) - 1} for {len(classes)} classes"
            )
        counts = torch.bincount(y, minlength=len(classes)).numpy().astype(float)
        if normalize:
            counts /= max(counts.sum(), 1.0)
        offset = (i - (len(labels_by_split) - 1) / 2) * width
        ax.bar(positions + offset, counts, width, label=f"{split} ({len(y)})")
    ax.set_xticks(positions, list(classes), rotation=45, ha="right")
    ax.set_xlabel("class")
    ax.set_ylabel("fraction" if normalize else "count")
    ax.set_title(title)
    ax.legend(title="split (samples)")
    return fig
