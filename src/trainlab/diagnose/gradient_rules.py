"""Rules read from the gradients and updates of each layer: exploding, vanishing."""

from __future__ import annotations

import math

import numpy as np

from trainlab.diagnose.diagnosis import Evidence, Finding
from trainlab.diagnose.evidence import RunView, nanmedian
from trainlab.diagnose.suggest import reinitialise_or_lower_rate
from trainlab.diagnose.thresholds import EXPLODING_RELATIVE, MIN_STEPS, VANISHING_RATIO

SQUASHING = ("Sigmoid", "Tanh", "Hardsigmoid", "Hardtanh", "Softsign")  # derivative <= 1


def exploding_gradients(run: RunView) -> list[Finding]:
    """A layer's gradient norm above EXPLODING_RELATIVE x the norm of its weights."""
    worst, layer = 0.0, None
    for name in run.layers:
        relative = run.relative_gradient(name)
        peak = float(np.nanmax(relative)) if np.isfinite(relative).any() else math.nan
        if peak > worst:
            worst, layer = peak, name
    if layer is None or not worst > EXPLODING_RELATIVE.value:
        return []
    over = np.flatnonzero(run.relative_gradient(layer) > EXPLODING_RELATIVE.value)
    first, last = int(over[0]) + 1, int(over[-1]) + 1
    reinitialise = (
        ((run.model_key("init"), "he"),),
        f"Initialise for the activation ({run.model_key('init')} = 'he' for ReLU, 'xavier' "
        "for tanh/sigmoid), so signals keep their scale.",
    )
    changes, suggestion = reinitialise_or_lower_rate(
        run, first, reinitialise=reinitialise, why_lower="so one step cannot throw the weights off"
    )
    if first > 1:
        suggestion += " Clipping gradients (torch.nn.utils.clip_grad_norm_) also bounds a step."
    return [
        Finding(
            layer=layer,
            steps=(first, last),
            evidence=(
                Evidence.of(
                    f"largest gradient norm / weight norm of {layer}",
                    worst,
                    ">",
                    EXPLODING_RELATIVE,
                ),
            ),
            explanation="The gradient dwarfs the weights it updates: one step can throw them "
            "anywhere, and activations and gradients grow layer after layer.",
            suggestion=suggestion,
            changes=changes,
        )
    ]


def vanishing_gradients(run: RunView) -> list[Finding]:
    """The first layer's relative gradient (or update) orders of magnitude below the last's."""
    if len(run.layers) < 2 or run.n_steps < MIN_STEPS:
        return []
    if "grad_norm" in run.captured:
        quantity = "median late gradient norm / weight norm"
        per_layer = {name: nanmedian(run.late(run.relative_gradient(name))) for name in run.layers}
    else:
        quantity = "median late update_ratio"
        per_layer = {
            name: nanmedian(run.late(run.signal("update_ratio", name))) for name in run.layers
        }
    first, last = run.layers[0], run.layers[-1]
    if not (per_layer[last] > 0 and math.isfinite(per_layer[first])):
        return []  # nothing flows even at the top: a dead network, not a vanishing gradient
    ratio = per_layer[first] / per_layer[last]
    if not ratio < VANISHING_RATIO.value:
        return []
    squashing = any(kind in SQUASHING for kind in run.site_types.values())
    if squashing:
        changes = ((run.model_key("activation"), "relu"), (run.model_key("init"), "he"))
        suggestion = (
            "Use ReLU with He initialisation "
            f"({run.model_key('activation')} = 'relu', {run.model_key('init')} = "
            "'he'): its derivative is 1 where active, not at most 1/4."
        )
    else:
        changes = ((run.model_key("batch_norm"), "before"),)
        suggestion = (
            f"Normalise each layer ({run.model_key('batch_norm')} = 'before'), or "
            "add skip connections."
        )
    return [
        Finding(
            layer=first,
            steps=run.late_steps(),
            evidence=(Evidence.of(f"{quantity}: {first} / {last}", ratio, "<", VANISHING_RATIO),),
            explanation="The first layer learns orders of magnitude slower than the last: the "
            "gradient shrinks on its way back through the layers.",
            suggestion=suggestion,
            changes=changes,
        )
    ]
