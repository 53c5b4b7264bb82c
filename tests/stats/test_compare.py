"""compare(): paired and independent differences against scipy's t-tests, and verdicts."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats import compare, repeats_needed

ADAM = [0.50, 0.62, 0.55, 0.58, 0.47]
ADAMW = [0.45, 0.60, 0.49, 0.55, 0.44]


def _side(optimizer, values, *, point=None, status="completed"):
    return pd.DataFrame(
        {"point": point or optimizer, "seed": range(len(values)), "optimizer": optimizer,
         "loss": values, "status": status}
    )  # fmt: skip


def test_paired_comparison_is_the_paired_t_test():
    result = compare(_side("adam", ADAM), _side("adamw", ADAMW), "loss", pair_on=["seed"])
    test = stats.ttest_rel(ADAM, ADAMW)
    interval = test.confidence_interval(0.95)
    assert result.paired and result.df == 4 and (result.n_a, result.n_b) == (5, 5)
    assert result.difference == pytest.approx(np.mean(ADAM) - np.mean(ADAMW))
    assert (result.low, result.high) == pytest.approx((interval.low, interval.high))
    assert test.pvalue < 0.05 and result.verdict == "differs"


def test_paired_edge_agrees_with_the_paired_t_test():
    base = compare(_side("adam", ADAM), _side("adamw", ADAMW), "loss", pair_on="seed")
    for shift, verdict in ((-base.low + 1e-9, "differs"), (-base.low - 1e-9, "inconclusive")):
        a = np.array(ADAM) + shift
        result = compare(_side("adam", a), _side("adamw", ADAMW), "loss", pair_on="seed")
        assert result.verdict == verdict
        assert bool(stats.ttest_rel(a, ADAMW).pvalue < 0.05) is (verdict == "differs")


def test_same_runs_on_two_metrics_pair_on_identical_keys():
    runs = _side("adam", ADAM).assign(val_loss=np.array(ADAM) + [0.1, 0.12, 0.09, 0.11, 0.1])
    result = compare(runs, runs, "val_loss", "loss", pair_on=["point", "seed"])
    assert result.paired and result.verdict == "differs"
    assert result.difference == pytest.approx(0.104)


def test_independent_comparison_is_the_two_sample_t_test():
    result = compare(_side("adam", ADAM), _side("adamw", ADAMW[:4]), "loss")
    test = stats.ttest_ind(ADAM, ADAMW[:4])
    interval = test.confidence_interval(0.95)
    assert not result.paired and result.df == 7
    assert (result.low, result.high) == pytest.approx((interval.low, interval.high))
    assert result.verdict == "inconclusive" and test.pvalue > 0.05
    more = result.seeds_needed - 5
    assert (
        f"about {result.seeds_needed} seeds ({more} more than the 5 run) would find" in result.note
    )


def test_independent_edge_agrees_with_the_two_sample_t_test():
    base = compare(_side("adam", ADAM), _side("adamw", ADAMW[:4]), "loss")
    for shift, verdict in ((-base.low + 1e-9, "differs"), (-base.low - 1e-9, "inconclusive")):
        a = np.array(ADAM) + shift
        result = compare(_side("adam", a), _side("adamw", ADAMW[:4]), "loss")
        assert result.verdict == verdict
        assert bool(stats.ttest_ind(a, ADAMW[:4]).pvalue < 0.05) is (verdict == "differs")


def test_independent_contrast_averages_configurations_and_pools_both_sides():
    a = pd.concat([_side("adam", ADAM, point="adam/lr1"), _side("adam", ADAMW, point="adam/lr2")])
    b = _side("sgd", [0.9, 1.1, 1.0])
    result = compare(a, b, "loss")
    assert result.difference == pytest.approx((np.mean(ADAM) + np.mean(ADAMW)) / 2 - 1.0)
    ss = sum(np.var(v) * len(v) for v in (ADAM, ADAMW, [0.9, 1.1, 1.0]))
    se = np.sqrt(ss / 10 * (1 / 4 / 5 + 1 / 4 / 5 + 1 / 3))
    half = stats.t.ppf(0.975, 10) * se
    assert (result.low, result.high) == pytest.approx(
        (result.difference - half, result.difference + half)
    )
    assert result.verdict == "differs" and result.n_a == 10 and result.n_b == 3


def test_unmatched_pairs_fall_back_to_independent_with_the_reason():
    b = _side("adamw", ADAMW[:4])
    result = compare(_side("adam", ADAM), b, "loss", pair_on=["seed"])
    assert not result.paired and "1 A runs and 0 B runs have no partner" in result.note
    doubled = pd.concat([b, b])
    result = compare(_side("adam", ADAM), doubled, "loss", pair_on=["seed"])
    assert not result.paired and "several B runs share" in result.note


def test_equivalence_is_the_two_one_sided_tests_the_90_percent_interval_within_the_margin():
    a, b = _side("adam", ADAM), _side("adamw", np.array(ADAM) - 0.01 + [0, 0.02, -0.01, 0.01, 0])
    result = compare(a, b, "loss", pair_on="seed")
    tost = stats.ttest_rel(a["loss"], b["loss"]).confidence_interval(0.90)
    assert (result.tost_low, result.tost_high) == pytest.approx((tost.low, tost.high))
    assert result.smallest_margin == pytest.approx(max(abs(tost.low), abs(tost.high)))
    edge = result.smallest_margin
    for margin, verdict in ((edge * (1 + 1e-9), "equivalent"), (edge * (1 - 1e-9), "inconclusive")):
        assert compare(a, b, "loss", pair_on="seed", margin=margin).verdict == verdict
        # TOST: both one-sided t-tests at 5% reject exactly when the 90% interval fits.
        d = a["loss"].to_numpy() - b["loss"].to_numpy()
        upper = stats.ttest_1samp(d, margin, alternative="less").pvalue
        lower = stats.ttest_1samp(d, -margin, alternative="greater").pvalue
        assert bool(max(upper, lower) < 0.05) is (verdict == "equivalent")


def test_every_inconclusive_answer_says_the_smallest_margin_that_would_make_it_equivalent():
    result = compare(_side("adam", ADAM), _side("adamw", ADAMW[:4]), "loss")
    assert result.verdict == "inconclusive"
    assert f"equivalent with a margin of {result.smallest_margin:.2g} or more" in result.note


def test_the_paired_plan_is_in_seeds_not_pairs():
    """Two configurations per side paired on the other axis and the seed: 2 pairs per seed,
    so the seeds needed are half the pairs the paired t-test needs."""
    rng = np.random.default_rng(3)
    rows = [
        {"point": f"{bn}/{d}", "seed": s, "bn": bn, "dropout": d,
         "loss": 0.4 + 0.004 * (bn == "on") + rng.normal(scale=0.01), "status": "completed"}
        for bn in ("on", "off") for d in ("0.0", "0.3") for s in range(3)
    ]  # fmt: skip
    runs = pd.DataFrame(rows)
    a, b = runs[runs["bn"] == "on"], runs[runs["bn"] == "off"]
    result = compare(a, b, "loss", pair_on=["dropout", "seed"])
    assert result.paired and result.verdict == "inconclusive" and result.seeds == 3
    pairs = repeats_needed(
        np.std(a["loss"].to_numpy() - b["loss"].to_numpy(), ddof=1) / np.sqrt(2),
        abs(result.difference), paired=True,
    )  # fmt: skip
    assert result.seeds_needed == -(-pairs // 2)
    more = result.seeds_needed - 3
    assert f"about {result.seeds_needed} seeds ({more} more than the 3 run)" in result.note
    assert "2 pairs per seed" in result.note


def test_margin_makes_a_small_real_difference_equivalent():
    differs = compare(_side("adam", ADAM), _side("adamw", ADAMW), "loss", pair_on="seed")
    assert differs.verdict == "differs"
    wide = compare(_side("adam", ADAM), _side("adamw", ADAMW), "loss", pair_on="seed", margin=0.1)
    assert wide.high < 0.1 and wide.verdict == "equivalent"
    narrow = compare(
        _side("adam", ADAM), _side("adamw", ADAMW), "loss", pair_on="seed", margin=differs.high / 2
    )
    assert narrow.verdict == "differs"


def test_pairs_all_exactly_equal_are_equivalent_without_a_margin():
    # Adam and AdamW at weight_decay 0 run the same arithmetic: every seed gives the same loss.
    same = compare(_side("adam", ADAM), _side("adamw", ADAM), "loss", pair_on="seed")
    assert (same.difference, same.low, same.high) == (0, 0, 0)
    assert same.verdict == "equivalent" and "exactly equal" in same.note
    one_pair = compare(_side("adam", ADAM[:1]), _side("adamw", ADAM[:1]), "loss", pair_on="seed")
    assert one_pair.verdict == "inconclusive"
    almost = np.array(ADAM)
    almost[0] += 1e-12
    close = compare(_side("adam", almost), _side("adamw", ADAM), "loss", pair_on="seed")
    assert close.verdict == "inconclusive"


def test_without_seed_noise_the_comparison_is_inconclusive():
    result = compare(_side("adam", ADAM[:1]), _side("adamw", ADAMW[:1]), "loss", margin=0.5)
    assert result.verdict == "inconclusive" and result.df == 0
    assert "no seed-noise estimate" in result.note


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pair_on": ["dataset"]}, "pair_on column 'dataset'"),
        ({"margin": 0.0}, "margin must be"),
        ({"metric_b": "acc"}, "metric column 'acc'"),
    ],
)
def test_compare_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        compare(_side("adam", ADAM), _side("adamw", ADAMW), "loss", **kwargs)


def test_compare_needs_finished_runs_on_each_side():
    with pytest.raises(ConfigError, match="runs_b has no completed or stopped run"):
        compare(_side("adam", ADAM), _side("adamw", ADAMW, status="failed"), "loss")
