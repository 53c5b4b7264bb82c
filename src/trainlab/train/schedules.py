"""Schedules: ``step -> bool`` callables saying at which optimizer steps something runs.

fit() and its callbacks take one wherever work need not happen every batch (a
host sync to look for a non-finite loss, the validation loss a monitor logs).
Steps count from 1.
"""

from __future__ import annotations

from collections.abc import Callable

from trainlab.errors import ConfigError

Schedule = Callable[[int], bool]


def always(step: int) -> bool:
    """Every step."""
    return True


def never(step: int) -> bool:
    """No step."""
    return False


def every(k: int) -> Schedule:
    """Steps k, 2k, 3k, ..."""
    if not isinstance(k, int) or k < 1:
        raise ConfigError(f"every(k): k = {k!r}; expected a positive int")

    def schedule(step: int) -> bool:
        return step % k == 0

    schedule.__name__ = f"every({k})"
    return schedule


def first(n: int) -> Schedule:
    """Steps 1..n."""
    if not isinstance(n, int) or n < 0:
        raise ConfigError(f"first(n): n = {n!r}; expected an int >= 0")

    def schedule(step: int) -> bool:
        return step <= n

    schedule.__name__ = f"first({n})"
    return schedule
