"""A study's conclusions as data: best set, factor effects, answers, surprise, noise, data.

`analyze` is a pure function of the results table and the study index; the
findings Markdown, the HTML report's answer block and the terminal summary all
render the same `StudyAnalysis`, so they never disagree. Every comparison comes
with its interval over seeds (`trainlab.stats`): a difference smaller than its
uncertainty is never presented as a result.

One error budget (5%) per kind of claim, over the whole study
(`trainlab.stats.multiplicity`):

- "matters": every axis of every sub-grid is one family, F-tests Holm-adjusted over
  all of them; a level is called clear only when its axis matters.
- the surprise (an interaction, or a sign reversal): every pair of axes of every
  sub-grid is one family, F-tests Holm-adjusted; the cell shown has an interval
  simultaneous over every cell it could have been picked from.
- the best: Hsu's MCB, and an interval for its mean that holds although the seeds
  selected it (`trainlab.stats.best`); `trainlab confirm` measures it on fresh seeds.
- questions: written in the spec before the runs, so each keeps its own 5%; the
  answers of one question along an axis are one family.
- unequal noise: every configuration is one family (`trainlab.stats.noise`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trainlab.report.answers import Answer, answer
from trainlab.report.results import (
    collect_results,
    finished_runs,
    grid_tables,
    rank,
    read_confirmation,
)
from trainlab.run.metrics import METRICS, Metric
from trainlab.run.status import TRAINED
from trainlab.stats import (
    ALPHA,
    BestSet,
    NoiseCheck,
    axis_tests,
    axis_verdicts,
    best_set,
    config_means,
    holm,
    interaction_tests,
    interactions,
    is_clear,
    main_effects,
    noise_upper_bound,
    repeats_needed,
    sign_reversals,
    t_interval,
    unequal_noise,
)
from trainlab.study import studydir
from trainlab.study.questions import Question, ReportConfig

# What a confirmation reruns by default: the configurations seed noise cannot tell from
# the best and the next one, at most CONFIRM_TOP, each on CONFIRM_REPEATS fresh seeds
# (5 seeds: a t-interval of 1.24 seed sd per side).
CONFIRM_TOP, CONFIRM_REPEATS = 5, 5


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Reversal:
    """The surprise of a sign reversal: on average `axis`=`level` moves the metric one way
    (`main`), but within `within_axis`=`within_level` the other way (`within`).

    `p_adjusted`: the Holm-adjusted p-value of the two axes' interaction test, over the
    study's `pairs` pairs of axes.
    """

    grid: int
    axis: str
    level: str
    main: Interval
    within_axis: str
    within_level: str
    within: Interval
    p_adjusted: float
    pairs: int


@dataclass(frozen=True)
class Interaction:
    """The surprise of an interaction: at `axis_a`=`level_a` and `axis_b`=`level_b` the
    metric departs from what the two main effects predict by `effect`."""

    grid: int
    axis_a: str
    level_a: str
    axis_b: str
    level_b: str
    effect: Interval
    p_adjusted: float
    pairs: int


Surprise = Reversal | Interaction


@dataclass(frozen=True)
class DataSource:
    """What the runs trained on and what their seeds varied.

    generated: the datasets that generated stand-in files replaced (``data.synthetic``,
    as ``--quick`` does where the real files are missing): findings about them test the
    pipeline, not the dataset. split: "fixed" (one ``data.split_seed`` for every run:
    every interval is conditional on that validation split), "per seed" (each seed
    draws its own split, ``data.split_per_seed``) or "unknown".
    """

    datasets: tuple[str, ...] = ()
    generated: tuple[str, ...] = ()
    split: str = "unknown"
    split_seed: int | None = None
    augment: bool = False

    @classmethod
    def of(cls, table: pd.DataFrame) -> DataSource:
        """The data source of a results table (`collect_results`' data columns)."""
        if "dataset" not in table or table["dataset"].isna().all():
            return cls()
        known = table[table["dataset"].notna()]
        datasets = tuple(dict.fromkeys(known["dataset"].astype(str)))
        synthetic = known["synthetic"].fillna(False).astype(bool)
        generated = tuple(dict.fromkeys(known.loc[synthetic, "dataset"].astype(str)))
        seeds = pd.to_numeric(known["split_seed"], errors="coerce")
        per_seed = known.get("split_per_seed", pd.Series(False, index=known.index))
        split, split_seed = "unknown", None
        if per_seed.fillna(False).astype(bool).any():
            split = "per seed"
        elif seeds.notna().all() and seeds.nunique() == 1:
            split, split_seed = "fixed", int(seeds.iloc[0])
        augment = bool(known["augment"].fillna(False).astype(bool).any())
        return cls(datasets, generated, split, split_seed, augment)

    @property
    def warning(self) -> str:
        """One sentence when generated files stood in for a dataset, else ""."""
        if not self.generated:
            return ""
        names = " and ".join(self.generated)
        return (
            f"These runs trained on generated stand-in files in the {names} format "
            f"(`data.synthetic = true`, as `--quick` does where {names} is not on the "
            f"machine): these findings test the pipeline, not {names}."
        )

    @property
    def seed_variation(self) -> str:
        """What differs between two seeds of one configuration, in one sentence."""
        varies = "the initial weights, the order of the training batches, the dropout masks"
        varies += ", the augmentations" if self.augment else ""
        if self.split == "per seed":
            return (
                f"Between seeds: {varies} and the validation split (each seed draws its own, "
                "`data.split_per_seed = true`): the intervals cover the choice of split too."
            )
        split = f"`data.split_seed = {self.split_seed}`" if self.split == "fixed" else "one split"
        return (
            f"Between seeds: {varies}. The validation split is fixed ({split}): every "
            "interval is conditional on that one split; `data.split_per_seed = true` "
            "re-draws it with each seed."
        )


@dataclass(frozen=True)
class Confirmation:
    """The top configurations run again on fresh seeds (`trainlab confirm`).

    `table`: one row per confirmed configuration, in the study's ranking: point,
    selected (its mean over the seeds that selected it), then over the fresh seeds
    mean, low, high (a t-interval: these seeds selected nothing, so it is unbiased), n.
    `best`: the comparison with the best among them on the fresh seeds alone.
    """

    seeds: tuple[int, ...]
    table: pd.DataFrame
    best: BestSet | None


@dataclass
class GridAnalysis:
    """Factor effects within one sub-grid (its own axes, its own runs).

    `effects` (trainlab.stats.main_effects) has `distinguishable` true only where the
    interval excludes 0 and the axis matters after the study-wide correction; `tests`
    holds each axis's F-test with `p_adjusted`; `pair_tests` each pair's interaction
    test with `p_adjusted`; `interactions` the cells with intervals simultaneous over
    every cell of the study's pairs, clear only where their pair's test is.
    """

    index: int
    axes: list[str]
    effects: pd.DataFrame
    tests: pd.DataFrame
    verdicts: pd.Series  # axis -> "matters" | "within noise" | "unknown"
    interactions: pd.DataFrame = field(default_factory=pd.DataFrame)
    pair_tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    reversals: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class StudyAnalysis:
    """What a study's results say, with their uncertainty."""

    name: str
    metric: Metric  # the ranking rule's metric
    table: pd.DataFrame  # every run, ranked best first
    seeds: list[int]
    axes: list[str]
    source: DataSource = field(default_factory=DataSource)
    best: BestSet | None = None
    replicated: bool = False  # some configuration has two or more finished seeds
    noise: NoiseCheck | None = None  # configurations whose seed spread is far from the rest
    noise_sd_upper: float = math.nan  # one replicate: an upper bound on the seed sd
    repeats_to_separate: int | None = None  # seeds needed to tell the best from the runner-up
    grids: list[GridAnalysis] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    surprise: Surprise | None = None
    confirmation: Confirmation | None = None

    @property
    def finished(self) -> pd.DataFrame:
        """Runs that completed or stopped early with a value of the ranking metric."""
        return finished_runs(self.table, self.metric.name)

    @property
    def problems(self) -> pd.DataFrame:
        """Runs that failed, diverged or did not finish."""
        return self.table[~self.table["status"].isin(TRAINED)]

    @property
    def unstable(self) -> list[str]:
        """Configurations that keep their own seed variance (flagged by the noise check)."""
        return self.noise.flagged if self.noise is not None else []

    @property
    def confirm_top(self) -> int:
        """How many of the top configurations a confirmation should rerun (0: none to)."""
        if self.best is None or self.best.selected_from < 2:
            return 0
        return min(len(self.best.members) + 1, self.best.selected_from, CONFIRM_TOP)

    def confirm_command(self, out: str | Path) -> str:
        """The command that reruns the top configurations on fresh seeds."""
        return f"trainlab confirm {out} --top {self.confirm_top} --repeats {CONFIRM_REPEATS}"

    @property
    def axes_tested(self) -> int:
        """The axes in the "matters" family (those with a noise estimate)."""
        return sum(int(g.tests["p"].notna().sum()) for g in self.grids)

    @property
    def pairs_tested(self) -> int:
        """The pairs of axes in the surprise family."""
        return sum(int(g.pair_tests["p"].notna().sum()) for g in self.grids if len(g.pair_tests))


def analyze_study(out: str | Path) -> StudyAnalysis:
    """Analyze the study in directory `out` as it is on disk: its runs, and its
    confirmation runs if `trainlab confirm` has made some.

    Raises:
        RecordError: `out` has no ``study.json``.
    """
    index = studydir.read_study(out)
    table = collect_results(out, list(index.get("axes", {})))
    return analyze(table, index, confirmation=read_confirmation(out))


def analyze(
    table: pd.DataFrame, index: dict[str, Any], *, confirmation: pd.DataFrame | None = None
) -> StudyAnalysis:
    """Analyze a results table (`collect_results`) with its study index (study.json), and
    the results of its confirmation runs (`results.read_confirmation`) if any."""
    report = ReportConfig(**index.get("report", {}))  # same rule as the spec's
    metric = METRICS[report.rank_by]
    axes = list(index.get("axes", {}))
    grids = index.get("grids") or [axes]
    analysis = StudyAnalysis(
        name=str(index.get("name", "")), metric=metric, table=rank(table, report),
        seeds=list(index.get("seeds", [0])), axes=axes, source=DataSource.of(table),
    )  # fmt: skip
    ok = analysis.finished
    if ok.empty:
        return analysis
    analysis.noise = unequal_noise(ok, metric.name, selected=_best_by_mean(ok, metric))
    own = analysis.unstable
    analysis.best = best_set(
        ok, metric.name, higher_is_better=metric.higher_is_better, own_noise=own
    )
    analysis.replicated = analysis.best.noise.df > 0 or bool(own)
    if not analysis.replicated:
        _plan_repeats(analysis, ok)
    grid_runs = {}
    for i, (grid_axes, runs) in enumerate(grid_tables(ok, grids)):
        present = [a for a in grid_axes if a in runs and runs[a].notna().any()]
        if present and not runs.empty:
            levels = {axis: index["axes"].get(axis, []) for axis in present}
            analysis.grids.append(_grid(i, present, runs, metric.name, levels, own))
            grid_runs[i] = runs
    _correct_axes(analysis.grids)
    _correct_pairs(analysis.grids, grid_runs, metric.name, own)
    questions = [Question.from_dict(q) for q in index.get("questions", [])]
    analysis.answers = [
        a for q in questions
        for a in answer(q, ok, axes, index.get("axes", {}).get(q.along, []), own_noise=own)
    ]  # fmt: skip
    analysis.surprise = _surprise(analysis)
    if confirmation is not None:
        analysis.confirmation = _confirmation(analysis, confirmation)
    return analysis


def _best_by_mean(runs: pd.DataFrame, metric: Metric) -> str:
    """The configuration with the best mean (the first of ties, as `best_set` picks)."""
    means = config_means(runs, metric.name)["mean"]
    ranking = -means if metric.higher_is_better else means
    return str(means.index[int(np.argsort(ranking.to_numpy(), kind="stable")[0])])


def _grid(
    index: int,
    axes: list[str],
    runs: pd.DataFrame,
    metric: str,
    levels: dict[str, list[str]],
    own: list[str],
) -> GridAnalysis:
    effects = _in_spec_order(main_effects(runs, axes, metric, own_noise=own), levels)
    paired = len(axes) > 1
    return GridAnalysis(
        index=index,
        axes=axes,
        effects=effects,
        tests=axis_tests(runs, axes, metric, own_noise=own),
        verdicts=pd.Series(dtype=object),
        pair_tests=interaction_tests(runs, axes, metric, own_noise=own)
        if paired
        else pd.DataFrame(),
    )


def _correct_axes(grids: list[GridAnalysis]) -> None:
    """Holm over every axis of every sub-grid; a level is clear only if its axis matters."""
    adjusted = holm(np.concatenate([g.tests["p"].to_numpy(float) for g in grids] or [[]]))
    start = 0
    for grid in grids:
        grid.tests = grid.tests.assign(p_adjusted=adjusted[start : start + len(grid.tests)])
        start += len(grid.tests)
        grid.verdicts = axis_verdicts(grid.tests)
        matters = grid.effects["axis"].map(grid.verdicts).eq("matters").to_numpy()
        clear = grid.effects["distinguishable"].copy()
        clear[~matters & clear.notna().to_numpy()] = False
        grid.effects = grid.effects.assign(distinguishable=clear)


def _correct_pairs(
    grids: list[GridAnalysis], grid_runs: dict[int, pd.DataFrame], metric: str, own: list[str]
) -> None:
    """Holm over every pair of axes of every sub-grid; interaction cells and reversals with
    intervals simultaneous over every cell of the study's pairs, kept only where their
    pair's interaction test passes."""
    tested = [g for g in grids if len(g.pair_tests)]
    if not tested:
        return
    adjusted = holm(np.concatenate([g.pair_tests["p"].to_numpy(float) for g in tested]))
    cells = int(sum(g.pair_tests["cells"].sum() for g in tested))
    within = int(sum(g.pair_tests["within_cells"].sum() for g in tested))
    start = 0
    for grid in tested:
        grid.pair_tests = grid.pair_tests.assign(
            p_adjusted=adjusted[start : start + len(grid.pair_tests)]
        )
        start += len(grid.pair_tests)
        runs = grid_runs[grid.index]
        declared = {
            frozenset((row.axis_a, row.axis_b))
            for row in grid.pair_tests.itertuples()
            if row.p_adjusted <= ALPHA
        }
        table = interactions(runs, grid.axes, metric, family=cells, own_noise=own)
        pairs = [frozenset(p) for p in zip(table["axis_a"], table["axis_b"], strict=True)]
        in_declared = np.array([p in declared for p in pairs], dtype=bool)
        clear = table["distinguishable"].copy()
        clear[~in_declared & clear.notna().to_numpy()] = False
        grid.interactions = table.assign(distinguishable=clear)
        reversals = sign_reversals(runs, grid.axes, metric, family=within, own_noise=own)
        keep = [
            frozenset((r.axis, r.within_axis)) in declared
            and grid.verdicts.get(r.axis) == "matters"
            for r in reversals.itertuples()
        ]
        grid.reversals = reversals[np.array(keep, dtype=bool)].reset_index(drop=True)


def _in_spec_order(effects: pd.DataFrame, levels: dict[str, list[str]]) -> pd.DataFrame:
    """Effects with each axis's levels in the spec's order (0, 1e-4, 1e-3, ...), not the
    order the ranked runs happen to list them in."""
    rank = {
        (axis, str(label)): i for axis, labels in levels.items() for i, label in enumerate(labels)
    }
    order = [rank.get((row.axis, str(row.level)), len(rank)) for row in effects.itertuples()]
    axis_order = {axis: i for i, axis in enumerate(levels)}
    keys = [(axis_order.get(a, 0), o) for a, o in zip(effects["axis"], order, strict=True)]
    positions = sorted(range(len(keys)), key=keys.__getitem__)
    return effects.iloc[positions].reset_index(drop=True)


def _plan_repeats(analysis: StudyAnalysis, ok: pd.DataFrame) -> None:
    """With one seed per configuration: an upper bound on the seed noise from the spread of
    the runs, and the seeds it would take to tell the best from the runner-up."""
    axes = [a for a in analysis.axes if a in ok and ok[a].notna().any()]
    analysis.noise_sd_upper = noise_upper_bound(ok, axes, analysis.metric.name)
    table = analysis.best.table
    if len(table) > 1 and math.isfinite(analysis.noise_sd_upper):
        gap = abs(float(table["difference"].iloc[1]))
        if gap > 0:
            analysis.repeats_to_separate = repeats_needed(analysis.noise_sd_upper, gap)


def _surprise(analysis: StudyAnalysis) -> Surprise | None:
    """The clearest effect that goes against expectation: a sign reversal of a pair whose
    interaction clears the study-wide test, else that pair's strongest interaction cell
    that clears the noise; None if neither."""
    pairs = analysis.pairs_tested
    reversals = [(g, r) for g in analysis.grids for r in g.reversals.itertuples()]
    if reversals:
        grid, r = max(reversals, key=lambda gr: abs(gr[1].effect))
        return Reversal(
            grid.index, r.axis, str(r.level), Interval(r.main_effect, r.main_low, r.main_high),
            r.within_axis, str(r.within_level), Interval(r.effect, r.low, r.high),
            _pair_p(grid, r.axis, r.within_axis), pairs,
        )  # fmt: skip
    clear = [
        (g, r) for g in analysis.grids if len(g.interactions)
        for r in g.interactions.itertuples() if is_clear(r.distinguishable)
    ]  # fmt: skip
    if clear:
        grid, r = max(clear, key=lambda gr: abs(gr[1].interaction))
        return Interaction(
            grid.index, r.axis_a, str(r.level_a), r.axis_b, str(r.level_b),
            Interval(r.interaction, r.low, r.high), _pair_p(grid, r.axis_a, r.axis_b), pairs,
        )  # fmt: skip
    return None


def _pair_p(grid: GridAnalysis, a: str, b: str) -> float:
    tests = grid.pair_tests
    row = tests[((tests["axis_a"] == a) & (tests["axis_b"] == b))
                | ((tests["axis_a"] == b) & (tests["axis_b"] == a))]  # fmt: skip
    return float(row["p_adjusted"].iloc[0])


def _confirmation(analysis: StudyAnalysis, runs: pd.DataFrame) -> Confirmation | None:
    """The confirmed configurations' means on fresh seeds beside their selecting means."""
    metric = analysis.metric
    fresh = finished_runs(runs, metric.name)
    if fresh.empty or analysis.best is None:
        return None
    ranking = analysis.best.table.set_index("point")
    rows = []
    for point in [p for p in ranking.index if p in set(fresh["point"])]:
        e = t_interval(fresh.loc[fresh["point"] == point, metric.name].to_numpy(float))
        rows.append({"point": point, "selected": float(ranking.loc[point, "mean"]),
                     "mean": e.mean, "low": e.low, "high": e.high, "n": e.n})  # fmt: skip
    best = best_set(fresh, metric.name, higher_is_better=metric.higher_is_better)
    seeds = tuple(sorted(int(s) for s in fresh["seed"].unique()))
    return Confirmation(seeds, pd.DataFrame(rows), best)
