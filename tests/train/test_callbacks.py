"""EarlyStopping / KeepBest: scripted decision tables, real weight restore, state round trip."""

import math

import pytest
import torch
from torch import nn

from trainlab.data import TensorLoader
from trainlab.errors import ConfigError
from trainlab.models import mlp
from trainlab.train import EarlyStopping, KeepBest, TrainState, evaluate, fit
from trainlab.train.history import History

NAN = math.nan

# (values per epoch, mode, patience, min_delta, expected stop epoch or None, expected best epoch)
TABLE = [
    ([1.0, 0.9, 0.95, 0.96], "min", 2, 0.0, 4, 2),
    ([1.0, 0.9, 0.8, 0.7], "min", 2, 0.0, None, 4),
    ([1.0, 1.0], "min", 1, 0.0, 2, 1),  # equal is not an improvement
    ([1.0, 0.95, 0.92, 0.85], "min", 2, 0.1, 3, 1),  # improvements smaller than min_delta
    ([1.0, 0.85, 0.8, 0.7], "min", 2, 0.1, None, 4),
    ([0.5, 0.6, 0.6, 0.55], "max", 2, 0.0, 4, 2),
    ([0.5, 0.54, 0.56, 0.57], "max", 3, 0.05, None, 3),  # min_delta raises the bar for max too
    ([0.5, 0.54, 0.53], "max", 2, 0.05, 3, 1),
    ([1.0, NAN, NAN], "min", 2, 0.0, 3, 1),  # NaN never improves
    ([3.0, 2.0, 2.5, 1.0, 1.5, 1.6, 1.7], "min", 3, 0.0, 7, 4),  # wait resets on improvement
]


def _drive(callback, values, model=None):
    """Feed scripted epoch values through the callback as fit() would; return the state."""
    model = model or nn.Linear(2, 1)
    state = TrainState(model=model, optimizer=None, history=History())
    callback.on_train_begin(state)
    for epoch, value in enumerate(values, start=1):
        state.epoch = epoch
        state.metrics = {callback.monitor: value}
        with torch.no_grad():
            model.weight.fill_(epoch)  # weights tell which epoch they come from
        callback.on_epoch_end(state)
        if state.stop:
            break
    callback.on_train_end(state)
    return state


@pytest.mark.parametrize(("values", "mode", "patience", "min_delta", "stop", "best"), TABLE)
def test_early_stopping_table(values, mode, patience, min_delta, stop, best):
    monitor = "val_loss" if mode == "min" else "val_acc"
    callback = EarlyStopping(monitor, mode, patience=patience, min_delta=min_delta)
    state = _drive(callback, values)
    assert callback.stopped_epoch == stop
    assert state.stop is (stop is not None)
    assert callback.best_epoch == best
    assert state.history.best_epoch == best
    assert torch.all(state.model.weight == best)  # restored the copy taken at the best epoch


def test_keep_best_never_stops_and_restores_best():
    callback = KeepBest()
    state = _drive(callback, [1.0, 0.5, 0.7, 0.9, 0.95, 0.99, 1.2])
    assert not state.stop and callback.best_epoch == 2
    assert torch.all(state.model.weight == 2)


def test_restore_best_false_leaves_last_weights():
    callback = EarlyStopping(patience=1, restore_best=False)
    state = _drive(callback, [1.0, 0.5, 0.7])
    assert callback.best_epoch == 2 and callback.best_state is None
    assert torch.all(state.model.weight == 3)


def test_state_dict_round_trip_resumes_exactly():
    values = [1.0, 0.8, 0.9, 0.95, 0.85, 0.99]
    uninterrupted = EarlyStopping(patience=3)
    _drive(uninterrupted, values)
    first = EarlyStopping(patience=3)
    model = nn.Linear(2, 1)
    _drive(first, values[:3], model)
    resumed = EarlyStopping(patience=3)
    resumed.load_state_dict(first.state_dict())
    state = TrainState(model=model, optimizer=None, history=History())
    resumed.on_train_begin(state)
    for epoch, value in enumerate(values[3:], start=4):
        state.epoch, state.metrics = epoch, {"val_loss": value}
        resumed.on_epoch_end(state)
        if state.stop:
            break
    assert resumed.stopped_epoch == uninterrupted.stopped_epoch == 5
    assert resumed.best_epoch == uninterrupted.best_epoch == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_delta": -0.1}, "min_delta = -0.1; expected >= 0"),
        ({"mode": "lowest"}, "mode = 'lowest'"),
        ({"monitor": "val_accuracy"}, "monitor = 'val_accuracy'"),
        ({"patience": 0}, "patience = 0"),
    ],
)
def test_bad_arguments_raise_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        EarlyStopping(**kwargs)


def _overfitting_setup():
    """Few noisy samples and a wide net: validation loss rises after a few epochs."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 20, generator=g)
    y = (x[:, 0] > 0).long()
    flip = torch.rand(400, generator=g) < 0.3
    y = torch.where(flip, 1 - y, y)
    torch.manual_seed(0)
    model = mlp(20, [256, 256], 2)
    train = TensorLoader(x[:64], y[:64], 16, seed=0)
    val = TensorLoader(x[64:], y[64:], 336, shuffle=False)
    return model, train, val


def test_early_stopping_in_fit_restores_best_weights_as_a_real_copy():
    model, train, val = _overfitting_setup()
    callback = EarlyStopping(patience=3)
    history = fit(model, train, val, torch.optim.Adam(model.parameters(), lr=0.01), epochs=60,
                  callbacks=[callback], progress=False)  # fmt: skip
    frame = history.to_frame()
    assert history.status == "stopped"
    assert len(frame) == callback.stopped_epoch == history.best_epoch + 3 < 60
    best_val = frame.val_loss[history.best_epoch - 1]
    assert evaluate(model, val)["loss"] == pytest.approx(best_val, rel=1e-6)
    assert frame.val_loss.iloc[-1] > best_val  # restoring changed the model
    live = {p.data_ptr() for p in model.parameters()}
    assert not live & {t.data_ptr() for t in callback.best_state.values()}


def test_best_weights_restored_when_epochs_run_out():
    model, train, val = _overfitting_setup()
    callback = EarlyStopping(patience=100)
    history = fit(model, train, val, torch.optim.Adam(model.parameters(), lr=0.01), epochs=12,
                  callbacks=[callback], progress=False)  # fmt: skip
    assert history.status == "completed" and callback.stopped_epoch is None
    assert history.best_epoch < 12  # otherwise restoring would prove nothing
    best_val = history.to_frame().val_loss[history.best_epoch - 1]
    assert evaluate(model, val)["loss"] == pytest.approx(best_val, rel=1e-6)


def test_best_weights_restored_when_the_run_diverges():
    model, train, val = _overfitting_setup()
    calls = []

    def loss(output, y):
        calls.append(1)
        value = torch.nn.functional.cross_entropy(output, y)
        return value * math.nan if len(calls) > 10 else value  # epoch 3 (4 batches/epoch)

    callback = EarlyStopping(patience=100)
    history = fit(model, train, val, torch.optim.Adam(model.parameters(), lr=0.01), epochs=10,
                  loss=loss, callbacks=[callback], progress=False)  # fmt: skip
    assert history.status == "diverged" and len(history.epochs) == 3
    assert all(torch.isfinite(p).all() for p in model.parameters())
    best_val = history.to_frame().val_loss[history.best_epoch - 1]
    assert evaluate(model, val)["loss"] == pytest.approx(best_val, rel=1e-6)
