"""Monitor hooks: what is recorded per step, and the traps a monitor must not fall into."""

import gc
import io
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.monitor import STATS, Monitor, Record, TorchMonitor, summarize
from trainlab.monitor.record import QUANTILE_LEVELS


class Block(nn.Module):
    """A residual block that calls its one ReLU twice per forward pass."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.relu(self.fc1(x))
        return self.relu(x + self.fc2(h))


class ResNetLike(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(6, 5)
        self.block = Block(5)
        self.out = nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.block(self.inp(x)))


def _mlp(inplace: bool = False) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(6, 8), nn.ReLU(inplace=inplace), nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 3)
    )


def _data(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return torch.randn(n, 6, generator=gen), torch.randint(0, 3, (n,), generator=gen)


def _train(model, optimizer, monitor=None, *, steps: int = 5, batch: int = 8) -> None:
    x, y = _data()
    for i in range(steps):
        start = (i * batch) % len(x)
        xb, yb = x[start : start + batch], y[start : start + batch]
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if monitor is not None:
            monitor.log_losses(loss, monitor.validation_loss(x, y, size=16))


def _live_objects() -> dict[str, int]:
    gc.collect()
    objects = gc.get_objects()
    # isinstance() on torch.distributed's deprecated module proxies warns; not our concern here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tensors = sum(isinstance(o, torch.Tensor) for o in objects)
    return {"objects": len(objects), "tensors": tensors}


def _all_stored(monitor: Monitor) -> list[torch.Tensor]:
    stored = []
    for track in monitor._capture.tracks.values():
        stored += [track.stats.rows(), track.levels.rows(), track.signals.rows()]
        stored += [track.block.data] if track.block is not None else []
    if monitor._capture.raw is not None:
        stored += [t for values in monitor._capture.raw.values.values() for t in values]
    losses = monitor._losses
    stored += [v for column in losses._columns for v in column if isinstance(v, torch.Tensor)]
    return stored + ([losses._rows.rows()] if losses._rows is not None else [])


def test_counts_shapes_and_names_follow_the_torch_monitor_contract():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = TorchMonitor(model, optimizer=opt, mode="full")
    _train(model, opt, mon, steps=5, batch=8)
    assert list(mon.weights) == ["0", "2", "4"]
    assert list(mon.net_values) == list(mon.outputs) == ["1", "3"]
    assert all(len(v) == 6 for v in mon.weights.values())  # initial + one per step
    assert all(len(v) == 5 for v in mon.net_values.values())
    assert all(len(v) == 5 for v in mon.outputs.values())
    assert mon.weights["2"][0].shape == (4, 8)
    assert mon.net_values["1"][0].shape == (8, 8)  # (batch, neurons)
    assert mon.outputs["3"][0].shape == (8, 4)
    assert len(mon.train_losses) == len(mon.val_losses) == 5
    torch.testing.assert_close(mon.outputs["1"][2], mon.net_values["1"][2].relu())
    torch.testing.assert_close(mon.weights["4"][-1], model[4].weight.detach())


def test_summary_view_holds_stats_rows_that_match_full_tensors():
    runs = {}
    for mode in ("full", "summary"):
        model = _mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        runs[mode] = mon = Monitor(model, optimizer=opt, mode=mode)
        _train(model, opt, mon, steps=3)
    full, summary = runs["full"], runs["summary"]
    for kind in ("weights", "net_values", "outputs"):
        for name, tensors in getattr(full, kind).items():
            rows = getattr(summary, kind)[name]
            assert len(rows) == len(tensors) and rows[0].shape == (len(STATS),)
            for tensor, row in zip(tensors, rows, strict=True):
                torch.testing.assert_close(row, summarize(tensor))
    record = summary.to_record()
    assert record.weights["0"].shape == (4, len(STATS)) and record.n_steps == 3
    np.testing.assert_allclose(record.train_loss, summary.train_losses)


def test_evaluation_forward_passes_are_not_recorded():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, optimizer=opt)
    _train(model, opt, mon, steps=2)  # validation_loss runs eval passes in between
    x, _ = _data()
    model.eval()
    model(x)
    model.train()
    with torch.no_grad():
        model(x)
    assert [len(v) for v in mon.net_values.values()] == [2, 2]
    assert model.training


def test_inplace_relu_input_is_recorded_before_mutation():
    model = _mlp(inplace=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = _data()
    expected = model[0](x[:8]).detach()  # the pre-activation of the first batch
    mon = Monitor(model, optimizer=opt, mode="full")
    _train(model, opt, steps=1)
    net = mon.net_values["1"][0]
    torch.testing.assert_close(net, expected)
    assert (net < 0).any(), "net values were read after the in-place ReLU clipped them"
    summary_model = _mlp(inplace=True)  # same seed: same weights as `expected` was made with
    summary = Monitor(summary_model)
    summary_model(x[:8])
    assert summary.net_values["1"][0][0] == expected.min()  # STATS[0] is the min


def test_module_called_twice_per_forward_gets_one_entry_per_call_site():
    torch.manual_seed(0)
    model = ResNetLike()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, optimizer=opt, mode="full")
    x = torch.randn(4, 6)
    for _ in range(3):
        model(x).sum().backward()
        with torch.no_grad():
            first_call_input = model.block.fc1(model.inp(x))  # before the update
        opt.step()
    assert list(mon.net_values) == ["block.relu#0", "block.relu#1"]
    assert [len(v) for v in mon.outputs.values()] == [3, 3]
    torch.testing.assert_close(mon.net_values["block.relu#0"][-1], first_call_input)
    assert not torch.equal(mon.net_values["block.relu#1"][-1], first_call_input)
    assert mon.to_record().meta["calls_per_forward"] == {"block.relu": 2}
    assert set(mon.weights) == {"inp", "block.fc1", "block.fc2", "out"}


def test_weight_snapshots_are_copies_not_views_of_the_live_parameter():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    mon = Monitor(model, optimizer=opt, mode="full")
    _train(model, opt, steps=4)
    snaps = mon.weights["0"]
    live = model[0].weight
    assert all(s.data_ptr() != live.data_ptr() for s in snaps)
    assert len({s.data_ptr() for s in snaps}) == len(snaps)
    for before, after in zip(snaps, snaps[1:], strict=False):
        assert not torch.equal(before, after)
    last = snaps[-1].clone()
    with torch.no_grad():
        live.add_(1.0)
    assert torch.equal(mon.weights["0"][-1], last)


def test_full_copies_are_exact_when_the_batch_size_changes():
    # Copies live in shared blocks of one shape; a smaller last batch starts a new block.
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, optimizer=opt, mode="full")
    x, _ = _data()
    expected = []
    for size in (8, 8, 3, 8):
        with torch.no_grad():
            expected.append(model[1](model[0](x[:size])).clone())
        model(x[:size]).sum().backward()
        opt.step()
        opt.zero_grad()
    outputs = mon.outputs["1"]
    assert [tuple(o.shape) for o in outputs] == [(8, 8), (8, 8), (3, 8), (8, 8)]
    for got, want in zip(outputs, expected, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    record = mon.to_record()
    np.testing.assert_array_equal(record.tensors["outputs"]["1"][2], expected[2].numpy())
    saved = io.BytesIO()
    torch.save(outputs[2], saved)  # one copy saves its own bytes, not its whole block
    assert len(saved.getvalue()) < 3 * 8 * 4 + 2000


def test_nothing_recorded_holds_the_autograd_graph():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for mode in ("summary", "full", "sample"):
        mon = Monitor(model, optimizer=opt, mode=mode, grads=True)
        _train(model, opt, mon, steps=2)
        stored = _all_stored(mon)
        assert stored and all(not t.requires_grad and t.grad_fn is None for t in stored)
        views = [t for kind in ("weights", "net_values", "outputs", "gradients")
                 for values in getattr(mon, kind).values() for t in values]  # fmt: skip
        assert all(not t.requires_grad for t in views)
        mon.detach()


@pytest.fixture
def one_thread():
    """Tiny tensors gain nothing from threads; on a busy machine the hand-offs cost 10x."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_memory_stays_flat_over_10000_steps_in_summary_mode(one_thread):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = Monitor(model, optimizer=opt)
    x, y = torch.randn(4, 2), torch.randn(4, 1)

    def steps(n: int) -> None:
        for _ in range(n):
            loss = F.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            mon.log_losses(loss)

    steps(1000)
    before = _live_objects()
    steps(9000)
    after = _live_objects()
    # No per-step Python objects or tensors are kept (a handful of bookkeeping objects at most).
    assert after["tensors"] <= before["tensors"] + 5, (before, after)
    assert after["objects"] <= before["objects"] + 100, (before, after)
    # Device storage per step: 2 weights + 2 activation sites x 2 tensors, each a row of
    # len(STATS) statistics and len(QUANTILE_LEVELS) quantiles; 3 layer signals per
    # weight, 1 signal per activation tensor, 2 losses. Capacity doubles: at most 2x.
    per_step = (6 * (len(STATS) + len(QUANTILE_LEVELS)) + 2 * 3 + 4 * 1 + 2) * 4
    held = mon._losses.nbytes + sum(
        t.stats.nbytes + t.levels.nbytes + t.signals.nbytes for t in mon._capture.tracks.values()
    )
    assert held <= 2 * per_step * 10_001, held
    # Steps waiting to be summarised in one block: a fixed amount, whatever the run length.
    assert sum(t.nbytes for t in mon._capture.tracks.values()) <= 6 * (64 + 1) * 4096 * 4
    assert all(not t.requires_grad for t in _all_stored(mon))
    assert mon.to_record().n_steps == 10_000


def test_conv_layers_and_4d_activations():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(3 * 6 * 6, 2))  # fmt: skip
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    full = Monitor(model, optimizer=opt, mode="full")
    x = torch.randn(4, 1, 6, 6)
    F.cross_entropy(model(x), torch.tensor([0, 1, 0, 1])).backward()
    opt.step()
    assert full.weights["0"][0].shape == (3, 1, 3, 3)
    assert full.net_values["1"][0].shape == (4, 3, 6, 6)  # (B, C, H, W) kept
    rec = full.to_record()
    np.testing.assert_allclose(rec.net_values["1"][0], summarize(full.net_values["1"][0]).numpy())


def test_detach_removes_every_hook():
    torch.manual_seed(0)
    model = ResNetLike()
    opt = torch.optim.Adam(model.parameters())
    mon = Monitor(model, optimizer=opt, grads=True)
    assert model._forward_pre_hooks and model.block.relu._forward_hooks
    assert opt._optimizer_step_pre_hooks and opt._optimizer_step_post_hooks
    mon.detach()
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks
    assert not opt._optimizer_step_pre_hooks and not opt._optimizer_step_post_hooks
    model(torch.randn(2, 6)).sum().backward()
    opt.step()
    assert mon.steps == 0 and not mon.net_values


def test_context_manager_attaches_and_detaches():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with Monitor(model, attach=False) as mon:
        mon.watch_optimizer(opt)
        mon.watch_optimizer(opt)  # idempotent, as when fit() watches a watched optimizer
        assert len(opt._optimizer_step_post_hooks) == 1
        _train(model, opt, mon, steps=2)
    assert not model._forward_pre_hooks and not opt._optimizer_step_post_hooks
    assert mon.steps == 2 and len(mon.weights["0"]) == 3


def test_grads_are_summarised_before_the_step():
    model = _mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, optimizer=opt, grads=True)
    x, y = _data()
    F.cross_entropy(model(x[:8]), y[:8]).backward()
    expected = summarize(model[2].weight.grad)
    opt.step()
    torch.testing.assert_close(mon.gradients["2"][0], expected)
    assert mon.to_record().grads["2"].shape == (1, len(STATS))


def test_validation_loss_uses_a_fixed_subset_and_restores_training_mode():
    model = _mlp()
    mon = Monitor(model)
    x, y = _data()
    first = mon.validation_loss(x, y, size=16)
    assert model.training and not mon.net_values
    assert torch.equal(first, mon.validation_loss(x, y, size=16))
    index = next(iter(mon._val_indices.values()))
    model.eval()
    with torch.no_grad():
        expected = F.cross_entropy(model(x[index]), y[index])
    torch.testing.assert_close(first, expected)
    assert mon.validation_loss(x, y, size=1000) == pytest.approx(
        F.cross_entropy(model(x), y).item(), rel=1e-5
    )
    assert not model.training  # left as the caller had it


def test_record_round_trips_and_is_reproducible(tmp_path):
    records = []
    for _ in range(2):
        model = _mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        mon = Monitor(model, optimizer=opt, mode="sample", sample_size=5, seed=3)
        _train(model, opt, mon, steps=3)
        records.append(mon.to_record(meta={"run": "a"}))
    np.testing.assert_array_equal(records[0].weights["0"], records[1].weights["0"])
    np.testing.assert_array_equal(records[0].tensors["outputs"]["1"][2],
                                  records[1].tensors["outputs"]["1"][2])  # fmt: skip
    records[0].save(tmp_path)
    back = Record.load(tmp_path)
    assert back.meta["run"] == "a" and back.meta["mode"] == "sample"
    np.testing.assert_array_equal(back.outputs["3"], records[0].outputs["3"])
    assert len(back.tensors["weights"]["2"]) == 4


def test_a_record_made_mid_run_leaves_no_note_that_stops_holding():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt)
    x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
    loss = F.cross_entropy(model(x), y)
    early = monitor.to_record()  # a forward, no optimizer step yet (e.g. a checkpoint)
    assert "no optimizer step seen: activations are kept per forward" in early.meta["notes"]
    loss.backward()
    opt.step()
    monitor.log_losses(loss.detach())
    assert not any("no optimizer step" in n for n in monitor.to_record().meta["notes"])
