"""Numbers and values as the report prints them: no more digits than the seed noise allows."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from trainlab.stats import format_estimate, noise_decimals


def missing(value: Any) -> bool:
    """None, NaN or a pandas NA: an empty cell."""
    try:
        return value is None or bool(value != value)  # NaN and NA are not equal to themselves
    except TypeError:  # pandas NA refuses bool(); it is missing
        return True


def number(value: Any, noise_sd: float = math.nan) -> str:
    """`value` for a table cell: integers as integers, else rounded to the seed noise.

    `noise_sd` is the metric's seed-to-seed sd: the value keeps the decimals of two
    significant digits of it (as `round_to_noise`); without one (NaN, 0) four
    significant digits.
    """
    if missing(value):
        return ""
    x = float(value)
    if x.is_integer() and abs(x) < 1e9:
        return str(int(x))
    if not (math.isfinite(noise_sd) and noise_sd > 0 and math.isfinite(x)):
        return format_estimate(x)
    decimals = noise_decimals(noise_sd)
    text = f"{round(x, decimals):.{max(decimals, 0)}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"


def estimate(mean: Any, low: Any = math.nan, high: Any = math.nan) -> str:
    """ "0.79 (0.36 to 1.21)": a mean with its interval, rounded to the interval's width."""
    if missing(mean):
        return ""
    return format_estimate(float(mean), _float(low), _float(high))


def magnitude(value: float, low: float, high: float) -> str:
    """The size of a signed estimate whose interval excludes 0: "0.13 (0.01 to 0.24)"."""
    return format_estimate(abs(value), *sorted((abs(low), abs(high))))


def sort_value(value: Any) -> str:
    """The value a numeric column sorts by: full precision, empty when missing."""
    if missing(value):
        return ""
    x = float(value)
    return repr(x) if math.isfinite(x) else ("Infinity" if x > 0 else "-Infinity")


def config_value(value: Any) -> str:
    """A resolved config value as TOML would write it: strings bare, ``false``, ``[1, 2]``."""
    return value if isinstance(value, str) else json.dumps(value)


def clock(timestamp: float) -> str:
    """A Unix time as the local wall-clock time, e.g. 14:03:27."""
    return time.strftime("%H:%M:%S", time.localtime(timestamp))


def ago(timestamp: Any, now: float) -> str:
    """How long before `now` a Unix time was, in words: "4 s ago", "3 min ago"."""
    if missing(timestamp):
        return ""
    seconds = max(0.0, now - float(timestamp))
    return f"{seconds:.0f} s ago" if seconds < 120 else f"{seconds / 60:.0f} min ago"


def file_size(n_bytes: int) -> str:
    """Bytes in B, KB or MB."""
    if n_bytes < 1024:
        return f"{n_bytes} B"
    if n_bytes < 1024**2:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes / 1024**2:.1f} MB"


def _float(value: Any) -> float:
    return math.nan if missing(value) else float(value)
