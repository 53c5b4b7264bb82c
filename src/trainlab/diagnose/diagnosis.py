"""Diagnosis: one finding about a run, with the numbers behind it and a change to try.

The one Diagnosis type: rules make them (`trainlab.diagnose.rules`), runs save them in
run.json (`to_dict`), and the terminal, the findings and the report read them back
(`from_dict`). SEVERITIES is the one order of how serious a diagnosis is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SEVERITIES: tuple[str, ...] = ("info", "warning", "error")  # least to most serious


def severity_rank(severity: str) -> int:
    """Sort key putting the most serious first (an unknown severity last)."""
    return -SEVERITIES.index(severity) if severity in SEVERITIES else 1


@dataclass(frozen=True)
class Threshold:
    """A limit a rule compares a measured number with, and where the limit comes from.

    Attributes:
        value: the limit.
        source: a paper, a rule of thumb, or the measurement behind the value.
    """

    value: float
    source: str


@dataclass(frozen=True)
class Evidence:
    """One measured number that triggered a diagnosis, against its threshold.

    Attributes:
        quantity: what was measured, in words ("median late update_ratio, over layers").
        value: the measured number.
        comparison: how it passed the threshold: ``">"``, ``">="``, ``"<"`` or ``"<="``.
        threshold: the limit it was compared with.
        source: where the limit comes from (see `Threshold`).
    """

    quantity: str
    value: float
    comparison: str
    threshold: float
    source: str

    @classmethod
    def of(cls, quantity: str, value: float, comparison: str, threshold: Threshold) -> Evidence:
        """Evidence for `value` against `threshold`."""
        return cls(quantity, float(value), comparison, threshold.value, threshold.source)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Inverse of `to_dict` (a number saved as ``"nan"`` or ``"inf"`` comes back)."""
        return cls(
            str(data.get("quantity", "")), _float(data.get("value")),
            str(data.get("comparison", "")), _float(data.get("threshold")),
            str(data.get("source") or ""),
        )  # fmt: skip

    def test(self) -> str:
        """The comparison in words, e.g. ``"0.93 >= 0.9"`` (4 significant digits)."""
        return f"{self.value:.4g} {self.comparison} {self.threshold:.4g}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: a non-finite number becomes its name (``"nan"``, ``"inf"``)."""
        return {
            "quantity": self.quantity,
            "value": _number(self.value),
            "comparison": self.comparison,
            "threshold": _number(self.threshold),
            "source": self.source,
        }


@dataclass(frozen=True)
class Finding:
    """What a rule's check found, before the registry names it (see `Diagnosis`)."""

    layer: str | None
    steps: tuple[int, int]
    evidence: tuple[Evidence, ...]
    explanation: str
    suggestion: str
    changes: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Diagnosis:
    """A named problem found in a run.

    Attributes:
        name: the rule that found it (a key of ``trainlab.diagnose.RULES``).
        severity: one of SEVERITIES (the rule's, from the registry).
        layer: the weight layer or activation call site concerned, or None for the run.
        steps: (first, last) optimizer steps the evidence covers, 1-based, inclusive.
        evidence: the numbers that triggered it, each against its threshold.
        explanation: one sentence: what the numbers mean.
        suggestion: one sentence: a change to try.
        changes: the suggestion in config terms, ``(("optim.lr", 1e-3), ...)``; empty
            when it cannot be said in config terms.
        figure: a file of the run directory that shows the signal behind it, or "".
        caption: what that figure shows, in words.
    """

    name: str
    severity: str
    layer: str | None
    steps: tuple[int, int]
    evidence: tuple[Evidence, ...]
    explanation: str
    suggestion: str
    changes: tuple[tuple[str, Any], ...] = ()
    figure: str = ""
    caption: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:  # a rule's mistake, not a user's
            raise ValueError(f"severity {self.severity!r}; expected one of {SEVERITIES}")

    @classmethod
    def found(cls, name: str, severity: str, finding: Finding) -> Diagnosis:
        """The Diagnosis of rule `name` (of `severity`) from what its check found."""
        return cls(name, severity, finding.layer, finding.steps, finding.evidence,
                   finding.explanation, finding.suggestion, finding.changes)  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        """Inverse of `to_dict`, tolerant of what an older or partial run.json lacks."""
        steps = data.get("steps")
        first, last = steps if isinstance(steps, (list, tuple)) and len(steps) == 2 else (0, 0)
        changes = data.get("changes")
        severity = data.get("severity")
        return cls(
            name=str(data.get("name") or "unnamed"),
            severity=severity if severity in SEVERITIES else "info",
            layer=data.get("layer") or None,
            steps=(_step(first), _step(last)),
            evidence=tuple(
                Evidence.from_dict(e) for e in data.get("evidence") or [] if isinstance(e, dict)
            ),
            explanation=str(data.get("explanation") or ""),
            suggestion=str(data.get("suggestion") or ""),
            changes=tuple(changes.items()) if isinstance(changes, dict) else (),
            figure=str(data.get("figure") or ""),
            caption=str(data.get("caption") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for run.json and reports."""
        data = {
            "name": self.name,
            "severity": self.severity,
            "layer": self.layer,
            "steps": list(self.steps),
            "evidence": [e.to_dict() for e in self.evidence],
            "explanation": self.explanation,
            "suggestion": self.suggestion,
            "changes": {key: _number(value) for key, value in self.changes},
        }
        if self.figure:
            data.update(figure=self.figure, caption=self.caption)
        return data

    @property
    def label(self) -> str:
        """The kind in words: ``dying_relu`` reads "dying relu"."""
        return self.name.replace("_", " ")

    @property
    def span(self) -> str:
        """Where in training it was seen, e.g. ``"steps 120-400"``, ``"step 3"`` ("" when an
        entry read back does not say)."""
        first, last = self.steps
        if first < 1:
            return ""
        return f"step {first}" if first == last else f"steps {first}-{last}"

    def where(self) -> str:
        """Steps and layer in words, e.g. ``"steps 120-400 in hidden2.act"``."""
        return " in ".join(part for part in (self.span, self.layer or "") if part)


def most_serious_first(diagnoses: Iterable[Diagnosis]) -> list[Diagnosis]:
    """`diagnoses` sorted by severity (most serious first), then by first step, then name."""
    return sorted(diagnoses, key=lambda d: (severity_rank(d.severity), d.steps[0], d.name))


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "nan", "inf", "-inf": strict JSON has no such numbers
    return value


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _step(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0
