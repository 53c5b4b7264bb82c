"""Main effects, interactions and sign reversals, and their F-tests, against explicit loops
and scipy."""

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.stats import (
    axis_tests,
    axis_verdicts,
    holm,
    interaction_tests,
    interactions,
    main_effects,
    sign_reversals,
)

SPREAD = np.array([-0.1, 0.0, 0.1])  # replicates around the truth: means are exact


def _grid(truth, levels_a=("a0", "a1"), levels_b=("b0", "b1", "b2"), spread=SPREAD):
    rows = [
        {"point": f"{i}/{j}", "seed": s, "a": i, "b": j, "loss": truth(i, j) + d,
         "status": "completed"}
        for i, j in itertools.product(levels_a, levels_b)
        for s, d in enumerate(spread)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _unbalanced_study():
    """lr x opt with uneven replicates, a failed run, and a sub-grid without opt."""
    rng = np.random.default_rng(3)
    rows = []
    for lr, opt, n in [("1e-3", "adam", 2), ("1e-3", "sgd", 4), ("1e-2", "adam", 3),
                       ("1e-2", "sgd", 2), ("1e-1", "adam", 5), ("1e-1", "sgd", 1),
                       ("1e-2", None, 3), ("1e-1", None, 2)]:  # fmt: skip
        for seed in range(n):
            loss = rng.normal(loc=1.0 + (lr == "1e-1") * 0.5, scale=0.3)
            rows.append({"point": f"{lr}/{opt}", "seed": seed, "lr": lr,
                         "opt": np.nan if opt is None else opt, "loss": loss,
                         "status": "completed"})  # fmt: skip
    rows.append({"point": "1e-3/adam", "seed": 9, "lr": "1e-3", "opt": "adam", "loss": 50.0,
                 "status": "failed"})  # fmt: skip
    return pd.DataFrame(rows)


def _reference_effects(runs, axis, confidence=0.95):
    """Slow explicit computation of the main effects of `axis` (Bonferroni over the levels;
    two levels are one claim)."""
    ok = runs[(runs["status"] == "completed") & runs[axis].notna()]
    configs = {p: (g[axis].iloc[0], g["loss"].tolist()) for p, g in ok.groupby("point")}
    means = {p: sum(v) / len(v) for p, (_, v) in configs.items()}
    ss = sum((y - means[p]) ** 2 for p, (_, v) in configs.items() for y in v)
    df = sum(len(v) - 1 for _, v in configs.values())
    levels = sorted({level for level, _ in configs.values()})
    claims = 1 if len(levels) == 2 else len(levels)
    q = stats.t.ppf(1 - (1 - confidence) / (2 * claims), df)
    result = {}
    for level in levels:
        members = [p for p, (lv, _) in configs.items() if lv == level]
        variance = 0.0
        for p, (_, v) in configs.items():
            w = (1 / len(members) if p in members else 0.0) - 1 / len(configs)
            variance += w**2 / len(v)
        effect = sum(means[p] for p in members) / len(members) - sum(means.values()) / len(means)
        half = q * np.sqrt(ss / df * variance)
        result[level] = (effect, effect - half, effect + half)
    return result


@pytest.mark.parametrize("axis", ["lr", "opt"])
def test_main_effects_match_an_explicit_computation(axis):
    runs = _unbalanced_study()
    effects = main_effects(runs, ["lr", "opt"], "loss").set_index(["axis", "level"])
    for level, expected in _reference_effects(runs, axis).items():
        row = effects.loc[(axis, level)]
        assert (row["effect"], row["low"], row["high"]) == pytest.approx(expected)
        assert bool(row["distinguishable"]) == (expected[1] > 0 or expected[2] < 0)


def test_main_effects_of_a_sub_grid_axis_use_only_the_runs_that_have_it():
    runs = _unbalanced_study()
    union = main_effects(runs, ["opt"], "loss")
    cut = main_effects(runs[runs["opt"].notna()], ["opt"], "loss")
    pd.testing.assert_frame_equal(union, cut)
    assert union["n_runs"].sum() == 17  # the failed run does not count
    lr = main_effects(runs, ["lr"], "loss").set_index("level")
    assert lr.loc["1e-2", "n_configs"] == 3 and lr.loc["1e-2", "n_runs"] == 8


def test_a_two_level_axis_spends_the_whole_alpha():
    """One configuration per level: the effect is half the difference, and its interval is
    the t-test of the difference at 0.05 (the two levels' effects are +-one number: one
    claim, not two)."""
    x, y = np.array([1.0, 1.3, 0.8, 1.1]), np.array([0.2, 0.5, 0.4])

    def effects(shift):
        runs = pd.DataFrame(
            {"point": ["x"] * 4 + ["y"] * 3, "a": ["x"] * 4 + ["y"] * 3,
             "loss": np.concatenate([x + shift, y]), "status": "completed"}
        )  # fmt: skip
        return main_effects(runs, "a", "loss").set_index("level")

    assert effects(0.0).loc["x", "effect"] == pytest.approx((x.mean() - y.mean()) / 2)
    edge = effects(0.0).loc["x", "low"]
    # Moving x by d moves its effect by d / 2.
    for shift, excludes_zero in ((-2 * edge + 1e-9, True), (-2 * edge - 1e-9, False)):
        assert bool(effects(shift).loc["x", "distinguishable"]) is excludes_zero
        assert bool(stats.ttest_ind(x + shift, y).pvalue < 0.05) is excludes_zero


def test_axis_test_is_the_one_way_anova_of_its_configurations():
    """One configuration per level, unequal replicates: the Wald F of the level effects is
    scipy's one-way ANOVA F (the general linear hypothesis "all level means equal")."""
    rng = np.random.default_rng(8)
    groups = {"x": rng.normal(size=4), "y": rng.normal(1.0, size=3), "z": rng.normal(size=5)}
    runs = pd.DataFrame(
        [{"point": k, "a": k, "loss": v, "status": "completed"}
         for k, values in groups.items() for v in values]
    )  # fmt: skip
    (test,) = axis_tests(runs, "a", "loss").itertuples()
    reference = stats.f_oneway(*groups.values())
    assert (test.df_effect, test.df_noise) == (2, 9)
    assert (test.statistic, test.p) == pytest.approx((reference.statistic, reference.pvalue))


def test_a_two_level_axis_test_is_the_two_sample_t_test():
    x, y = [1.0, 1.3, 0.8, 1.1], [0.2, 0.5, 0.4]
    runs = pd.DataFrame(
        {"point": ["x"] * 4 + ["y"] * 3, "a": ["x"] * 4 + ["y"] * 3, "loss": x + y,
         "status": "completed"}
    )  # fmt: skip
    (test,) = axis_tests(runs, "a", "loss").itertuples()
    assert test.df_effect == 1 and test.p == pytest.approx(stats.ttest_ind(x, y).pvalue)


def test_axis_verdicts():
    strong = _grid(lambda i, j: 2.0 * (i == "a1"))
    verdicts = axis_verdicts(axis_tests(strong, ["a", "b"], "loss"))
    assert verdicts.to_dict() == {"a": "matters", "b": "within noise"}
    one_seed = _grid(lambda i, j: 2.0 * (i == "a1"), spread=[0.0])
    effects = main_effects(one_seed, ["a", "b"], "loss")
    assert effects["distinguishable"].isna().all() and (effects["df"] == 0).all()
    assert axis_verdicts(axis_tests(one_seed, ["a", "b"], "loss")).to_dict() == {
        "a": "unknown", "b": "unknown"
    }  # fmt: skip


def test_axis_verdicts_read_the_holm_adjusted_p_value():
    tests = pd.DataFrame({"axis": ["a", "b"], "p": [0.03, 0.04]})
    assert axis_verdicts(tests).to_dict() == {"a": "matters", "b": "matters"}
    adjusted = tests.assign(p_adjusted=holm(tests["p"]))  # 0.06 and 0.06
    assert axis_verdicts(adjusted).to_dict() == {"a": "within noise", "b": "within noise"}


def test_interactions_are_cell_contrasts_sorted_by_size():
    means = {("a0", "b0"): 1.0, ("a0", "b1"): 0.0, ("a1", "b0"): 0.0, ("a1", "b1"): 3.0}
    runs = _grid(lambda i, j: means[i, j], levels_b=("b0", "b1"))
    table = interactions(runs, ["a", "b"], "loss")
    # mean_ij - mean_i - mean_j + grand: for (a1, b1) 3 - 1.5 - 1.5 + 1 = 1.
    assert table["interaction"].abs().tolist() == pytest.approx([1.0] * 4)
    cell = table.set_index(["level_a", "level_b"]).loc[("a1", "b1")]
    assert cell["interaction"] == pytest.approx(1.0)
    # se: sigma^2 sum w^2 / n with w = +-1/4 on four configurations of 3 replicates; the
    # four cells of a 2 x 2 are +-one number: one claim, the whole alpha.
    se = np.sqrt(np.var(SPREAD, ddof=1) * 4 * (1 / 16) / 3)
    half = stats.t.ppf(1 - 0.05 / 2, 8) * se
    assert (cell["low"], cell["high"]) == pytest.approx((1 - half, 1 + half))
    assert table["distinguishable"].all()


def _two_way_anova_interaction(runs, a, b):
    """Textbook balanced two-way ANOVA: SS_AB = n sum (y_ij - y_i - y_j + y)^2 on
    (a - 1)(b - 1) df, against the within-cell mean square."""
    cell = runs.groupby([a, b])["loss"]
    means, n = cell.mean(), cell.size().iloc[0]
    row, col, grand = means.groupby(level=0).mean(), means.groupby(level=1).mean(), means.mean()
    ss = sum(n * (means[i, j] - row[i] - col[j] + grand) ** 2 for i, j in means.index)
    df_effect = (len(row) - 1) * (len(col) - 1)
    within = ((runs["loss"] - cell.transform("mean")) ** 2).sum()
    df_noise = len(runs) - len(means)
    f = ss / df_effect / (within / df_noise)
    return f, df_effect, stats.f.sf(f, df_effect, df_noise)


def test_interaction_test_is_the_two_way_anova_interaction_f():
    rng = np.random.default_rng(9)
    runs = _grid(lambda i, j: 0.0, levels_a=("a0", "a1", "a2"), spread=rng.normal(size=3))
    runs["loss"] += rng.normal(size=len(runs)) + (runs["a"] == "a1") * (runs["b"] == "b2")
    (test,) = interaction_tests(runs, ["a", "b"], "loss").itertuples()
    f, df_effect, p = _two_way_anova_interaction(runs, "a", "b")
    assert test.df_effect == df_effect == 4
    assert (test.statistic, test.p) == pytest.approx((f, p))
    assert (test.cells, test.within_cells) == (9, 18)  # a | b and b | a: 9 cells each


def test_a_2x2_interaction_spends_the_whole_alpha():
    """Its one claim: the test is the t-test of the interaction contrast at 0.05, and the
    cell interval excludes 0 exactly when the test's p-value is below 0.05."""
    rng = np.random.default_rng(10)
    for _ in range(20):
        runs = _grid(lambda i, j: 0.0, levels_b=("b0", "b1"), spread=[0.0, 0.0, 0.0])
        runs["loss"] = rng.normal(size=len(runs)) + 1.2 * (
            runs["a"] == runs["b"].str.replace("b", "a")
        )
        (test,) = interaction_tests(runs, ["a", "b"], "loss").itertuples()
        assert test.df_effect == 1 and test.cells == 1
        cells = interactions(runs, ["a", "b"], "loss")
        assert bool(cells["distinguishable"].all()) is bool(test.p < 0.05)


def test_interactions_sort_unequal_cells():
    runs = _grid(lambda i, j: {"b0": 0.0, "b1": 0.0, "b2": 3.0}[j] * (i == "a1"))
    sizes = interactions(runs, ["a", "b"], "loss")["interaction"].abs()
    assert sizes.is_monotonic_decreasing and sizes.iloc[0] == pytest.approx(1.0)


def test_sign_reversal_is_reported_when_both_intervals_exclude_zero():
    # a1 raises the loss by 2 within b0 and b1 but lowers it by 1 within b2.
    runs = _grid(lambda i, j: {"b0": 2.0, "b1": 2.0, "b2": -1.0}[j] * (i == "a1"))
    table = sign_reversals(runs, ["a", "b"], "loss").set_index("level")
    assert sorted(table.index) == ["a0", "a1"] and set(table["within_level"]) == {"b2"}
    row = table.loc["a1"]
    assert (row["main_effect"], row["effect"]) == pytest.approx((0.5, -0.5))
    assert row["main_low"] > 0 and row["high"] < 0


def test_no_sign_reversal_within_noise():
    truth = {"b0": 2.0, "b1": 2.0, "b2": -1.0}
    noisy = _grid(lambda i, j: truth[j] * (i == "a1"), spread=[-3.0, 0.0, 3.0])
    assert sign_reversals(noisy, ["a", "b"], "loss").empty
    # A main effect of exactly 0: no sign to reverse, however clear the effects within.
    balanced = _grid(lambda i, j: {"b0": 2.0, "b1": -1.0, "b2": -1.0}[j] * (i == "a1"))
    assert sign_reversals(balanced, ["a", "b"], "loss").empty
