"""The study analysis: one error budget per kind of claim, typed results, data and noise."""

import numpy as np
import pandas as pd
import pytest

from trainlab.report.analysis import (
    DataSource,
    Interaction,
    Reversal,
    analyze,
)
from trainlab.stats import holm


def test_axis_that_does_nothing_is_within_noise_and_real_effects_matter(toy):
    analysis = analyze(toy.runs(), toy.index())
    verdicts = analysis.grids[0].verdicts
    assert verdicts["a"] == verdicts["b"] == "matters"
    assert verdicts["c"] == "within noise"
    effects = analysis.grids[0].effects.set_index(["axis", "level"])
    assert effects.loc[("b", "1"), "effect"] == pytest.approx(1.0, abs=0.02)
    assert analysis.axes_tested == 3


def test_matters_is_one_family_over_every_axis_of_every_sub_grid(toy):
    first = toy.runs(seeds=(0, 1)).query("c == 'x'").drop(columns="c")
    second = pd.DataFrame(
        [{"run": f"d={d}_seed={s}", "point": f"d={d}", "seed": s, "d": d,
          "val_loss": 5.0 + s + 0.3 * (d == "q"), "val_acc": 0.5, "status": "completed",
          "grids": "1"}
         for d in ("p", "q") for s in (0, 1)]
    )  # fmt: skip
    table = pd.concat([first, second], ignore_index=True)
    index = toy.index(axes=("a", "b", "d"), seeds=(0, 1), grids=[["a", "b"], ["d"]])
    analysis = analyze(table, index)
    p = np.concatenate([g.tests["p"].to_numpy() for g in analysis.grids])
    adjusted = np.concatenate([g.tests["p_adjusted"].to_numpy() for g in analysis.grids])
    assert adjusted == pytest.approx(holm(p)) and analysis.axes_tested == 3


def test_a_level_is_clear_only_when_its_axis_matters_after_the_correction():
    """Ten axes that do nothing: now and then a level's own interval excludes 0, but its
    axis does not survive Holm over the ten, and the level is not called clear."""
    rng = np.random.default_rng(2)
    axes = [f"x{k}" for k in range(10)]
    levels = {axis: ["l0", "l1", "l2"] for axis in axes}
    found = 0
    for _ in range(40):
        rows = [
            {"run": f"r{k}_{s}", "point": f"r{k}", "seed": s, "val_loss": rng.normal(),
             "val_acc": 0.5, "status": "completed", "grids": "0",
             **{axis: rng.choice(levels[axis]) for axis in axes}}
            for k in range(30) for s in range(2)
        ]  # fmt: skip
        table = pd.DataFrame(rows)
        table[axes] = table.groupby("point")[axes].transform("first")
        analysis = analyze(table, {"name": "t", "axes": levels, "seeds": [0, 1],
                                   "report": {"rank_by": "val_loss"}})  # fmt: skip
        grid = analysis.grids[0]
        effects = grid.effects
        raw = (effects["low"] > 0) | (effects["high"] < 0)
        matters = effects["axis"].map(grid.verdicts).eq("matters")
        assert not (effects["distinguishable"].fillna(False) & ~matters).any()
        found += int((raw & ~matters).any())
    assert found > 0  # the case happened, so the gate was exercised


def test_best_configuration_comes_with_those_seed_noise_cannot_separate(toy):
    analysis = analyze(toy.runs(noise=0.2), toy.index())
    best = analysis.best
    assert best.point in ("a=0_b=0_c=x", "a=0_b=0_c=y")
    assert set(best.members) == {"a=0_b=0_c=x", "a=0_b=0_c=y"}  # c does nothing
    assert analysis.confirm_top == 3
    assert analysis.confirm_command("runs/toy") == "trainlab confirm runs/toy --top 3 --repeats 5"


def test_one_replicate_says_how_many_seeds_would_separate(toy):
    analysis = analyze(toy.runs(seeds=(0,), noise=0.05), toy.index(seeds=(0,)))
    assert not analysis.replicated and analysis.repeats_to_separate >= 2
    assert set(analysis.grids[0].verdicts) == {"unknown"}


def test_sign_reversal_beyond_noise_is_the_surprise(toy):
    analysis = analyze(toy.runs(interaction=True), toy.index())
    surprise = analysis.surprise
    assert isinstance(surprise, Reversal)
    assert {surprise.axis, surprise.within_axis} == {"a", "b"}
    assert np.sign(surprise.main.estimate) != np.sign(surprise.within.estimate)
    assert surprise.p_adjusted <= 0.05 and surprise.pairs == 3


def test_an_interaction_that_amplifies_both_effects_is_the_surprise(toy):
    runs = toy.runs()
    runs.loc[(runs["a"] == "1") & (runs["b"] == "1"), "val_loss"] += 3.0  # no sign reverses
    surprise = analyze(runs, toy.index()).surprise
    assert isinstance(surprise, Interaction)
    assert {surprise.axis_a, surprise.axis_b} == {"a", "b"}
    assert surprise.effect.low > 0 and surprise.effect.estimate == pytest.approx(0.75, abs=0.02)


def test_surprise_intervals_hold_over_every_cell_of_the_study(toy):
    """The cell shown is picked from all pairs' cells: its interval is simultaneous over
    them (here 3 pairs of 2 x 2: 3 claims), wider than its own pair's (1 claim)."""
    runs = toy.runs(noise=0.2)
    runs.loc[(runs["a"] == "1") & (runs["b"] == "1"), "val_loss"] += 3.0
    analysis = analyze(runs, toy.index())
    cells = analysis.grids[0].interactions
    cell = cells[(cells["axis_a"] == "a") & (cells["axis_b"] == "b")].iloc[0]
    from scipy import stats

    half = stats.t.ppf(1 - 0.05 / 6, cell["df"]) * cell["se"]
    assert cell["high"] - cell["low"] == pytest.approx(2 * half)


def test_no_surprise_when_no_pair_of_axes_interacts(toy):
    analysis = analyze(toy.runs(), toy.index())
    assert analysis.surprise is None and analysis.pairs_tested == 3
    assert all(g.reversals.empty for g in analysis.grids)


def test_an_unstable_configuration_is_flagged_and_keeps_its_own_variance(toy):
    runs = toy.runs(noise=0.05)
    wild = runs["point"] == "a=1_b=0_c=y"
    runs.loc[wild, "val_loss"] += np.array([-1.5, 0.2, 1.6])
    analysis = analyze(runs, toy.index())
    assert analysis.unstable == ["a=1_b=0_c=y"]
    effects = analysis.grids[0].effects
    assert not float(effects["df"].iloc[0]).is_integer()  # Welch df: not the pooled 14
    row = analysis.best.table.set_index("point").loc["a=1_b=0_c=y"]
    assert row["mean_high"] - row["mean_low"] > 1.0  # its own, wide spread


def test_failed_runs_are_left_out(toy):
    table = toy.runs()
    table.loc[3, ["status", "error"]] = ["failed", "boom"]
    table.loc[3, "val_loss"] = np.nan
    analysis = analyze(table, toy.index())
    assert analysis.best.table["n"].sum() == len(table) - 1
    assert analysis.problems["run"].tolist() == [table.loc[3, "run"]]


def test_data_source_says_generated_data_and_what_varies_between_seeds():
    table = pd.DataFrame(
        {"point": ["p", "p", "q"], "dataset": "cifar10", "synthetic": True,
         "split_seed": [0, 0, 0], "split_per_seed": False, "augment": [False, True, False]}
    )  # fmt: skip
    source = DataSource.of(table)
    assert source.generated == ("cifar10",) and source.split == "fixed" and source.augment
    assert "test the pipeline, not cifar10" in source.warning
    assert "augmentations" in source.seed_variation
    assert "`data.split_seed = 0`" in source.seed_variation
    per_seed = DataSource.of(table.assign(synthetic=False, split_per_seed=True,
                                          split_seed=[0, 1, 0]))  # fmt: skip
    assert per_seed.warning == "" and per_seed.split == "per seed"
    assert "the validation split (each seed draws its own" in per_seed.seed_variation
    assert DataSource.of(pd.DataFrame({"point": ["p"]})).split == "unknown"


def test_confirmation_puts_fresh_seeds_beside_the_selecting_ones(toy):
    runs = toy.runs(noise=0.2)
    fresh = toy.runs(seeds=(3, 4, 5), noise=0.2, seed=9)
    fresh = fresh[fresh["point"].isin(["a=0_b=0_c=x", "a=0_b=0_c=y"])]
    analysis = analyze(runs, toy.index(), confirmation=fresh)
    confirmation = analysis.confirmation
    assert confirmation.seeds == (3, 4, 5)
    table = confirmation.table.set_index("point")
    assert set(table.index) == {"a=0_b=0_c=x", "a=0_b=0_c=y"}
    for point, row in table.iterrows():
        values = fresh.loc[fresh["point"] == point, "val_loss"]
        assert row["mean"] == pytest.approx(values.mean()) and row["n"] == 3
        selected = runs.loc[runs["point"] == point, "val_loss"].mean()
        assert row["selected"] == pytest.approx(selected)
    assert confirmation.best.point in table.index
