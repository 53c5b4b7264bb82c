"""Numbers printed to the precision the seed noise allows, so reports show no false digits."""

from __future__ import annotations

import math

from trainlab.errors import ConfigError

# Without an interval the noise is unknown: print this many significant digits.
SIGNIFICANT_WITHOUT_INTERVAL = 4


def noise_decimals(halfwidth: float) -> int:
    """Decimal places that keep two significant digits of an interval half-width.

    Negative for wide intervals (-1 rounds to tens). A half-width that is zero, negative
    or not finite has no noise scale: raises ConfigError.
    """
    if not math.isfinite(halfwidth) or halfwidth <= 0:
        raise ConfigError(f"halfwidth must be positive and finite, got {halfwidth!r}")
    return 1 - math.floor(math.log10(halfwidth))


def round_to_noise(value: float, halfwidth: float) -> float:
    """`value` rounded to the decimal place of two significant digits of `halfwidth`.

    Without a usable half-width (NaN, zero) `value` keeps 4 significant digits.
    """
    return round(value, _decimals(value, halfwidth))


def format_to_noise(value: float, halfwidth: float) -> str:
    """`value` printed with the decimals `round_to_noise` keeps, "0.9800" rather than "0.98"."""
    return _fixed(value, _decimals(value, halfwidth))


def format_estimate(mean: float, low: float = math.nan, high: float = math.nan) -> str:
    """ "0.412 (0.399 to 0.425)": all three rounded by `round_to_noise` to the half-width.

    Without an interval (low or high NaN, or zero width) the mean alone, 4 significant digits.
    """
    halfwidth = (high - low) / 2
    if not math.isfinite(halfwidth) or halfwidth <= 0:
        return _fixed(mean, _decimals(mean, math.nan))
    decimals = _decimals(mean, halfwidth)
    return f"{_fixed(mean, decimals)} ({_fixed(low, decimals)} to {_fixed(high, decimals)})"


def format_plus_minus(mean: float, low: float = math.nan, high: float = math.nan) -> str:
    """ "0.412 ± 0.013" (the half-width of the interval), for table cells; rounded like
    `format_estimate`; the mean alone without an interval."""
    halfwidth = (high - low) / 2
    if not math.isfinite(halfwidth) or halfwidth <= 0:
        return _fixed(mean, _decimals(mean, math.nan))
    decimals = _decimals(mean, halfwidth)
    return f"{_fixed(mean, decimals)} ± {_fixed(halfwidth, decimals)}"


def _decimals(value: float, halfwidth: float) -> int:
    if math.isfinite(halfwidth) and halfwidth > 0:
        return noise_decimals(halfwidth)
    if not math.isfinite(value) or value == 0:
        return 0
    return SIGNIFICANT_WITHOUT_INTERVAL - 1 - math.floor(math.log10(abs(value)))


def _fixed(value: float, decimals: int) -> str:
    if not math.isfinite(value):
        return str(value)
    # Rounding to a negative place (tens, hundreds) leaves no decimals to print.
    text = f"{round(value, decimals):.{max(decimals, 0)}f}"
    # "-0.00" claims a sign that the rounding has removed.
    return text[1:] if text.startswith("-") and float(text) == 0 else text
