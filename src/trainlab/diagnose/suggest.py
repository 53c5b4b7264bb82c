"""Suggestions in config terms: the changes a diagnosis proposes, and their sentences."""

from __future__ import annotations

from typing import Any

from trainlab.diagnose.evidence import RunView


def rate(value: float) -> float:
    """A learning rate to one significant digit: a number to type into a config."""
    return float(f"{value:.0e}")


def lr_change(run: RunView, factor: float, *, most: float | None = None) -> tuple:
    """``(("optim.lr", new),)`` for the run's rate times `factor` (at most `most`); empty
    when the History does not say the rate."""
    if not run.lr:
        return ()
    new = run.lr * factor
    return (("optim.lr", rate(min(new, most) if most is not None else new)),)


def lr_sentence(run: RunView, changes: tuple[tuple[str, Any], ...], action: str) -> str:
    """`action` with the concrete rate when there is one: "Lower ...: optim.lr = 1e-4 (the
    run used 0.001)."."""
    if changes:
        return f"{action}: optim.lr = {changes[0][1]:g} (the run used {run.lr:g})."
    return f"{action} (optim.lr)."
