"""The study's questions answered from its results table: one answer per ``along`` level.

Runs of the two sides are paired on the other axes and the seed when they match
one to one; the verdict itself is decided in `trainlab.stats.compare`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from trainlab.stats import Comparison, compare, usable_runs
from trainlab.study.questions import Question


@dataclass(frozen=True)
class Answer:
    """A question's answer at one level of its `along` axis (or overall: level None)."""

    question: Question
    level: str | None
    comparison: Comparison


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
