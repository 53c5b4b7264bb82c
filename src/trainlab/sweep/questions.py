"""What a study is asked: its ranking rule (``[report]``) and its questions (``[[question]]``).

A question compares two sides of the study on a metric::

    [[question]]
    text = "Is AdamW's decoupled weight decay different from Adam's?"
    metric = "val_loss"                 # default: [report] rank_by
    a = { optimizer = "adamw" }         # grid levels (axis = level), or { run = "<point>" }
    b = { optimizer = "adam" }          # a side may name its own metric = "..."
    along = "weight_decay"              # optional: one answer per level of this axis
    margin = 0.01                       # optional: differences inside +-margin are equivalent

Runs of the two sides are paired on the other axes and the seed when they match
one to one (e.g. the same runs on two metrics); the answer is side a minus side b
with its interval over seeds, and a verdict (`trainlab.stats.compare`).
Everything is checked when the spec is read, before anything runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from trainlab.errors import SpecError
from trainlab.stats import Comparison, compare, usable_runs
from trainlab.sweep.labels import level_label
from trainlab.sweep.metrics import DEFAULT_RANK_BY, METRICS, SCORES
from trainlab.sweep.spec_tables import array_of_tables, only_keys

QUESTION_KEYS = ("text", "metric", "a", "b", "along", "margin")


REPORT_KEYS = ("rank_by", "equivariance")


@dataclass(frozen=True)
class ReportConfig:
    """How a study's results are ranked (one rule for the terminal, tables, findings and
    report), and what else its report shows."""

    rank_by: str = DEFAULT_RANK_BY
    equivariance: bool = False  # the shift/rotation figures on the first training image

    @property
    def higher_is_better(self) -> bool:
        """Whether the best run has the highest `rank_by`."""
        return METRICS[self.rank_by].higher_is_better


@dataclass(frozen=True)
class Side:
    """One side of a question: runs matching `levels` (axis -> label) or the point `run`."""

    levels: dict[str, str] = field(default_factory=dict)
    run: str | None = None
    metric: str | None = None  # overrides the question's metric for this side

    def label(self) -> str:
        """The side in words, e.g. ``optimizer=adamw``."""
        parts = [f"{a}={v}" for a, v in self.levels.items()]
        if self.run:
            parts.append(self.run)
        text = ", ".join(parts) or "all runs"
        return f"{text}: {METRICS[self.metric].label}" if self.metric else text

    def select(self, table: pd.DataFrame) -> pd.DataFrame:
        """The rows of a results table on this side."""
        keep = pd.Series(True, index=table.index)
        for axis, label in self.levels.items():
            keep &= table[axis].astype(str) == label if axis in table else False
        if self.run is not None:
            keep &= table["point"] == self.run
        return table[keep]


@dataclass(frozen=True)
class Question:
    """A comparison the study's findings answer."""

    text: str
    metric: str
    a: Side
    b: Side
    along: str | None = None
    margin: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The question as saved in study.json."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Inverse of `to_dict`."""
        sides = {k: Side(**data[k]) for k in ("a", "b")}
        return cls(**{**data, **sides})


@dataclass(frozen=True)
class Answer:
    """A question's answer at one level of its `along` axis (or overall: level None)."""

    question: Question
    level: str | None
    comparison: Comparison


def parse_report(raw: Any, *, where: str) -> ReportConfig:
    """The ``[report]`` table: ``rank_by`` (a metric with a better direction), ``equivariance``."""
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: report must be a table ([report])")
    only_keys(raw, REPORT_KEYS, where=f"{where}: report")
    rank_by = raw.get("rank_by", DEFAULT_RANK_BY)
    _check_metric(rank_by, where=f"{where}: report.rank_by")
    equivariance = raw.get("equivariance", False)
    if not isinstance(equivariance, bool):
        raise SpecError(f"{where}: report.equivariance = {equivariance!r}; expected true or false")
    return ReportConfig(rank_by=rank_by, equivariance=equivariance)


def parse_questions(
    raw: Any, axes: dict[str, list[Any]], points: list[str] | None, *, where: str,
    default_metric: str = DEFAULT_RANK_BY,
) -> tuple[Question, ...]:  # fmt: skip
    """The ``[[question]]`` tables, each checked against the study's axes, levels and runs
    (`points`; None: run names are not checked)."""
    levels = {axis: {level.label for level in values} for axis, values in axes.items()}
    questions = []
    for at, entry in array_of_tables(raw, "question", where=where):
        only_keys(entry, QUESTION_KEYS, where=at)
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            raise SpecError(f"{at}.text = {text!r}; expected the question in words")
        metric = entry.get("metric", default_metric)
        _check_metric(metric, where=f"{at}.metric")
        sides = {k: _parse_side(entry.get(k), levels, points, where=f"{at}.{k}") for k in "ab"}
        along = entry.get("along")
        if along is not None:
            if along not in levels:
                raise SpecError(f"{at}.along = {along!r}; expected an axis: {', '.join(levels)}")
            if any(along in side.levels for side in sides.values()):
                raise SpecError(f"{at}.along = {along!r} is also fixed by a side; remove one")
        margin = entry.get("margin")
        if margin is not None and (
            isinstance(margin, bool) or not isinstance(margin, (int, float))
            or not math.isfinite(margin) or margin < 0
        ):  # fmt: skip
            raise SpecError(f"{at}.margin = {margin!r}; expected a finite number >= 0")
        questions.append(Question(text.strip(), metric, sides["a"], sides["b"], along,
                                  None if margin is None else float(margin)))  # fmt: skip
    return tuple(questions)


def _parse_side(
    raw: Any, levels: dict[str, set[str]], points: list[str] | None, *, where: str
) -> Side:
    if not isinstance(raw, dict) or not raw:
        raise SpecError(f'{where} must be a table of axis = level, or {{ run = "<run>" }}')
    values = dict(raw)
    run = values.pop("run", None)
    metric = values.pop("metric", None)
    if run is not None and points is not None and run not in points:
        raise SpecError(f"{where}.run = {run!r} is not a run of the study")
    if metric is not None:
        _check_metric(metric, where=f"{where}.metric")
    chosen = {}
    for axis, value in values.items():
        if axis not in levels:
            raise SpecError(
                f"{where}: unknown axis {axis!r}; the study's axes: {', '.join(levels)}"
            )
        label = level_label(value)
        if label not in levels[axis]:
            raise SpecError(
                f"{where}.{axis} = {value!r} is not a level; expected one of "
                f"{', '.join(sorted(levels[axis]))}"
            )
        chosen[axis] = label
    return Side(levels=chosen, run=run, metric=metric)


def _check_metric(metric: Any, *, where: str) -> None:
    if metric not in SCORES:
        raise SpecError(f"{where} = {metric!r}; expected one of {', '.join(SCORES)}")


def answer(
    question: Question, table: pd.DataFrame, axes: list[str], order: Sequence[str] = ()
) -> list[Answer]:
    """The question answered from a results table: one Answer, or one per `along` level,
    in `order` (the spec's levels) and then as the table lists any others."""
    if question.along is None:
        return [Answer(question, None, _compare(question, table, axes))]
    present = [str(v) for v in table[question.along].dropna().astype(str).unique()]
    levels = [str(v) for v in order if str(v) in present]
    levels += [v for v in present if v not in levels]
    return [
        Answer(
            question,
            level,
            _compare(question, table[table[question.along].astype(str) == level], axes),
        )  # fmt: skip
        for level in levels
    ]


def _compare(question: Question, table: pd.DataFrame, axes: list[str]) -> Comparison:
    fixed = {*question.a.levels, *question.b.levels}
    if question.along:
        fixed.add(question.along)
    others = [a for a in axes if a not in fixed and a in table]
    rows_a, rows_b = question.a.select(table), question.b.select(table)
    for name, side, rows in (("a", question.a, rows_a), ("b", question.b, rows_b)):
        metric = side.metric or question.metric
        if usable_runs(rows, metric).empty:  # e.g. mid-study, or every run of the side failed
            return Comparison(
                math.nan, math.nan, math.nan, 0, 0, 0, False, "inconclusive",
                f"no finished run of side {name} ({side.label()}) has a {metric} yet",
            )  # fmt: skip
    shared = [a for a in others if rows_a[a].notna().all() and rows_b[a].notna().all()]
    return compare(
        rows_a, rows_b, question.a.metric or question.metric, question.b.metric or question.metric,
        pair_on=[*shared, "seed"], margin=question.margin,
    )  # fmt: skip
