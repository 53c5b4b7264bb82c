"""Rules read from each activation call site: dead ReLU units, saturated outputs."""

from __future__ import annotations

import numpy as np

from trainlab.diagnose.diagnosis import Evidence, Finding
from trainlab.diagnose.evidence import RunView, nanmedian
from trainlab.diagnose.suggest import reinitialise_or_lower_rate
from trainlab.diagnose.thresholds import MOST_STEPS, MOSTLY, SATURATED_AT_START, START

# Activations whose negative side passes back exactly no gradient: a unit never
# positive over a batch does not learn from it. LeakyReLU, ELU, GELU, ... still do.
DYING: tuple[str, ...] = ("ReLU", "ReLU6")


def dying_relu(run: RunView) -> list[Finding]:
    """A ReLU site with most units dead (never positive over the batch) on most late steps."""
    found = []
    for site, kind in run.site_types.items():
        if kind not in DYING:
            continue
        dead = run.signal("dead_frac", site)
        share = _share(run.late(dead))
        if share is None or not share >= MOST_STEPS.value:
            continue
        first = _first_step_at_or_above(dead, MOSTLY.value)
        born_dead = first == 1
        reinitialise = (
            ((run.model_key("init"), "he"),),
            f"Initialise with He weights and zero biases ({run.model_key('init')} = 'he'), "
            "or use LeakyReLU, which passes a gradient when negative.",
        )
        changes, suggestion = reinitialise_or_lower_rate(
            run, first, reinitialise=reinitialise,
            why_lower="so large steps stop knocking units out",
        )  # fmt: skip
        found.append(
            Finding(
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


def saturation(run: RunView) -> list[Finding]:
    """A bounded activation saturated from its first steps and on most late steps."""
    found = []
    for site in run.sites:
        saturated = run.signal("saturated_frac", site)
        share, start = _share(run.late(saturated)), nanmedian(saturated[:START])
        if share is None or not (share >= MOST_STEPS.value and start >= SATURATED_AT_START.value):
            continue
        found.append(
            Finding(
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


def _first_step_at_or_above(values: np.ndarray, limit: float) -> int:
    """The first 1-based step whose value is at or above `limit` (1: the network as
    initialised, before any update); 0 when none is."""
    over = np.flatnonzero(values >= limit)
    return int(over[0]) + 1 if len(over) else 0
