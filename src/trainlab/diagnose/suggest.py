"""Suggestions in config terms: the changes a diagnosis proposes, and their sentences.

One rule for the learning rate: a problem already there at step 1, before any
update, is the initialisation's; after that it is the rate's, lowered tenfold but
never above the safe rate of the run's optimizer (`SAFE_LR`), so two rules never
suggest two different rates for one run.
"""

from __future__ import annotations

from typing import Any

from trainlab.diagnose.diagnosis import Threshold
from trainlab.diagnose.evidence import RunView

Changes = tuple[tuple[str, Any], ...]

LOWER = 0.1  # a rate found too high is lowered tenfold: one decade, the grid step of lr sweeps
# The largest rate suggested after a problem, per optimizer (none known: only tenfold).
SAFE_LR: dict[str, Threshold] = {
    "adam": Threshold(1e-3, "Adam's default rate (Kingma & Ba, 2015), which trains every "
                      "healthy configuration of benchmarks/diagnosis.py"),
    "adamw": Threshold(1e-3, "AdamW's default rate (Loshchilov & Hutter, 2019; as Adam's)"),
    "sgd": Threshold(0.1, "the usual start of SGD with momentum on image classifiers (He et "
                     "al., 2016); measured: SGD at lr 0.1 trains, at 0.5 ends 2.5x above its "
                     "lowest validation loss"),
}  # fmt: skip


def rate(value: float) -> float:
    """A learning rate to one significant digit: a number to type into a config."""
    return float(f"{value:.0e}")


def lr_change(run: RunView, factor: float) -> Changes:
    """``(("optim.lr", new),)`` for the run's rate times `factor`, never above the safe
    rate of its optimizer when `factor` lowers it; empty when the History does not say
    the rate."""
    if not run.lr:
        return ()
    new = run.lr * factor
    safe = SAFE_LR.get(run.optimizer or "")
    if factor < 1 and safe is not None:
        new = min(new, safe.value)
    return (("optim.lr", rate(new)),)


def lr_sentence(run: RunView, changes: Changes, action: str) -> str:
    """`action` with the concrete rate when there is one: "Lower ...: optim.lr = 1e-4 (the
    run used 0.001)."."""
    if changes:
        return f"{action}: optim.lr = {changes[0][1]:g} (the run used {run.lr:g})."
    return f"{action} (optim.lr)."


def lower_rate(run: RunView, why: str) -> tuple[Changes, str]:
    """Lower the rate tenfold (at most the optimizer's safe rate), `why` said after it."""
    changes = lr_change(run, LOWER)
    safe = SAFE_LR.get(run.optimizer or "")
    most = f", to at most {safe.value:g} for {run.optimizer}" if safe is not None else ""
    return changes, lr_sentence(run, changes, f"Lower the learning rate tenfold{most}, {why}")


def reinitialise_or_lower_rate(
    run: RunView, first_step: int, *, reinitialise: tuple[Changes, str], why_lower: str
) -> tuple[Changes, str]:
    """`reinitialise` (its changes and sentence) when the problem shows at step 1, before any
    update could have caused it; else `lower_rate(run, why_lower)`."""
    if first_step == 1:
        return reinitialise
    return lower_rate(run, why_lower)
