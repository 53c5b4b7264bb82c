"""The study's questions answered from its results table: one answer per ``along`` level.

Runs of the two sides are paired on the other axes and the seed when they match
one to one; the verdict itself is decided in `trainlab.stats.compare`.

A question is written in the spec before any run trains: it is pre-registered, and
keeps its own 5% error rate whatever else the report claims. Its answers along an axis
are one family: each answer's interval is simultaneous over the axis's levels
(Bonferroni, `stats.multiplicity`), so a question asked along 3 levels says "differs"
somewhere by chance in at most 5% of studies, not 14%.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd

from trainlab.stats import ALPHA, Comparison, bonferroni_confidence, compare, usable_runs
from trainlab.study.questions import Question


@dataclass(frozen=True)
class Answer:
    """A question's answer at one level of its `along` axis (or overall: level None).

    `family`: how many answers the question has (its along axis's levels): the
    comparison's interval is simultaneous over them.
    """

    question: Question
    level: str | None
    comparison: Comparison
    family: int = 1


def answer(
    question: Question,
    table: pd.DataFrame,
    axes: list[str],
    order: Sequence[str] = (),
    *,
    own_noise: Collection[str] = (),
) -> list[Answer]:
    """The question answered from a results table: one Answer, or one per `along` level,
    in `order` (the spec's levels) and then as the table lists any others; configurations
    in `own_noise` keep their own seed variance (Welch)."""
    if question.along is None:
        return [Answer(question, None, _compare(question, table, axes, 1 - ALPHA, own_noise))]
    present = [str(v) for v in table[question.along].dropna().astype(str).unique()]
    levels = [str(v) for v in order if str(v) in present]
    levels += [v for v in present if v not in levels]
    confidence = bonferroni_confidence(1 - ALPHA, max(len(levels), 1))
    return [
        Answer(
            question,
            level,
            _compare(
                question,
                table[table[question.along].astype(str) == level],
                axes,
                confidence,
                own_noise,
            ),
            len(levels),
        )  # fmt: skip
        for level in levels
    ]


def _compare(
    question: Question,
    table: pd.DataFrame,
    axes: list[str],
    confidence: float,
    own_noise: Collection[str],
) -> Comparison:
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
        pair_on=[*shared, "seed"], margin=question.margin, confidence=confidence,
        own_noise=own_noise,
    )  # fmt: skip
