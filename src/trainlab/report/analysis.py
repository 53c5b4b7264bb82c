"""A study's conclusions as data: best set, factor effects, answers, surprise, noise.

`analyze` is a pure function of the results table and the study index; the
findings Markdown, the HTML report's answer block and the terminal summary all
render the same `StudyAnalysis`, so they never disagree. Every comparison comes
with its interval over seeds (`trainlab.stats`): a difference smaller than its
uncertainty is never presented as a result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from trainlab.report.answers import Answer, answer
from trainlab.report.results import finished_runs, grid_tables, rank
from trainlab.run.metrics import METRICS, Metric
from trainlab.run.status import TRAINED
from trainlab.stats import (
    BestSet,
    axis_verdicts,
    best_set,
    interactions,
    is_clear,
    main_effects,
    noise_upper_bound,
    repeats_needed,
    sign_reversals,
)
from trainlab.study.questions import Question, ReportConfig


@dataclass
class GridAnalysis:
    """Factor effects within one sub-grid (its own axes, its own runs)."""

    index: int
    axes: list[str]
    effects: pd.DataFrame  # trainlab.stats.main_effects
    verdicts: pd.Series  # axis -> "matters" | "within noise" | "unknown"
    interactions: pd.DataFrame
    reversals: pd.DataFrame


@dataclass
class StudyAnalysis:
    """What a study's results say, with their uncertainty."""

    name: str
    metric: Metric  # the ranking rule's metric
    table: pd.DataFrame  # every run, ranked best first
    seeds: list[int]
    axes: list[str]
    best: BestSet | None = None
    replicated: bool = False  # some configuration has two or more finished seeds
    noise_sd_upper: float = math.nan  # one replicate: an upper bound on the seed sd
    repeats_to_separate: int | None = None  # seeds needed to tell the best from the runner-up
    grids: list[GridAnalysis] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    surprise: dict[str, Any] | None = None

    @property
    def finished(self) -> pd.DataFrame:
        """Runs that completed or stopped early with a value of the ranking metric."""
        return finished_runs(self.table, self.metric.name)

    @property
    def problems(self) -> pd.DataFrame:
        """Runs that failed, diverged or did not finish."""
        return self.table[~self.table["status"].isin(TRAINED)]


def analyze(table: pd.DataFrame, index: dict[str, Any]) -> StudyAnalysis:
    """Analyze a results table (`collect_results`) with its study index (study.json)."""
    report = ReportConfig(**index.get("report", {}))  # same rule as the spec's
    metric = METRICS[report.rank_by]
    axes = list(index.get("axes", {}))
    grids = index.get("grids") or [axes]
    analysis = StudyAnalysis(
        name=str(index.get("name", "")), metric=metric, table=rank(table, report),
        seeds=list(index.get("seeds", [0])), axes=axes,
    )  # fmt: skip
    ok = analysis.finished
    if ok.empty:
        return analysis
    analysis.best = best_set(ok, metric.name, higher_is_better=metric.higher_is_better)
    analysis.replicated = analysis.best.noise.df > 0
    if not analysis.replicated:
        _plan_repeats(analysis, ok)
    for i, (grid_axes, runs) in enumerate(grid_tables(ok, grids)):
        present = [a for a in grid_axes if a in runs and runs[a].notna().any()]
        if present and not runs.empty:
            levels = {axis: index["axes"].get(axis, []) for axis in present}
            analysis.grids.append(_grid(i, present, runs, metric.name, levels))
    questions = [Question.from_dict(q) for q in index.get("questions", [])]
    analysis.answers = [
        a for q in questions
        for a in answer(q, ok, axes, index.get("axes", {}).get(q.along, []))
    ]  # fmt: skip
    analysis.surprise = _surprise(analysis)
    return analysis


def _grid(
    index: int, axes: list[str], runs: pd.DataFrame, metric: str, levels: dict[str, list[str]]
) -> GridAnalysis:
    effects = _in_spec_order(main_effects(runs, axes, metric), levels)
    return GridAnalysis(
        index=index,
        axes=axes,
        effects=effects,
        verdicts=axis_verdicts(effects),
        interactions=interactions(runs, axes, metric) if len(axes) > 1 else pd.DataFrame(),
        reversals=sign_reversals(runs, axes, metric) if len(axes) > 1 else pd.DataFrame(),
    )


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


def _surprise(analysis: StudyAnalysis) -> dict[str, Any] | None:
    """The clearest effect that goes against expectation: a sign reversal whose intervals
    exclude zero, else the strongest interaction that clears the noise; None if neither."""
    reversals = [(g, r) for g in analysis.grids for r in g.reversals.itertuples()]
    if reversals:
        grid, r = max(reversals, key=lambda gr: abs(gr[1].effect))
        return {"kind": "reversal", "grid": grid.index, **r._asdict()}
    clear = [
        (g, r) for g in analysis.grids if not g.interactions.empty
        for r in g.interactions.itertuples() if is_clear(r.distinguishable)
    ]  # fmt: skip
    if clear:
        grid, r = max(clear, key=lambda gr: abs(gr[1].interaction))
        return {"kind": "interaction", "grid": grid.index, **r._asdict()}
    return None
