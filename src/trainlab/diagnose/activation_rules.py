"""Rules read from each activation call site: dead ReLU units, saturated outputs."""

from __future__ import annotations

import numpy as np

from trainlab.diagnose.diagnosis import Diagnosis, Evidence
from trainlab.diagnose.evidence import RunView, nanmedian
from trainlab.diagnose.suggest import lr_change, lr_sentence
from trainlab.diagnose.thresholds import MOST_STEPS, MOSTLY, SATURATED_AT_START, START

# Activations whose negative side passes back exactly no gradient: a unit never
# positive over a batch does not learn from it. LeakyReLU, ELU, GELU, ... still do.
DYING: tuple[str, ...] = ("ReLU", "ReLU6")


def dying_relu(run: RunView) -> list[Diagnosis]:
    """A ReLU site with most units dead (never positive over the batch) on most late steps."""
    found = []
    for site, kind in run.site_types.items():
        if kind not in DYING:
            continue
        dead = run.signal("dead_frac", site)
        share = _share(run.late(dead))
        if share is None or not share >= MOST_STEPS.value:
            continue
        born_dead = _from_start(dead)
        if born_dead:
            changes = ((run.model_key("init"), "he"),)
            suggestion = (
                f"Initialise with He weights and zero biases ({run.model_key('init')}"
                " = 'he'), or use LeakyReLU, which passes a gradient when negative."
            )
        else:
            changes = lr_change(run, 0.1)
            suggestion = lr_sentence(
                run,
                changes,
                "Lower the learning rate tenfold, so large steps stop knocking units out",
            )
        found.append(
            Diagnosis(
                name="dying_relu",
                severity="warning",
                layer=site,
                steps=run.late_steps(),
                evidence=(
                    Evidence.of(
                        f"median late dead_frac of {site}", nanmedian(run.late(dead)), ">=", MOSTLY
                    ),
                    Evidence.of(
                        f"share of late steps with dead_frac >= {MOSTLY.value:g}",
                        share,
                        ">=",
                        MOST_STEPS,
                    ),
                ),
                explanation=f"Most units of {site} never turn on: they output 0 and pass back no "
                "gradient, so they cannot recover"
                + (" (they were dead from the first step)." if born_dead else "."),
                suggestion=suggestion,
                changes=changes,
            )
        )
    return found


def saturation(run: RunView) -> list[Diagnosis]:
    """A bounded activation saturated from its first steps and on most late steps."""
    found = []
    for site in run.sites:
        saturated = run.signal("saturated_frac", site)
        share, start = _share(run.late(saturated)), nanmedian(saturated[:START])
        if share is None or not (share >= MOST_STEPS.value and start >= SATURATED_AT_START.value):
            continue
        found.append(
            Diagnosis(
                name="saturation",
                severity="warning",
                layer=site,
                steps=run.late_steps(),
                evidence=(
                    Evidence.of(
                        f"median saturated_frac of {site} over the first {START} steps",
                        start,
                        ">=",
                        SATURATED_AT_START,
                    ),
                    Evidence.of(
                        f"share of late steps with saturated_frac >= {MOSTLY.value:g}",
                        share,
                        ">=",
                        MOST_STEPS,
                    ),
                ),
                explanation=f"Most outputs of {site} sit at a flat end of the activation from "
                "the start, where its derivative is under a tenth of its peak: little gradient "
                "gets through.",
                suggestion="Initialise so pre-activations start in the linear range "
                f"({run.model_key('init')} = 'xavier', Glorot & Bengio 2010).",
                changes=((run.model_key("init"), "xavier"),),
            )
        )
    return found


def _share(values: np.ndarray) -> float | None:
    """Share of the finite values at or above MOSTLY; None when none is finite."""
    finite = values[np.isfinite(values)]
    return float(np.mean(finite >= MOSTLY.value)) if len(finite) else None


def _from_start(values: np.ndarray) -> bool:
    """At or above MOSTLY at the first step: the network as initialised, before any update."""
    return bool(nanmedian(values[:1]) >= MOSTLY.value)
