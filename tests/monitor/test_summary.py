"""Per-tensor statistics against slow references: matplotlib's boxplot_stats, torch.quantile."""

import numpy as np
import pytest
import torch
from matplotlib.cbook import boxplot_stats

from trainlab.monitor import STATS
from trainlab.monitor.summary import (
    EXACT_LIMIT,
    SAMPLE_SIZE,
    sample_index,
    summarize,
    summarize_rows,
)


def _reference(x: torch.Tensor) -> np.ndarray:
    values = x.double().reshape(-1).numpy()
    box = boxplot_stats(values)[0]
    return np.array(
        [values.min(), box["whislo"], box["q1"], box["med"], box["q3"], box["whishi"],
         values.max(), values.mean(), values.std(), np.mean(values == 0)]
    )  # fmt: skip


@pytest.mark.parametrize("n", [1, 2, 3, 10, 257, EXACT_LIMIT])
@pytest.mark.parametrize("dist", ["normal", "cubed", "relu", "constant"])
def test_exact_summary_matches_matplotlib_boxplot_stats(n, dist):
    gen = torch.Generator().manual_seed(n)
    x = torch.randn(n, generator=gen)
    x = {"normal": x, "cubed": x**3, "relu": x.relu(), "constant": torch.full((n,), 0.5)}[dist]
    np.testing.assert_allclose(summarize(x).numpy(), _reference(x), rtol=1e-5, atol=1e-6)
    # The device path (used off the CPU, and for sampled rows) gives the same statistics.
    device_path = summarize_rows(x.reshape(1, -1))[0].numpy()
    np.testing.assert_allclose(device_path, _reference(x), rtol=1e-5, atol=1e-6)


def test_statistics_are_in_record_order():
    assert len(summarize(torch.arange(10.0))) == len(STATS)
    stats = dict(zip(STATS, summarize(torch.arange(10.0)).tolist(), strict=True))
    assert stats["min"] == 0 and stats["max"] == 9 and stats["median"] == 4.5
    assert stats["zero_frac"] == pytest.approx(0.1)


@pytest.mark.parametrize("dist", ["normal", "relu", "heavy_tailed"])
def test_sampled_quartiles_are_within_stated_rank_error_of_torch_quantile(dist):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(256, 3072, generator=gen)  # the benchmark MLP's first weight
    if dist == "relu":
        x = x.relu()
    elif dist == "heavy_tailed":
        x = x**3
    index = sample_index(x.numel(), SAMPLE_SIZE, generator=gen)
    got = dict(zip(STATS, summarize(x, sample_index=index).tolist(), strict=True))
    flat = x.reshape(-1)
    exact = torch.quantile(flat[: 2**24], torch.tensor([0.25, 0.5, 0.75]))
    ordered = torch.sort(flat).values
    for name, p, q in zip(("q1", "median", "q3"), (0.25, 0.5, 0.75), exact, strict=True):
        # Rank error: the fraction of elements below the estimate vs p. 3 sigma of the
        # sample quantile is 3 * sqrt(p (1 - p) / 4096) <= 0.024 (docs/monitor.md).
        lo = torch.searchsorted(ordered, torch.tensor(got[name])).item() / flat.numel()
        hi = torch.searchsorted(ordered, torch.tensor(got[name]), right=True).item()
        assert lo - 0.025 <= p <= hi / flat.numel() + 0.025, (name, got[name], q.item())
    # The moments and extremes stay exact on the full tensor.
    assert got["min"] == flat.min().item() and got["max"] == flat.max().item()
    assert got["mean"] == pytest.approx(flat.double().mean().item(), abs=1e-5)
    assert got["std"] == pytest.approx(flat.double().std(correction=0).item(), rel=1e-4)
    assert got["zero_frac"] == pytest.approx((flat == 0).double().mean().item(), abs=1e-6)


def test_four_d_activation_is_summarised_over_all_elements():
    x = torch.randn(4, 3, 5, 5, generator=torch.Generator().manual_seed(2))
    np.testing.assert_allclose(summarize(x).numpy(), summarize(x.reshape(-1)).numpy())
    np.testing.assert_allclose(summarize(x).numpy(), _reference(x), rtol=1e-5, atol=1e-6)


def test_empty_tensor_gives_nan_and_integers_are_converted():
    assert torch.isnan(summarize(torch.zeros(0))).all()
    assert summarize(torch.arange(5))[3].item() == 2.0


def test_sample_index_is_distinct_sorted_and_reproducible():
    first = sample_index(10_000, 100, generator=torch.Generator().manual_seed(5))
    again = sample_index(10_000, 100, generator=torch.Generator().manual_seed(5))
    assert torch.equal(first, again)
    assert len(first.unique()) == 100 and torch.equal(first, first.sort().values)
    assert torch.equal(sample_index(7, 100, generator=torch.Generator()), torch.arange(7))
