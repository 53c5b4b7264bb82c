"""The registry of rules and `diagnose`, which runs them over a Record and a History."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from trainlab.diagnose import activation_rules, gradient_rules, loss_rules
from trainlab.diagnose.diagnosis import SEVERITIES, Diagnosis, Finding, most_serious_first
from trainlab.diagnose.evidence import RunView, view
from trainlab.errors import ConfigError
from trainlab.monitor.record import Record
from trainlab.train.history import History


@dataclass(frozen=True)
class Rule:
    """One diagnosis and what it needs: its name and severity are said here, and only here.

    Attributes:
        name: the diagnosis it raises (its key in RULES).
        severity: how serious what it finds is (one of SEVERITIES).
        check: the pure function that decides, returning what it found.
        needs: signals of which at least one must have been captured (empty: the loss
            suffices); without them the rule is skipped, not run on NaN.
        summary: what it finds, in a few words.
    """

    name: str
    severity: str
    check: Callable[[RunView], list[Finding]]
    needs: tuple[str, ...]
    summary: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.name}: severity {self.severity!r}; expected {SEVERITIES}")

    def run(self, view: RunView) -> list[Diagnosis]:
        """The rule's diagnoses of a run (none when its check finds nothing)."""
        return [Diagnosis.found(self.name, self.severity, f) for f in self.check(view)]


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("diverged", "error", loss_rules.diverged, (),
             "non-finite or exploding loss or weights"),
        Rule("exploding_gradients", "error", gradient_rules.exploding_gradients, ("grad_norm",),
             "gradients far larger than the weights"),
        Rule("vanishing_gradients", "warning", gradient_rules.vanishing_gradients,
             ("grad_norm", "update_ratio"), "early layers learning orders of magnitude slower"),
        Rule("dying_relu", "warning", activation_rules.dying_relu, ("dead_frac",),
             "ReLU units that never turn on"),
        Rule("saturation", "warning", activation_rules.saturation, ("saturated_frac",),
             "tanh/sigmoid outputs stuck at their bounds"),
        Rule("lr_too_high", "warning", loss_rules.lr_too_high, ("update_ratio",),
             "large updates and a loss that does not fall"),
        Rule("lr_too_low", "warning", loss_rules.lr_too_low, ("update_ratio",),
             "tiny updates and a flat loss"),
        Rule("overfitting", "warning", loss_rules.overfitting, (),
             "validation loss rising while training loss falls"),
        Rule("not_converged", "info", loss_rules.not_converged, (),
             "loss still falling at the end"),
    )
}  # fmt: skip


def diagnose(
    record: Record | None, history: History | None = None, *, rules: Iterable[str] | None = None
) -> list[Diagnosis]:
    """Every diagnosis of a run, most serious first (then by step).

    Args:
        record: the Monitor's record (``monitor.to_record()`` or ``Record.load``), or None.
        history: fit's History, or None.
        rules: names of the rules to run (keys of RULES); None: all.

    Raises:
        ConfigError: an unknown rule name.
    """
    names = list(RULES) if rules is None else list(rules)
    unknown = [name for name in names if name not in RULES]
    if unknown:
        raise ConfigError(f"unknown diagnosis {unknown[0]!r}; expected one of {list(RULES)}")
    run = view(record, history)
    found: list[Diagnosis] = []
    for name in names:
        rule = RULES[name]
        if rule.needs and not set(rule.needs) & run.captured:
            continue
        found += rule.run(run)
    return most_serious_first(found)


def skipped(
    record: Record | None, history: History | None = None, *, rules: Iterable[str] | None = None
) -> dict[str, str]:
    """The rules `diagnose` skips on a run, each with why: the signals it needs were not
    captured, for the reason the record's ``meta["missing_signals"]`` gives."""
    run = view(record, history)
    missing = record.meta.get("missing_signals", {}) if record is not None else {}
    why = {}
    for name in list(RULES) if rules is None else list(rules):
        needs = RULES[name].needs
        if needs and not set(needs) & run.captured:
            reasons = "; ".join(dict.fromkeys(missing.get(s, "not captured") for s in needs))
            why[name] = f"needs {' or '.join(needs)}: {reasons}"
    return why
