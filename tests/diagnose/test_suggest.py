"""One rule for the learning rate: re-initialise when a problem is there at step 1, else
lower the rate tenfold, never above the safe rate of the run's optimizer."""

from __future__ import annotations

import numpy as np
import pytest

from trainlab.diagnose.evidence import RunView
from trainlab.diagnose.suggest import SAFE_LR, lower_rate, lr_change, reinitialise_or_lower_rate


def _run(lr: float | None, optimizer: str | None) -> RunView:
    return RunView(n_steps=20, train_loss=np.ones(20), lr=lr, optimizer=optimizer)


@pytest.mark.parametrize(
    ("lr", "optimizer", "suggested"),
    [
        (1e4, "adam", 1e-3),  # tenfold would be 1e3: capped at Adam's safe rate
        (0.005, "adam", 5e-4),  # tenfold is already below it
        (0.01, "adam", 1e-3),  # tenfold lands on it
        (5.0, "sgd", 0.1),  # SGD's safe rate is higher
        (0.5, "sgd", 0.05),
        (1.0, None, 0.1),  # a user's own optimizer (Adadelta lr 1.0): no cap is known
    ],
)
def test_lowering_never_suggests_a_rate_above_the_safe_range(lr, optimizer, suggested):
    changes, sentence = lower_rate(_run(lr, optimizer), "so it stops")
    assert changes == (("optim.lr", suggested),)
    assert f"optim.lr = {suggested:g} (the run used {lr:g})" in sentence
    safe = SAFE_LR.get(optimizer or "")
    if safe is None:
        assert "at most" not in sentence
    else:
        assert f"to at most {safe.value:g} for {optimizer}" in sentence


def test_raising_the_rate_is_not_capped():
    assert lr_change(_run(1e-5, "adam"), 1000.0) == (("optim.lr", 1e-2),)


def test_without_a_known_rate_the_sentence_names_the_key():
    changes, sentence = lower_rate(_run(None, "adam"), "so it stops")
    assert changes == () and sentence.endswith("(optim.lr).")


def test_step_1_blames_the_initialisation_and_later_steps_the_rate():
    run = _run(0.5, "adam")
    reinit = ((("model.mlp.init", "he"),), "Initialise with He.")
    assert reinitialise_or_lower_rate(run, 1, reinitialise=reinit, why_lower="x") == reinit
    changes, _ = reinitialise_or_lower_rate(run, 2, reinitialise=reinit, why_lower="x")
    assert changes == (("optim.lr", 1e-3),)
