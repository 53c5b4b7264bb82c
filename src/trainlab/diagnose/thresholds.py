"""Every threshold a diagnosis uses, with its source or the measurement behind it.

"Measured" numbers come from `benchmarks/diagnosis.py`: MLPs on Fashion-MNIST
(2,000 training samples, batch 32, a few hundred steps), healthy configurations
against deliberately broken ones; docs/diagnose.md has the table.
"""

from __future__ import annotations

from trainlab.diagnose.diagnosis import Threshold

KARPATHY = (
    "Karpathy's rule of thumb: updates ~1e-3 of the weights (CS231n notes, 'Ratio of "
    "weights:updates'; 'A Recipe for Training Neural Networks', 2019)"
)

# -- parts of a run ---------------------------------------------------------------------

LATE = 0.5  # the late part of a run is its second half: the first steps are transients
START = 10  # the first steps: the network much as it was initialised
MIN_STEPS = 10  # fewer steps say nothing about a trend (a run of one step, a live check)

# -- the loss ---------------------------------------------------------------------------

DIVERGE_FACTOR = Threshold(
    100.0,
    "measured: healthy runs peak at 1.06x their first loss, a run that recovered at 7.3x "
    "(Adam lr 0.05); runs that blew up passed 1e7x (SGD lr 2, Adam lr 10)",
)
NOT_HALVED = Threshold(
    0.5,
    "measured: healthy runs' late loss is 0.05-0.11x their first loss (15 runs); at "
    "Adam lr 0.05 it stays at 0.91x",
)
RISE = Threshold(
    2.0,
    "measured: healthy runs end at most 1.24x their lowest validation loss (SGD lr 0.1, "
    "early stopping after 3 epochs); SGD at lr 0.5 ends 2.54x above it",
)
FLAT = Threshold(
    0.9,
    "measured: lr 1e-7 (Adam) and 1e-5 (SGD) keep the loss within 1 % of its first value "
    "over 189 steps; a slow but working run loses more than 10 %",
)
OVERFIT_GL = Threshold(
    0.1,
    "Prechelt, 'Early Stopping - But When?' (1998): generalization loss GL = val / best "
    "val - 1; his stopping criteria use GL > 1-5 %, a finding needs more: 10 %",
)
OVERFIT_POINTS = Threshold(
    5,
    "Prechelt's UP criterion (validation loss up over successive strips): more epochs "
    "above the minimum than early stopping's usual patience of 3",
)
STILL_FALLING = Threshold(
    0.05,
    "measured: a 40-step run's validation loss fell 14 % over its last quarter, to a new "
    "low; healthy runs' at most 5.1 %, and never to a new low (early stopping ended them)",
)

# -- the update and the gradient ---------------------------------------------------------

HIGH_UPDATE_RATIO = Threshold(
    5e-3,
    KARPATHY + "; measured: healthy runs' median over layers 3.6e-4 to 9.3e-3 (SGD lr "
    "0.1), too high a rate 7.7e-3 (Adam lr 0.05) and 9e-2 (SGD lr 0.5)",
)
LOW_UPDATE_RATIO = Threshold(
    1e-4,
    KARPATHY + ", ten times less; measured: lr 1e-7 (Adam) and 1e-5 (SGD) give 1e-6, "
    "healthy runs 3.6e-4 and more",
)
LIVE_GRADIENT = Threshold(
    1e-3,
    "measured: healthy layers' gradient norm / weight norm is 1e-2 to 5e-1; below 1e-3 the "
    "gradient, not the rate, is what is small",
)
VANISHING_RATIO = Threshold(
    1e-2,
    "two orders of magnitude (Glorot & Bengio, 2010; Hochreiter, 1991: gradients shrink "
    "geometrically with depth); measured: healthy runs' first / last layer ratio 0.14 to "
    "1.8, 10 sigmoid layers at 0.1x init 3e-18",
)
EXPLODING_RELATIVE = Threshold(
    100.0,
    "measured: healthy runs' largest gradient norm / weight norm is at most 2.0, Adam at "
    "lr 0.05 reaches 16; runs that blew up 170 (SGD lr 2) to 4e9 (8 ReLU layers at 2.5x "
    "He init); Pascanu et al. (2013) on exploding gradients",
)

# -- activations ------------------------------------------------------------------------

MOSTLY = Threshold(0.5, "'most units': more than half of them")
MOST_STEPS = Threshold(
    0.8,
    "measured: no late step of a healthy ReLU run has half its units dead; dead or "
    "saturated layers of broken runs stay so on every late step (share 1.0)",
)
SATURATED_AT_START = Threshold(
    0.5,
    "measured: tanh or sigmoid at 8-16x the default init start 54-67 % saturated and "
    "reach a best validation loss of 1.2 against 0.5; healthy layers start below 20 % (a "
    "sigmoid first layer then saturates on 99 % of late steps under Adam, at no cost)",
)
