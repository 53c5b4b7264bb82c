"""Digits chosen by the interval: two significant digits of the half-width."""

import math

import pytest

from trainlab.errors import ConfigError
from trainlab.stats import format_estimate, format_to_noise, noise_decimals, round_to_noise


@pytest.mark.parametrize(
    ("mean", "low", "high", "text"),
    [
        (0.41234, 0.39876, 0.42591, "0.412 (0.399 to 0.426)"),  # half-width 0.0136 -> 3 dp
        (0.41234, 0.40744, 0.41724, "0.4123 (0.4074 to 0.4172)"),  # 0.0049 -> 4 dp
        (1234.5, 987.6, 1481.4, "1230 (990 to 1480)"),  # 247 -> tens
        (0.412, 0.399, 0.425, "0.412 (0.399 to 0.425)"),
        (-0.0004, -0.0304, 0.0296, "0.000 (-0.030 to 0.030)"),  # no "-0.000"
        (0.0004, -0.0304, 0.0304, "0.000 (-0.030 to 0.030)"),
        (5.0, 4.0, 6.0, "5.0 (4.0 to 6.0)"),  # half-width exactly 1 -> 1 dp
    ],
)
def test_format_estimate_rounds_to_the_noise(mean, low, high, text):
    assert format_estimate(mean, low, high) == text


@pytest.mark.parametrize(
    ("mean", "text"), [(0.412345, "0.4123"), (12345.6, "12350"), (-3.0, "-3.000"), (0.0, "0")]
)
def test_format_estimate_without_interval_keeps_four_significant_digits(mean, text):
    assert format_estimate(mean) == text
    assert format_estimate(mean, math.nan, math.nan) == text
    assert format_estimate(mean, 1.0, 1.0) == text  # zero width: no noise scale


def test_round_to_noise_rounds_like_the_formatter():
    assert round_to_noise(0.41234, 0.0136) == 0.412
    assert round_to_noise(1234.5, 247.0) == 1230.0
    assert round_to_noise(0.412345, math.nan) == 0.4123
    assert noise_decimals(0.0136) == 3 and noise_decimals(0.0099) == 4 and noise_decimals(25) == 0


def test_noise_decimals_needs_a_positive_halfwidth():
    with pytest.raises(ConfigError, match="halfwidth"):
        noise_decimals(0.0)


def test_plus_minus_cells_keep_two_digits_of_the_half_width():
    from trainlab.stats import format_plus_minus

    assert format_plus_minus(0.41234, 0.39934, 0.42534) == "0.412 ± 0.013"
    assert format_plus_minus(12.5) == "12.50"  # no interval: 4 significant digits


def test_format_to_noise_keeps_trailing_zeros_the_noise_allows():
    assert format_to_noise(0.98, 0.0022) == "0.9800"
    assert format_to_noise(0.98, math.nan) == "0.9800"
