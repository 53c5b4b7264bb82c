"""Parameter counting, and choosing an architectural knob to hit a parameter budget."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from torch import nn

from trainlab.errors import ConfigError

K = TypeVar("K")


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of scalar parameters (buffers such as BN running stats are not counted)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def match_parameter_count(
    build: Callable[[K], nn.Module],
    target: int,
    *,
    candidates: Iterable[K],
    tolerance: int = 10_000,
) -> tuple[K, int]:
    """The candidate whose model's parameter count is closest to ``target``, within tolerance.

    Args:
        build: makes a model from one value of the knob (kernel size, depth, width).
        target: the parameter count to match.
        candidates: knob values to try, e.g. ``range(1, 29)``.
        tolerance: the largest allowed ``|count - target|``.

    Returns:
        ``(value, count)``; ties go to the earlier candidate.

    Raises:
        ConfigError: no candidate is within ``tolerance`` (the message lists what was tried).
    """
    tried: list[tuple[K, int]] = []
    for value in candidates:
        tried.append((value, count_parameters(build(value))))
    if not tried:
        raise ConfigError("match_parameter_count: candidates is empty")
    value, count = min(tried, key=lambda vc: abs(vc[1] - target))
    if abs(count - target) > tolerance:
        raise ConfigError(
            f"no candidate within {tolerance} parameters of target {target}; "
            f"tried (value, count): {tried}"
        )
    return value, count
