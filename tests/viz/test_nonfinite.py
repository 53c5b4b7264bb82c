"""Where values stop being finite, and the moving average of a per-batch loss."""

import numpy as np
import pandas as pd
import pytest

from trainlab.monitor.record import STAT_INDEX, STATS
from trainlab.viz.nonfinite import loss_nonfinite_from, summary_nonfinite_from
from trainlab.viz.smoothing import EMA_DECAY, ema

nan, inf = np.nan, np.inf


@pytest.mark.parametrize(
    ("losses", "expected"),
    [
        ([2.3, 2.1, 1.9], None),
        ([2.3, 2.1, nan, nan], 3),  # diverged at step 3
        ([2.3, nan, 2.0, 1.9], None),  # a step without a logged loss is not a divergence
        ([2.3, 5.0, inf, nan], 3),  # infinite counts at once
        ([2.3, inf, 2.0], 2),
        ([nan, nan, nan], None),  # nothing logged: nothing to say
        ([2.3, nan], 2),
    ],
)
def test_loss_nonfinite_from(losses, expected):
    assert loss_nonfinite_from(np.array(losses)) == expected


def test_summary_nonfinite_from_counts_steps_from_the_first_row():
    summary = np.zeros((6, len(STATS)))
    summary[:2, STAT_INDEX["nonfinite_frac"]] = nan  # not captured
    summary[4:, STAT_INDEX["nonfinite_frac"]] = [0.01, 1.0]
    assert summary_nonfinite_from(summary, first_step=0) == 4  # weights: row 0 = step 0
    assert summary_nonfinite_from(summary, first_step=1) == 5
    assert summary_nonfinite_from(np.zeros((3, len(STATS))), first_step=1) is None


def test_ema_matches_pandas_and_carries_over_gaps_and_stops():
    values = np.array([2.0, 1.0, nan, 3.0, 0.5, 0.25])
    reference = pd.Series(values).ewm(alpha=1 - EMA_DECAY, adjust=False, ignore_na=True).mean()
    np.testing.assert_allclose(ema(values), reference.ffill())
    stopped = ema(values, stop=5)
    np.testing.assert_allclose(stopped[:4], reference.ffill()[:4])
    assert np.isnan(stopped[4:]).all()
