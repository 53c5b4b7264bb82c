"""Diagnosis: one finding about a run, with the numbers behind it and a change to try."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

SEVERITIES: tuple[str, ...] = ("info", "warning", "error")  # least to most serious


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
class Diagnosis:
    """A named problem found in a run.

    Attributes:
        name: the rule that found it (a key of ``trainlab.diagnose.RULES``).
        severity: one of SEVERITIES.
        layer: the weight layer or activation call site concerned, or None for the run.
        steps: (first, last) optimizer steps the evidence covers, 1-based, inclusive.
        evidence: the numbers that triggered it, each against its threshold.
        explanation: one sentence: what the numbers mean.
        suggestion: one sentence: a change to try.
        changes: the suggestion in config terms, ``(("optim.lr", 1e-3), ...)``; empty
            when it cannot be said in config terms.
    """

    name: str
    severity: str
    layer: str | None
    steps: tuple[int, int]
    evidence: tuple[Evidence, ...]
    explanation: str
    suggestion: str
    changes: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:  # a rule's mistake, not a user's
            raise ValueError(f"severity {self.severity!r}; expected one of {SEVERITIES}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for run.json and reports."""
        return {
            "name": self.name,
            "severity": self.severity,
            "layer": self.layer,
            "steps": list(self.steps),
            "evidence": [e.to_dict() for e in self.evidence],
            "explanation": self.explanation,
            "suggestion": self.suggestion,
            "changes": {key: _number(value) for key, value in self.changes},
        }

    def where(self) -> str:
        """Steps and layer in words, e.g. ``"steps 120-400 in hidden2.act"``."""
        first, last = self.steps
        span = f"step {first}" if first == last else f"steps {first}-{last}"
        return f"{span} in {self.layer}" if self.layer else span


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "nan", "inf", "-inf": strict JSON has no such numbers
    return value
