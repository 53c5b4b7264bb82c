"""Dropout and batch normalization written from tensor operations.

They match ``nn.Dropout``, ``nn.BatchNorm1d`` and ``nn.BatchNorm2d`` numerically
(same parameter and buffer names, so state dicts load across), and exist so the
arithmetic is visible and can be read, changed and monitored.
"""

from __future__ import annotations

import torch
from torch import nn

from trainlab.errors import ConfigError


class Dropout(nn.Module):
    """Inverted dropout: zero each value with probability ``p``, scale the rest by 1/(1-p).

    Scaling at training time keeps the expected activation unchanged, so evaluation
    mode is the identity.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ConfigError(f"Dropout p = {p!r}; expected 0 <= p <= 1")
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        # Same draw as torch's CPU kernel: bernoulli(1 - p) per element, scaled.
        keep = torch.empty_like(x).bernoulli_(1.0 - self.p)
        scaled_keep = keep / (1.0 - self.p)
        return x * scaled_keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _BatchNorm(nn.Module):
    """Normalize each channel by batch statistics (training) or running statistics (eval).

    y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over every dim but 1.
    Running statistics follow torch: ``running = (1 - momentum) * running + momentum *
    batch`` with the unbiased batch variance; ``momentum=None`` gives a cumulative average.
    """

    _ndims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        *,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        if num_features < 1:
            raise ConfigError(f"num_features = {num_features!r}; expected a positive int")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ConfigError(f"momentum = {momentum!r}; expected None or 0 <= momentum <= 1")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features))
            self.register_buffer("running_var", torch.ones(num_features))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() not in self._ndims:
            raise ConfigError(
                f"{type(self).__name__} input has shape {tuple(x.shape)}; "
                f"expected {' or '.join(f'{d}-D' for d in self._ndims)} (N, C, ...)"
            )
        reduce_dims = [0, *range(2, x.dim())]
        # (C,) -> (1, C, 1, ...) so it broadcasts over batch and spatial dims
        shape = (1, -1) + (1,) * (x.dim() - 2)
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            mean = x.mean(dim=reduce_dims)
            var = x.var(dim=reduce_dims, unbiased=False)
            if self.training and self.track_running_stats:
                self._update_running_stats(x, mean, var)
        else:
            mean = self.running_mean
            var = self.running_var
        x_hat = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps)
        if not self.affine:
            return x_hat
        return x_hat * self.weight.view(shape) + self.bias.view(shape)

    @torch.no_grad()
    def _update_running_stats(self, x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor):
        n = x.numel() // x.shape[1]  # values per channel
        if n < 2:
            raise ConfigError(
                f"{type(self).__name__} needs more than 1 value per channel in training, "
                f"got input shape {tuple(x.shape)}"
            )
        self.num_batches_tracked += 1
        # momentum=None: cumulative average over all batches seen
        factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        unbiased_var = var * (n / (n - 1))
        self.running_mean.mul_(1.0 - factor).add_(mean.detach(), alpha=factor)
        self.running_var.mul_(1.0 - factor).add_(unbiased_var.detach(), alpha=factor)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) input, statistics per feature C."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) input, statistics per channel over batch and pixels."""

    _ndims = (4,)
