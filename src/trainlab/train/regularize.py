"""Regularization by penalty in the loss, and optimizers with weight decay.

Three different things are easy to confuse:

- ``Regularization(l2=lam)`` adds lam/2 * ||w||^2 to the loss, so the gradient gains lam * w;
- ``make_optimizer("adam", ..., weight_decay=lam)`` adds lam * w to the gradient inside
  Adam, which is then rescaled by Adam's per-parameter step size: the same thing as the
  L2 penalty above;
- ``make_optimizer("adamw", ..., weight_decay=lam)`` shrinks the weights directly,
  w <- w - lr * lam * w, outside the adaptive rescaling (Loshchilov & Hutter 2019):
  not equivalent to either of the above for Adam. For plain SGD the first two coincide
  and AdamW's rule is what SGD's weight decay already does.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from trainlab.errors import ConfigError

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
}


@dataclass(frozen=True)
class Regularization:
    """Penalty terms added to the data loss, applied to every trainable parameter.

    Attributes:
        l1: weight of sum |w|.
        l2: weight lam of lam/2 * sum w^2 (gradient lam * w, same scale as weight decay).
    """

    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        for name in ("l1", "l2"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value >= 0):
                raise ConfigError(f"Regularization.{name} = {value!r}; expected a number >= 0")

    @property
    def active(self) -> bool:
        """True if any penalty is non-zero."""
        return self.l1 > 0 or self.l2 > 0

    def penalty(self, model: nn.Module) -> torch.Tensor:
        """The penalty of ``model``'s current parameters, as a 0-d tensor in the graph."""
        params = [p for p in model.parameters() if p.requires_grad]
        total = torch.zeros((), device=params[0].device if params else None)
        if self.l1 > 0:
            total = total + self.l1 * torch.stack([p.abs().sum() for p in params]).sum()
        if self.l2 > 0:
            total = total + 0.5 * self.l2 * torch.stack([p.pow(2).sum() for p in params]).sum()
        return total


def make_optimizer(
    name: str,
    params: Iterable[nn.Parameter],
    *,
    lr: float,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    betas: tuple[float, float] = (0.9, 0.999),
) -> torch.optim.Optimizer:
    """``sgd`` (with optional momentum), ``adam`` or ``adamw`` by name.

    Raises:
        ConfigError: unknown name, or a negative lr / weight_decay / momentum.
    """
    if name not in OPTIMIZERS:
        raise ConfigError(f"optimizer = {name!r}; expected one of {', '.join(OPTIMIZERS)}")
    for arg, value in (("lr", lr), ("weight_decay", weight_decay), ("momentum", momentum)):
        if value < 0:
            raise ConfigError(f"{arg} = {value!r}; expected >= 0")
    if momentum and name != "sgd":
        raise ConfigError(f"momentum = {momentum!r} is only used by 'sgd', not {name!r}")
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adamw" and weight_decay > 0:
        params = list(params)
        _warn_if_decay_rounds_away(params, lr * weight_decay)
    return OPTIMIZERS[name](params, lr=lr, betas=betas, weight_decay=weight_decay)


def _warn_if_decay_rounds_away(params: list, shrink: float) -> None:
    """Warn when AdamW's per-step factor 1 - lr * weight_decay is exactly 1 in the weights'
    precision (float32: lr * weight_decay below about 3e-8), so the decay does nothing."""
    dtypes = {p.dtype for p in params if isinstance(p, torch.Tensor) and p.is_floating_point()}
    for dtype in sorted(dtypes, key=str):
        if torch.tensor(1.0 - shrink, dtype=dtype) == 1.0:
            warnings.warn(
                f"AdamW's weight decay does nothing here: its per-step factor 1 - lr x "
                f"weight_decay = 1 - {shrink:.1e} rounds to 1 in {dtype}; "
                f"lr x weight_decay must exceed about {torch.finfo(dtype).eps / 4:.0e}",
                stacklevel=3,
            )
