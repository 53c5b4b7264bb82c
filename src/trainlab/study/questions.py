"""What a study is asked: its ranking rule (``[report]``) and its questions (``[[question]]``).

A question compares two sides of the study on a metric::

    [[question]]
    text = "Is AdamW's decoupled weight decay different from Adam's?"
    metric = "val_loss"                 # default: [report] rank_by
    a = { optimizer = "adamw" }         # grid levels (axis = level), or { run = "<point>" }
    b = { optimizer = "adam" }          # a side may name its own metric = "..."
    along = "weight_decay"              # optional: one answer per level of this axis
    margin = 0.01                       # optional, > 0: differences inside +-margin are equivalent

Runs of the two sides are paired on the other axes and the seed when they match
one to one (e.g. the same runs on two metrics); the answer is side a minus side b
with its interval over seeds, and a verdict (`trainlab.report.answers`).
Everything is checked when the spec is read, before anything runs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from trainlab.errors import SpecError
from trainlab.run.identity import level_label
from trainlab.run.metrics import DEFAULT_RANK_BY, METRICS, SCORES
from trainlab.study.spec_tables import SpecLines, TableAt, array_of_tables, only_keys

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
    default_metric: str = DEFAULT_RANK_BY, lines: SpecLines | None = None,
) -> tuple[Question, ...]:  # fmt: skip
    """The ``[[question]]`` tables, each checked against the study's axes, levels and runs
    (`points`; None: run names are not checked). With the spec's `lines`, an error names
    the line of the key it is about."""
    levels = {axis: {level.label for level in values} for axis, values in axes.items()}
    questions = []
    for at, entry in array_of_tables(raw, "question", where=where, lines=lines):
        only_keys(entry, QUESTION_KEYS, where=str(at))
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            raise SpecError(f"{at.key('text')} = {text!r}; expected the question in words")
        metric = entry.get("metric", default_metric)
        _check_metric(metric, where=at.key("metric"))
        sides = {k: _parse_side(entry.get(k), levels, points, at=at, key=k) for k in "ab"}
        along = entry.get("along")
        if along is not None:
            if not isinstance(along, str) or along not in levels:
                raise SpecError(
                    f"{at.key('along')} = {along!r}; expected the name of an axis: "
                    f"{', '.join(levels) or 'the spec has no [grid]'}"
                )
            if any(along in side.levels for side in sides.values()):
                raise SpecError(
                    f"{at.key('along')} = {along!r} is also fixed by a side; remove one"
                )
        margin = entry.get("margin")
        if margin is not None and not _positive_number(margin):
            raise SpecError(
                f"{at.key('margin')} = {margin!r}; expected a finite number > 0 (differences "
                "within +-margin count as equivalent), or no margin"
            )
        questions.append(Question(text.strip(), metric, sides["a"], sides["b"], along,
                                  None if margin is None else float(margin)))  # fmt: skip
    return tuple(questions)


def _positive_number(value: Any) -> bool:
    """Whether `value` is a finite number > 0 (what `trainlab.stats.compare` takes as a margin)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and math.isfinite(value) and value > 0


def _parse_side(
    raw: Any, levels: dict[str, set[str]], points: list[str] | None, *, at: TableAt, key: str
) -> Side:
    where = at.key(key)
    if not isinstance(raw, dict) or not raw:
        raise SpecError(
            f'{where} = {raw!r}; expected a table of axis = level, or {{ run = "<run>" }}'
        )
    values = dict(raw)
    run = values.pop("run", None)
    metric = values.pop("metric", None)
    if run is not None and (not isinstance(run, str) or (points is not None and run not in points)):
        raise SpecError(f"{where}.run = {run!r} is not a run of the study")
    if metric is not None:
        _check_metric(metric, where=f"{where}.metric")
    chosen = {}
    for axis, value in values.items():
        if axis not in levels:
            raise SpecError(
                f"{where}: unknown axis {axis!r}; the study's axes: {', '.join(levels) or 'none'}"
            )
        label = level_label(value) if isinstance(value, (str, int, float, bool, list)) else None
        if label not in levels[axis]:
            raise SpecError(
                f"{where}.{axis} = {value!r} is not a level; expected one of "
                f"{', '.join(sorted(levels[axis]))}"
            )
        chosen[axis] = label
    return Side(levels=chosen, run=run, metric=metric)


def _check_metric(metric: Any, *, where: str) -> None:
    if not isinstance(metric, str) or metric not in SCORES:
        raise SpecError(f"{where} = {metric!r}; expected one of {', '.join(SCORES)}")
