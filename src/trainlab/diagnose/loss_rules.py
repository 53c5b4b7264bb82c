"""Rules read from the loss: divergence, the learning rate, overfitting, convergence.

Each check is a pure function ``RunView -> list[Finding]`` (the registry names it and
gives its severity); thresholds and their sources are in `trainlab.diagnose.thresholds`.
"""

from __future__ import annotations

import math

import numpy as np

from trainlab.diagnose.diagnosis import Evidence, Finding, Threshold
from trainlab.diagnose.evidence import RunView, nanmedian
from trainlab.diagnose.suggest import lower_rate, lr_change, lr_sentence
from trainlab.diagnose.thresholds import (
    DIVERGE_FACTOR,
    FLAT,
    HIGH_UPDATE_RATIO,
    LIVE_GRADIENT,
    LOW_UPDATE_RATIO,
    MIN_STEPS,
    NOT_HALVED,
    OVERFIT_GL,
    OVERFIT_POINTS,
    RISE,
    STILL_FALLING,
)

NONFINITE = Threshold(0.0, "any NaN or inf: float arithmetic does not come back from it")
# A rate too low is raised toward updates of KARPATHY's ~1e-3, by 10x to 1000x.
TARGET_UPDATE_RATIO = 1e-3
LONGER = 4  # a run still improving is suggested four times as many epochs,
MIN_EPOCHS = 20  # and at least this many, with early stopping to end it


def diverged(run: RunView) -> list[Finding]:
    """Non-finite loss or weights, or a loss that exploded to DIVERGE_FACTOR x its first."""
    found: list[tuple[int, Evidence]] = []  # (first step it shows, evidence)
    if run.status == "diverged":  # fit saw a non-finite loss
        step = run.stop_step or run.n_steps
        found.append((step, Evidence.of("non-finite training loss (fit)", 1, ">", NONFINITE)))
    infinite = np.flatnonzero(np.isinf(run.train_loss))  # NaN may be "not logged"; inf not
    if len(infinite):
        quantity = "steps with an infinite training loss"
        found.append((int(infinite[0]) + 1, Evidence.of(quantity, len(infinite), ">", NONFINITE)))
    for layer, fraction in run.weight_nonfinite.items():
        bad = np.flatnonzero(fraction > 0)
        if len(bad):
            quantity, worst = f"fraction of NaN/inf weights in {layer}", np.nanmax(fraction)
            found.append((int(bad[0]) + 1, Evidence.of(quantity, worst, ">", NONFINITE)))
    initial = run.initial_loss
    if initial > 0 and np.isfinite(run.train_loss).any():
        peak = float(np.nanmax(np.where(np.isfinite(run.train_loss), run.train_loss, np.nan)))
        if peak > DIVERGE_FACTOR.value * initial:
            step = int(np.argmax(run.train_loss > DIVERGE_FACTOR.value * initial)) + 1
            quantity = "largest training loss / first training loss"
            found.append((step, Evidence.of(quantity, peak / initial, ">", DIVERGE_FACTOR)))
    if not found:
        return []
    found.sort(key=lambda item: item[0])
    first = found[0][0]
    changes, suggestion = lower_rate(run, "so the updates stop overshooting")
    return [
        Finding(
            layer=None,
            steps=(first, max(first, run.n_steps)),
            evidence=tuple(evidence for _, evidence in found),
            explanation="The training loss or the weights left the finite numbers (or the loss "
            "exploded): the updates overshot and fed on themselves.",
            suggestion=suggestion,
            changes=changes,
        )
    ]


def lr_too_high(run: RunView) -> list[Finding]:
    """Large updates relative to the weights, and a loss that has not even halved or that
    rose back far above its lowest value."""
    ratio, initial, late = _median_ratio(run), run.initial_loss, run.late_loss()
    if run.n_steps < MIN_STEPS or not (initial > 0 and math.isfinite(late)):
        return []
    if not ratio > HIGH_UPDATE_RATIO.value:
        return []
    symptoms = []
    if late > NOT_HALVED.value * initial:
        symptoms.append(
            Evidence.of("late training loss / first training loss", late / initial, ">", NOT_HALVED)
        )
    curve = run.val if run.val is not None else run.train
    if curve is not None and np.isfinite(curve.values).any():
        rise = float(curve.values[-1] / np.nanmin(curve.values))
        if rise >= RISE.value:
            which = "validation" if curve is run.val else "training"
            symptoms.append(Evidence.of(f"final / lowest {which} loss", rise, ">=", RISE))
    if not symptoms:
        return []
    changes, suggestion = lower_rate(run, "so each step stays inside the valley")
    return [
        Finding(
            layer=None,
            steps=run.late_steps(),
            evidence=(
                Evidence.of(
                    "median late update_ratio, median over layers", ratio, ">", HIGH_UPDATE_RATIO
                ),
                *symptoms,
            ),
            explanation="Each step moves the weights by a large fraction of themselves, and the "
            "loss bounces instead of falling: the steps overshoot the valley.",
            suggestion=suggestion,
            changes=changes,
        )
    ]


def lr_too_low(run: RunView) -> list[Finding]:
    """Tiny updates although the gradient is not tiny, and a flat loss."""
    ratio, initial, late = _median_ratio(run), run.initial_loss, run.late_loss()
    if run.n_steps < MIN_STEPS or not (initial > 0 and math.isfinite(late)):
        return []
    if not (0 < ratio < LOW_UPDATE_RATIO.value and late > FLAT.value * initial):
        return []
    evidence = [
        Evidence.of("median late update_ratio, median over layers", ratio, "<", LOW_UPDATE_RATIO),
        Evidence.of("late training loss / first training loss", late / initial, ">", FLAT),
    ]
    if "grad_norm" in run.captured:  # a small gradient would be another problem
        gradient = nanmedian(
            [nanmedian(run.late(run.relative_gradient(layer))) for layer in run.layers]
        )
        if not gradient > LIVE_GRADIENT.value:
            return []
        evidence.append(
            Evidence.of(
                "median late gradient norm / weight norm, over layers", gradient, ">", LIVE_GRADIENT
            )
        )
    factor = min(max(TARGET_UPDATE_RATIO / ratio, 10.0), 1000.0)
    changes = lr_change(run, factor)
    return [
        Finding(
            layer=None,
            steps=run.late_steps(),
            evidence=tuple(evidence),
            explanation="The gradient is there but each step barely moves the weights, so the "
            "loss stays where it started.",
            suggestion=lr_sentence(
                run,
                changes,
                f"Raise the learning rate about {factor:.0f}x, toward "
                "updates of ~1e-3 of the weights",
            ),
            changes=changes,
        )
    ]


def overfitting(run: RunView) -> list[Finding]:
    """Validation loss risen from its minimum for several points while training loss fell."""
    val, train = run.val, run.train
    if val is None or len(val) < OVERFIT_POINTS.value + 1 or not np.isfinite(val.values).any():
        return []
    best = int(np.nanargmin(val.values))
    after = len(val) - 1 - best
    gl = float(val.values[-1] / val.values[best] - 1)
    if not (after >= OVERFIT_POINTS.value and gl > OVERFIT_GL.value):
        return []
    if train is not None and len(train) == len(val) and not train.values[-1] < train.values[best]:
        return []  # training loss did not fall meanwhile: not overfitting
    start = int(val.steps[best]) + 1
    return [
        Finding(
            layer=None,
            steps=(start, run.n_steps),
            evidence=(
                Evidence.of(
                    "generalization loss GL = final / lowest validation loss - 1",
                    gl,
                    ">",
                    OVERFIT_GL,
                ),
                Evidence.of(
                    f"{val.unit}s with the validation loss above its minimum",
                    after,
                    ">=",
                    OVERFIT_POINTS,
                ),
            ),
            explanation=f"The validation loss was lowest at {val.unit} {best + 1} (step "
            f"{start - 1}) and rose {gl:.0%} since while the training loss kept falling: the "
            "model learns its training samples, not the task.",
            suggestion="Stop early and keep the best weights (train.early_stopping = "
            "'patience', train.patience = 3); or regularize (optim.weight_decay, "
            f"{run.model_key('dropout')}) or train on more data.",
            changes=(("train.early_stopping", "patience"), ("train.patience", 3)),
        )
    ]


def not_converged(run: RunView) -> list[Finding]:
    """The (validation, else training) loss still falling over the run's last quarter."""
    curve = run.val if run.val is not None else run.train
    if curve is None or len(curve) < 4 or run.n_steps < MIN_STEPS or run.status == "diverged":
        return []  # a diverged run did not end for lack of steps
    values = curve.values
    start = int(math.floor(0.75 * (len(values) - 1)))
    tail = values[start:]
    if not (np.isfinite(tail).all() and values[start] > 0):
        return []
    drop = float((values[start] - values[-1]) / values[start])
    # Still falling: the last point is the run's best, well below the last quarter's start.
    if not (drop > STILL_FALLING.value and values[-1] <= np.nanmin(values)):
        return []
    which = "validation" if curve is run.val else "training"
    # Train on, and stop when the validation loss stops improving.
    changes = (
        ("train.epochs", max(LONGER * max(run.epochs, 1), MIN_EPOCHS)),
        ("train.max_steps", 0),
        ("train.early_stopping", "patience"),
    )
    return [
        Finding(
            layer=None,
            steps=(int(curve.steps[start]) + 1, run.n_steps),
            evidence=(
                Evidence.of(
                    f"fall of the {which} loss over the last quarter of the run",
                    drop,
                    ">",
                    STILL_FALLING,
                ),
            ),
            explanation=f"The {which} loss was still falling when training ended: the run "
            "stopped before the model finished learning.",
            suggestion="Train longer and stop at the best validation loss ("
            + ", ".join(f"{key} = {value!r}" for key, value in changes)
            + ").",
            changes=tuple(changes),
        )
    ]


def _median_ratio(run: RunView) -> float:
    """Median over layers of each layer's median late update_ratio (NaN if none)."""
    return nanmedian(
        [nanmedian(run.late(run.signal("update_ratio", layer))) for layer in run.layers]
    )
