"""Equal-mass histograms from stored quantiles, against the raw tensors they summarise."""

import numpy as np
import pytest

from trainlab.monitor.record import QUANTILE_LEVELS
from trainlab.viz.density import EMPTY, atom_label, density_limit, histogram


def _quantiles(x):
    return np.quantile(np.asarray(x, np.float64), QUANTILE_LEVELS)


def test_each_bin_holds_five_percent_of_the_raw_tensor():
    x = np.random.default_rng(0).normal(size=20_001)
    hist = histogram(_quantiles(x))
    assert len(hist.density) == 20 and hist.atoms == ()
    counts, _ = np.histogram(x, bins=hist.edges)  # slow reference: count the elements
    np.testing.assert_allclose(counts / x.size, 0.05, atol=2e-4)
    np.testing.assert_allclose(hist.density * np.diff(hist.edges), 0.05)


def test_relu_zeros_are_a_point_mass_and_the_rest_a_density():
    x = np.maximum(np.random.default_rng(1).normal(size=10_000), 0.0)  # ~50 % exact zeros
    hist = histogram(_quantiles(x))
    ((value, mass),) = hist.atoms
    assert value == 0.0 and mass == pytest.approx(0.5)  # bins are 5 % wide: >= 50 %
    assert (x == 0).mean() >= mass
    total = (hist.density * np.diff(hist.edges)).sum() + mass
    assert total == pytest.approx(1.0)
    assert hist.edges[0] == 0.0  # the density starts where the point mass sits
    assert atom_label(mass, value) == "≥50% = 0"


def test_a_constant_tensor_is_one_point_mass_and_no_density():
    hist = histogram(np.full(len(QUANTILE_LEVELS), 0.25))
    assert hist.atoms == ((0.25, pytest.approx(1.0)),) and len(hist.density) == 0
    assert hist.outline().shape == (0, 2)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_tensor_with_nonfinite_values_has_no_histogram(bad):
    q = _quantiles(np.arange(100.0))
    q[-1] = bad
    assert histogram(q) is EMPTY


def test_outline_lies_on_its_side_from_density_zero():
    hist = histogram(_quantiles(np.arange(1000.0)))
    outline = hist.outline()
    assert outline.shape == (2 * 20 + 2, 2)
    assert outline[0, 0] == 0 and outline[-1, 0] == 0  # starts and ends at density 0
    np.testing.assert_allclose(outline[[0, -1], 1], [0, 999])  # spans min..max


def test_density_limit_keeps_most_steps_peaks_inside():
    rng = np.random.default_rng(2)
    rows = np.stack([_quantiles(rng.normal(scale=s, size=5000)) for s in np.linspace(1, 2, 50)])
    rows[7] = _quantiles(rng.normal(scale=0.01, size=5000))  # one step 100x narrower
    with np.errstate(divide="ignore"):
        peaks = (0.05 / np.diff(rows, axis=1)).max(axis=1)
    limit = density_limit(rows)
    assert (peaks <= limit).mean() >= 0.9 and limit < peaks[7] / 10
    assert density_limit(np.full((3, len(QUANTILE_LEVELS)), np.nan)) == 1.0
