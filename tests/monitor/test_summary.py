"""Per-tensor statistics against slow references: matplotlib's boxplot_stats, torch.quantile,
a full sort; NaN and inf inputs; edge cases."""

import math

import numpy as np
import pytest
import torch
from matplotlib.cbook import boxplot_stats

from trainlab.monitor import STATS
from trainlab.monitor.record import QUANTILE_LEVELS, STAT_INDEX
from trainlab.monitor.summary import (
    EXACT_LIMIT,
    SAMPLE_SIZE,
    quantiles,
    sample_index,
    summarize,
    summarize_rows,
)

LEVELS = torch.tensor(QUANTILE_LEVELS, dtype=torch.float64)


def _reference(x: torch.Tensor) -> np.ndarray:
    values = x.double().reshape(-1).numpy()
    box = boxplot_stats(values)[0]
    return np.array(
        [values.min(), box["whislo"], box["q1"], box["med"], box["q3"], box["whishi"],
         values.max(), values.mean(), values.std(), np.mean(values == 0), np.abs(values).mean(),
         0.0]
    )  # fmt: skip


def _stats(x: torch.Tensor, **kwargs) -> dict[str, float]:
    return dict(zip(STATS, summarize(x, **kwargs).tolist(), strict=True))


@pytest.mark.parametrize("n", [1, 2, 3, 10, 257, EXACT_LIMIT])
@pytest.mark.parametrize("dist", ["normal", "cubed", "relu", "constant", "shifted"])
def test_exact_summary_matches_matplotlib_boxplot_stats(n, dist):
    gen = torch.Generator().manual_seed(n)
    x = torch.randn(n, generator=gen)
    x = {"normal": x, "cubed": x**3, "relu": x.relu(), "constant": torch.full((n,), 0.5),
         "shifted": 0.5 + 0.01 * x}[dist]  # fmt: skip
    np.testing.assert_allclose(summarize(x).numpy(), _reference(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [1, 2, 7, 100, EXACT_LIMIT])
def test_exact_quantiles_match_torch_quantile(n):
    x = torch.randn(n, generator=torch.Generator().manual_seed(n)) ** 3
    expected = torch.quantile(x.double(), LEVELS)
    np.testing.assert_allclose(quantiles(x).numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_rows_of_a_block_are_summarised_independently():
    gen = torch.Generator().manual_seed(3)
    rows = torch.randn(5, 300, generator=gen) * torch.arange(1.0, 6.0)[:, None]
    rows[2, 7] = float("nan")  # one bad row must not change the others
    stats, levels = summarize_rows(rows)
    for i in (0, 1, 3, 4):
        np.testing.assert_allclose(stats[i].numpy(), summarize(rows[i]).numpy(), rtol=1e-6)
        np.testing.assert_allclose(levels[i].numpy(), quantiles(rows[i]).numpy(), rtol=1e-6)
    assert stats[2, STAT_INDEX["nonfinite_frac"]] == pytest.approx(1 / 300)


def test_statistics_are_in_record_order():
    stats = _stats(torch.arange(10.0))
    assert len(stats) == len(STATS) == 12
    assert stats["min"] == 0 and stats["max"] == 9 and stats["median"] == 4.5
    assert stats["zero_frac"] == pytest.approx(0.1)
    assert stats["mean_abs"] == pytest.approx(4.5) and stats["nonfinite_frac"] == 0


@pytest.mark.parametrize("dist", ["normal", "relu", "heavy_tailed"])
def test_sampled_quantiles_are_within_stated_rank_error_of_torch_quantile(dist):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(256, 3072, generator=gen)  # the benchmark MLP's first weight
    if dist == "relu":
        x = x.relu()
    elif dist == "heavy_tailed":
        x = x**3
    index = sample_index(x.numel(), SAMPLE_SIZE, generator=gen)
    got = quantiles(x, sample_index=index)
    flat = x.reshape(-1)
    # Rank error: 1 sigma of a sample quantile is sqrt(p (1 - p) / 2048) <= 0.011
    # (docs/monitor.md). So each estimate must lie between torch.quantile of the full
    # tensor at p - 4 sigma and at p + 4 sigma (this seed's median is off by 3.3 sigma).
    band = 0.045
    low = torch.quantile(flat, (LEVELS - band).clamp(0, 1).float())
    high = torch.quantile(flat, (LEVELS + band).clamp(0, 1).float())
    assert (low <= got).all() and (got <= high).all(), (low, got, high)
    # The extremes, moments and non-finite fraction stay exact on the full tensor.
    stats = _stats(x, sample_index=index)
    assert got[0] == stats["min"] == flat.min().item()
    assert got[-1] == stats["max"] == flat.max().item()
    assert stats["mean"] == pytest.approx(flat.double().mean().item(), abs=1e-5)
    assert stats["std"] == pytest.approx(flat.double().std(correction=0).item(), rel=1e-4)
    assert stats["nonfinite_frac"] == 0
    # zero_frac and mean_abs are sample estimates: within 3 sigma of the full tensor's.
    zeros = (flat == 0).double().mean().item()
    assert abs(stats["zero_frac"] - zeros) <= 3 * math.sqrt(0.25 / SAMPLE_SIZE)
    magnitude = flat.abs().double()
    spread = 3 * magnitude.std().item() / math.sqrt(SAMPLE_SIZE)
    assert abs(stats["mean_abs"] - magnitude.mean().item()) <= spread


def test_std_of_a_large_mean_small_spread_tensor_keeps_its_digits():
    """E[x^2] - mean^2 would cancel every digit here: the centred recomputation must run."""
    x = 1000.0 + 0.01 * torch.randn(10_000, generator=torch.Generator().manual_seed(4))
    expected = x.double().std(correction=0).item()
    assert _stats(x)["std"] == pytest.approx(expected, rel=1e-3)


def test_all_nan_tensor_is_not_counted_as_zeros():
    """Regression: torch.sign(NaN) is 0, which once made an all-NaN layer read 100 % zeros."""
    stats = _stats(torch.full((50,), float("nan")))
    assert stats["zero_frac"] == 0 and stats["nonfinite_frac"] == 1
    for name in ("min", "q1", "median", "q3", "max", "mean", "std", "mean_abs"):
        assert math.isnan(stats[name]), name
    assert torch.isnan(quantiles(torch.full((50,), float("nan")))).all()


def test_one_inf_is_counted_and_leaves_the_quartiles_finite():
    x = torch.arange(-4.0, 16.0)  # 20 values, one zero
    x[-1] = float("inf")
    stats = _stats(x)
    finite = x[:-1].double().numpy()
    assert stats["nonfinite_frac"] == pytest.approx(1 / 20)
    assert stats["zero_frac"] == pytest.approx(1 / 20)
    assert stats["max"] == math.inf and stats["mean"] == math.inf and stats["mean_abs"] == math.inf
    assert stats["min"] == -4 and math.isnan(stats["std"])  # inf - inf: what numpy gives
    expected = np.quantile(x.double().numpy(), [0.25, 0.5, 0.75])
    assert [stats["q1"], stats["median"], stats["q3"]] == pytest.approx(expected.tolist())
    assert stats["whishi"] == finite.max()  # the inf is an outlier, not the whisker
    levels = quantiles(x)
    assert levels[-1] == math.inf and levels[-2] == math.inf  # between 14 and inf: inf
    assert torch.isfinite(levels[:-2]).all()


def test_some_nan_counts_apart_and_leaves_the_low_quantiles_finite():
    x = torch.randn(100, generator=torch.Generator().manual_seed(5))
    x[:10] = 0.0
    x[-20:] = float("nan")
    stats = _stats(x)
    assert stats["nonfinite_frac"] == pytest.approx(0.2)
    assert stats["zero_frac"] == pytest.approx(0.1)  # NaN are not zeros
    assert math.isnan(stats["mean"]) and math.isnan(stats["max"]) and math.isnan(stats["min"])
    # NaN sort above +inf: ranks below 80 % are finite, the whiskers stay data points.
    levels = quantiles(x)
    assert torch.isfinite(levels[1:16]).all() and torch.isnan(levels[17:]).all()
    assert math.isfinite(stats["median"]) and math.isfinite(stats["q1"])
    assert stats["whislo"] in x[:80].tolist()


@pytest.mark.parametrize("value", [0.0, -2.5])
def test_one_element(value):
    stats = _stats(torch.tensor([value]))
    assert all(stats[name] == value for name in ("min", "q1", "median", "q3", "max", "mean"))
    assert stats["std"] == 0 and stats["zero_frac"] == (value == 0)
    assert stats["mean_abs"] == abs(value) and stats["nonfinite_frac"] == 0
    assert (quantiles(torch.tensor([value])) == value).all()


def test_four_d_activation_is_summarised_over_all_elements():
    x = torch.randn(4, 3, 5, 5, generator=torch.Generator().manual_seed(2))
    np.testing.assert_allclose(summarize(x).numpy(), summarize(x.reshape(-1)).numpy())
    np.testing.assert_allclose(summarize(x).numpy(), _reference(x), rtol=1e-5, atol=1e-6)


def test_empty_tensor_gives_nan_and_integers_are_converted():
    assert torch.isnan(summarize(torch.zeros(0))).all()
    assert torch.isnan(quantiles(torch.zeros(0))).all()
    assert summarize(torch.arange(5))[STAT_INDEX["median"]].item() == 2.0


def test_sample_index_is_distinct_sorted_and_reproducible():
    first = sample_index(10_000, 100, generator=torch.Generator().manual_seed(5))
    again = sample_index(10_000, 100, generator=torch.Generator().manual_seed(5))
    assert torch.equal(first, again)
    assert len(first.unique()) == 100 and torch.equal(first, first.sort().values)
    assert torch.equal(sample_index(7, 100, generator=torch.Generator()), torch.arange(7))
