"""Batched tensor transforms: scaling, flattening, standardization and augmentation.

Every function works on a whole batch (N, ...) at once, with no per-sample Python;
random ones draw from an explicit `torch.Generator`, so a fixed seed gives the
same output on every run.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from trainlab.errors import ConfigError

STANDARDIZE_PER: tuple[str, ...] = ("feature", "channel")  # what one mean/std is shared by


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 images in [0, 255] -> float32 in [0, 1]."""
    if images.dtype != torch.uint8:
        raise ConfigError(f"to_float: images dtype = {images.dtype}; expected torch.uint8")
    return images.to(torch.float32).div_(255.0)


def flatten(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, C*H*W), a view when `x` is contiguous."""
    return x.reshape(x.shape[0], -1)


class Standardizer:
    """Subtract the mean and divide by the standard deviation, both fitted on one tensor.

    `per="feature"` keeps one mean/std per input element (reducing over the batch);
    `per="channel"` keeps one per channel (dim 1, reducing over batch and space).
    Fit on the training split only, then transform every split with the same statistics.
    """

    def __init__(self, per: str = "feature") -> None:
        if per not in STANDARDIZE_PER:
            raise ConfigError(f"Standardizer: per = {per!r}; expected one of {STANDARDIZE_PER}")
        self.per = per
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None

    def fit(self, x: torch.Tensor) -> Standardizer:
        """Compute the statistics of `x` (N, C, ...) and return self."""
        if x.ndim < 2 or x.shape[0] < 1:
            raise ConfigError(f"Standardizer.fit: x shape = {tuple(x.shape)}; expected (N, C, ...)")
        dims = (0,) if self.per == "feature" else (0, *range(2, x.ndim))
        # Population std (correction=0), as in the usual definition of standardization.
        std, mean = torch.std_mean(x, dim=dims, keepdim=True, correction=0)
        # A constant input (e.g. an always-black MNIST corner pixel) has std 0: leave it
        # unscaled rather than divide by zero.
        std = torch.where(std > 0, std, torch.ones_like(std))
        if self.per == "feature":
            mean, std = mean.squeeze(0), std.squeeze(0)  # (C, H, W): broadcasts over N
        self.mean = mean
        self.std = std
        return self

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        """Standardize `x` with the fitted statistics (a new tensor)."""
        if self.mean is None or self.std is None:
            raise ConfigError("Standardizer.transform called before fit")
        return (x - self.mean.to(x.device)) / self.std.to(x.device)

    def fit_transform(self, x: torch.Tensor) -> torch.Tensor:
        """Fit on `x`, then standardize it."""
        return self.fit(x).transform(x)


def _uniform(n: int, generator: torch.Generator | None, device: torch.device) -> torch.Tensor:
    """`n` draws from U[0, 1) on the generator's device, moved to `device`."""
    gen_device = generator.device if generator is not None else torch.device("cpu")
    return torch.rand(n, generator=generator, device=gen_device).to(device)


def random_crop(
    x: torch.Tensor, padding: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Pad each image with `padding` zeros on every side, then crop back at a random offset.

    Args:
        x: (N, C, H, W) batch.
        padding: pixels of zero padding; the content moves by at most this much.
        generator: source of the offsets, for reproducibility.

    Returns:
        (N, C, H, W) batch; image i is shifted by an offset drawn uniformly from
        [-padding, padding] in each direction, uncovered pixels are zero.
    """
    if padding < 0:
        raise ConfigError(f"random_crop: padding = {padding}; expected >= 0")
    n, _, h, w = x.shape
    if padding == 0:
        return x.clone()
    padded = torch.nn.functional.pad(x, (padding, padding, padding, padding))  # (N, C, H+2p, W+2p)
    offsets = (_uniform(2 * n, generator, x.device) * (2 * padding + 1)).long()  # in [0, 2p]
    top, left = offsets[:n], offsets[n:]
    rows = top[:, None] + torch.arange(h, device=x.device)  # (N, H)
    cols = left[:, None] + torch.arange(w, device=x.device)  # (N, W)
    batch = torch.arange(n, device=x.device)[:, None, None]  # (N, 1, 1)
    # Advanced indices split by the channel slice go first: result is (N, H, W, C).
    crops = padded[batch, :, rows[:, :, None], cols[:, None, :]]
    return crops.permute(0, 3, 1, 2).contiguous()  # (N, C, H, W)


def random_hflip(
    x: torch.Tensor, generator: torch.Generator | None = None, *, p: float = 0.5
) -> torch.Tensor:
    """Mirror each image left-right with probability `p` (x is (N, C, H, W))."""
    if not 0.0 <= p <= 1.0:
        raise ConfigError(f"random_hflip: p = {p}; expected 0 <= p <= 1")
    flip = _uniform(x.shape[0], generator, x.device) < p  # (N,)
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def augment_crop_flip(
    padding: int = 4,
) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """Per-batch transform for `TensorLoader`: random crop with `padding`, then random flip."""

    def transform(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return random_hflip(random_crop(xb, padding, generator), generator)

    return transform
