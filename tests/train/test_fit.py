"""fit(): what it records, evaluation semantics, budgets, divergence, schedulers, monitor."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.data import TensorLoader
from trainlab.errors import ConfigError
from trainlab.models import mlp
from trainlab.monitor import Monitor
from trainlab.train import (
    Callback,
    LRSchedule,
    MonitorLogger,
    evaluate,
    every,
    first_samples,
    fit,
    resolve_loss,
    seed_everything,
)
from trainlab.train.history import BATCH_COLUMNS, EPOCH_COLUMNS, History


def _model(seed=0, **kwargs):
    torch.manual_seed(seed)
    return mlp(8, [16], 3, **kwargs)


def test_fit_learns_and_records_epoch_and_batch_frames(loaders):
    train, val = loaders
    model = _model()
    history = fit(model, train, val, torch.optim.Adam(model.parameters(), lr=0.01),
                  epochs=3, progress=False)  # fmt: skip
    frame, batches = history.to_frame(), history.batch_frame()
    assert list(frame.columns) == list(EPOCH_COLUMNS)
    assert list(batches.columns) == list(BATCH_COLUMNS)
    assert frame.epoch.tolist() == [1, 2, 3]
    assert batches.step.tolist() == list(range(1, 31))
    assert batches.epoch.tolist() == [1] * 10 + [2] * 10 + [3] * 10
    assert history.status == "completed" and history.n_steps == 30
    assert frame.val_acc.iloc[-1] > 0.9 and frame.val_loss.iloc[-1] < frame.val_loss.iloc[0]
    assert frame.lr.tolist() == [0.01] * 3
    assert frame.time.is_monotonic_increasing and (frame.time > 0).all()
    # the running train loss is the sample-weighted mean of its batch losses (all of 32)
    for epoch, group in batches.groupby("epoch"):
        assert frame.train_loss_running[epoch - 1] == pytest.approx(group.loss.mean(), rel=1e-6)
        assert frame.grad_norm[epoch - 1] == pytest.approx(group.grad_norm.mean(), rel=1e-6)
    assert frame.val_loss.iloc[-1] == pytest.approx(evaluate(model, val)["loss"], rel=1e-6)
    # train metrics are measured as validation ones: eval mode, after the epoch
    assert frame.train_loss.iloc[-1] == pytest.approx(evaluate(model, train)["loss"], rel=1e-6)


def test_train_metrics_use_a_fixed_train_subset_in_eval_mode(loaders):
    train, val = loaders
    model = _model(dropout=0.5)
    history = fit(model, train, val, torch.optim.Adam(model.parameters(), lr=0.01), epochs=2,
                  train_eval_size=100, progress=False)  # fmt: skip
    subset = TensorLoader(train.x[:100], train.y[:100], 1024, shuffle=False)
    scores = evaluate(model, subset)
    last = history.epochs[-1]
    assert last["train_loss"] == pytest.approx(scores["loss"], rel=1e-6)
    assert last["train_acc"] == pytest.approx(scores["acc"])
    # dropout is off in eval mode: the scored loss differs from the running mean
    assert last["train_loss"] != pytest.approx(last["train_loss_running"], rel=1e-3)


def test_fit_matches_a_hand_written_loop_step_for_step(loaders):
    train, val = loaders
    model, reference = _model(), _model()
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                  epochs=2, progress=False)  # fmt: skip
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    ref_train = TensorLoader(train.x, train.y, 32, seed=0)
    losses, norms = [], []
    for _ in range(2):
        for xb, yb in ref_train:
            loss = F.cross_entropy(reference(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            grads = [p.grad.flatten() for p in reference.parameters()]
            norms.append(torch.cat(grads).norm().item())
            optimizer.step()
            losses.append(loss.item())
    assert history.batch_frame().loss.tolist() == losses
    assert history.batch_frame().grad_norm.tolist() == pytest.approx(norms, rel=1e-5)
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        assert torch.equal(p, q)


class _ModeSpy(nn.Module):
    """Identity layer that records (training, grad_enabled) at every forward call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, torch.is_grad_enabled()))
        return x


def test_validation_runs_in_eval_mode_without_grad_and_restores_mode(loaders):
    train, val = loaders
    spy = _ModeSpy()
    model = nn.Sequential(spy, _model())
    model.eval()  # the caller's mode must come back after fit
    fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    assert spy.calls[:10] == [(True, True)] * 10  # 320 / 32 training batches
    # then the fixed train subset (320 samples, one batch), then 160 / 64 validation batches
    assert spy.calls[10:] == [(False, False)] * 4
    assert not model.training


def test_max_steps_ends_inside_an_epoch(loaders):
    train, val = loaders
    model = _model()
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1),
                  max_steps=15, progress=False)  # fmt: skip
    assert history.n_steps == 15 and history.status == "completed"
    assert history.to_frame().epoch.tolist() == [1, 2]
    assert not math.isnan(history.to_frame().val_loss.iloc[-1])


def test_fit_requires_a_budget(loaders):
    train, val = loaders
    model = _model()
    with pytest.raises(ConfigError, match="epochs= or max_steps="):
        fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), progress=False)
    with pytest.raises(ConfigError, match="epochs = 0"):
        fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=0)


def _nan_after(n_calls):
    calls = []

    def loss(output, y):
        calls.append(1)
        value = F.cross_entropy(output, y)
        return value * math.nan if len(calls) > n_calls else value

    return loss


def test_non_finite_loss_stops_cleanly_with_status_diverged(loaders):
    train, val = loaders
    model = _model()
    # calls per epoch: 10 training batches, 1 train subset batch, 3 validation batches
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=5,
                  loss=_nan_after(14), progress=False)  # fmt: skip
    assert history.status == "diverged"
    assert history.stop_reason == "training loss became nan at step 11 (epoch 2)"
    assert history.stop_step == 11  # the first non-finite loss, found at the epoch's end
    assert len(history.epochs) == 2 and history.n_steps == 20
    assert math.isnan(history.epochs[-1]["train_loss_running"])
    assert math.isnan(history.epochs[-1]["val_loss"])  # a diverged epoch is not scored
    assert history.best_epoch == 1


def test_huge_learning_rate_diverges_without_exception():
    x = torch.randn(6400, 8) * 100
    y = x.sum(dim=1, keepdim=True)
    model = nn.Linear(8, 1)
    history = fit(model, TensorLoader(x, y, 32), None, torch.optim.SGD(model.parameters(), lr=10.0),
                  epochs=3, loss="mse", progress=False)  # fmt: skip
    assert history.status == "diverged"
    assert history.n_steps == 64  # caught at the first periodic check, inside epoch 1
    assert history.stop_step < 64 and f"at step {history.stop_step} " in history.stop_reason
    assert len(history.epochs) == 1


def test_non_finite_check_runs_on_its_schedule(loaders):
    from trainlab.train import StopOnNonFinite

    train, val = loaders
    model = _model()
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=5,
                  loss=_nan_after(3), callbacks=[StopOnNonFinite(every(2))],
                  progress=False)  # fmt: skip
    assert history.status == "diverged" and history.stop_step == 4
    assert history.n_steps == 4  # the every-2 check stopped it at step 4


class _StopAtStep(Callback):
    def __init__(self, step):
        self.step = step
        self.seen = []

    def on_train_begin(self, state):
        self.seen.append("begin")

    def on_batch_end(self, state):
        if state.step == self.step:
            state.request_stop(f"asked at step {self.step}")

    def on_epoch_end(self, state):
        self.seen.append(("epoch", state.epoch, state.metrics["epoch"]))

    def on_train_end(self, state):
        self.seen.append("end")


def test_callback_can_stop_mid_epoch_and_history_ends_there(loaders):
    train, val = loaders
    model = _model()
    callback = _StopAtStep(17)
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=10,
                  callbacks=[callback], progress=False)  # fmt: skip
    assert history.status == "stopped" and history.stop_reason == "asked at step 17"
    assert history.n_steps == 17 and history.to_frame().epoch.tolist() == [1, 2]
    assert callback.seen == ["begin", ("epoch", 1, 1), ("epoch", 2, 2), "end"]


def test_multistep_scheduler_is_stepped_per_epoch(loaders):
    train, val = loaders
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 3], gamma=0.1)
    history = fit(model, train, val, optimizer, epochs=4, callbacks=[LRSchedule(scheduler)],
                  progress=False)  # fmt: skip
    assert history.metric("lr") == pytest.approx([0.1, 0.1, 0.01, 0.001])


def test_reduce_on_plateau_receives_validation_loss(loaders):
    train, val = loaders
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)  # no learning: loss plateaus
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
    history = fit(model, train, val, optimizer, epochs=3, callbacks=[LRSchedule(scheduler)],
                  progress=False)  # fmt: skip
    assert scheduler.best == pytest.approx(history.epochs[0]["val_loss"])


def _run_once(loaders_seed):
    seed_everything(loaders_seed)
    x, y = torch.randn(256, 8), torch.randint(0, 3, (256,))
    model = mlp(8, [16], 3, dropout=0.3)
    train = TensorLoader(x[:192], y[:192], 32, seed=loaders_seed)
    val = TensorLoader(x[192:], y[192:], 64, shuffle=False)
    history = fit(model, train, val, torch.optim.Adam(model.parameters(), lr=0.01), epochs=3,
                  progress=False)  # fmt: skip
    return history.to_frame().drop(columns="time"), history.batch_frame()


def test_same_seed_gives_identical_histories():
    first, second, other = _run_once(5), _run_once(5), _run_once(6)
    assert first[0].equals(second[0]) and first[1].equals(second[1])
    assert not first[1].equals(other[1])


@pytest.mark.parametrize("name", ["mse", "clipped_cross_entropy"])
def test_class_label_losses_never_read_labels_back_to_the_host(name):
    # Meta tensors have no data, so a host read of the labels (a sync per batch on a GPU)
    # would raise; the integer labels are one-hot encoded with C from the output shape.
    output = torch.full((4, 3), 1 / 3, device="meta")
    y = torch.zeros(4, dtype=torch.long, device="meta")
    assert resolve_loss(name)(output, y).shape == ()


def test_mse_on_class_labels_is_mse_against_one_hot_rows():
    output, y = torch.randn(5, 3), torch.tensor([0, 2, 1, 2, 0])
    torch.testing.assert_close(resolve_loss("mse")(output, y), F.mse_loss(output, torch.eye(3)[y]))


def test_clipped_cross_entropy_trains_a_softmax_network(loaders):
    train, val = loaders
    model = _model(output="softmax")
    history = fit(model, train, val, torch.optim.Adam(model.parameters(), lr=0.01), epochs=3,
                  loss="clipped_cross_entropy", progress=False)  # fmt: skip
    assert history.to_frame().val_acc.iloc[-1] > 0.9


def test_history_round_trips_through_dict(loaders):
    train, val = loaders
    model = _model()
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                  progress=False)  # fmt: skip
    again = History.from_dict(copy.deepcopy(history.to_dict()))
    assert again.to_frame().equals(history.to_frame()) and again.status == "completed"
    assert again.best_epoch == history.best_epoch


class _FakeMonitor:
    def __init__(self, model):
        self.model = model
        self.watched = []
        self.logged = []
        self.scored = []

    def watch_optimizer(self, optimizer):
        self.watched.append(optimizer)

    def log_losses(self, train_loss, val_loss):
        assert self.model.training  # called while training, after the val pass restored it
        self.logged.append((train_loss, val_loss))

    def validation_loss(self, x, y, loss_fn, *, size):
        self.scored.append((x, y, loss_fn, size))
        return torch.tensor(float(len(self.scored)))  # which call produced the logged value


def test_monitor_gets_optimizer_once_and_losses_every_batch(loaders):
    train, val = loaders
    model = _model(dropout=0.5)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = _FakeMonitor(model)
    logger = MonitorLogger(monitor, val_size=50)
    history = fit(model, train, val, optimizer, epochs=2, callbacks=[logger], progress=False)
    assert monitor.watched == [optimizer]
    assert len(monitor.logged) == history.n_steps == 20
    train_losses = [float(t) for t, _ in monitor.logged]
    assert train_losses == history.batch_frame().loss.tolist()
    # the val loss is the monitor's: it draws its fixed subset of 50 from all samples
    assert [float(v) for _, v in monitor.logged] == list(range(1, 21))
    x, y, loss_fn, size = monitor.scored[-1]
    assert torch.equal(x, val.x) and torch.equal(y, val.y)
    assert loss_fn is F.cross_entropy and size == 50


def test_monitor_validation_loss_on_a_schedule_logs_nan_between(loaders):
    train, val = loaders
    model = _model()
    monitor = _FakeMonitor(model)
    fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
        callbacks=[MonitorLogger(monitor, schedule=every(4))], progress=False)  # fmt: skip
    logged = [float(v) for _, v in monitor.logged]
    assert [i + 1 for i, v in enumerate(logged) if not math.isnan(v)] == [4, 8]


def test_monitor_without_validation_data_logs_nan(loaders):
    train, _ = loaders
    model = _model()
    monitor = _FakeMonitor(model)
    fit(model, train, None, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
        callbacks=[MonitorLogger(monitor)], progress=False)  # fmt: skip
    assert not monitor.scored and all(math.isnan(v) for _, v in monitor.logged)


def test_fit_with_the_real_monitor_records_every_step(loaders):
    train, val = loaders
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    with Monitor(model) as monitor:
        history = fit(model, train, val, optimizer, epochs=2,
                      callbacks=[MonitorLogger(monitor, val_size=512)], progress=False)  # fmt: skip
    record = monitor.to_record()
    assert record.n_steps == history.n_steps == 20
    assert record.train_loss.tolist() == pytest.approx(history.batch_frame().loss.tolist())
    assert not any(math.isnan(v) for v in record.val_loss.tolist())
    assert all(len(v) == 21 for v in record.weights.values())  # initial + one per step
    assert model.training  # each per-step validation pass restored training mode
    # the last val loss is the eval-mode loss on all 160 (< val_size) samples
    model.eval()
    with torch.no_grad():
        expected = F.cross_entropy(model(val.x), val.y)
    assert record.val_loss[-1] == pytest.approx(float(expected), rel=1e-6)


def test_empty_train_loader_is_a_config_error():
    model = _model()
    empty: list = []  # any iterable of batches; this one has none
    with pytest.raises(ConfigError, match="train_loader yielded no batches in epoch 1"):
        fit(model, empty, None, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
            progress=False)  # fmt: skip


def test_first_samples_is_the_fixed_validation_subset_for_fit_and_lightning(loaders):
    _, val = loaders
    cpu = torch.device("cpu")
    x, y = first_samples(val, 50, cpu)  # TensorLoader: read from .x/.y
    assert torch.equal(x, val.x[:50]) and torch.equal(y, val.y[:50])
    batches = [(val.x[i : i + 64], val.y[i : i + 64], "extra") for i in range(0, 160, 64)]
    x, y = first_samples(batches, 100, cpu)  # (x, y, ...) batches concatenated, cut at n
    assert torch.equal(x, val.x[:100]) and torch.equal(y, val.y[:100])
    x, y = first_samples(batches, 1000, cpu)  # fewer samples than asked: all of them
    assert torch.equal(y, val.y)
    assert first_samples(None, 50, cpu) is None and first_samples([], 50, cpu) is None
    x, y = first_samples(batches, None, cpu)  # None: every sample
    assert torch.equal(y, val.y)
    with pytest.raises(ConfigError, match="batches are Tensor; expected"):
        first_samples([val.x[:4]], 50, cpu)
    with pytest.raises(ConfigError, match="subset size = 0"):
        first_samples(val, 0, cpu)
