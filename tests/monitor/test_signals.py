"""Signals against hand computations: the pure functions, then through a Monitor."""

import copy
import math
from itertools import pairwise

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.monitor import Monitor
from trainlab.monitor.record import LAYER_SIGNALS, QUANTILE_LEVELS, SATURATION_MARGIN, STATS
from trainlab.monitor.signals import (
    dead_fraction,
    norms,
    saturated_fraction,
    saturation_bounds,
    update_norms,
    weight_signals,
)
from trainlab.monitor.summary import quantiles, summarize


@pytest.mark.parametrize(
    "module, bounds",
    [(nn.Tanh(), (-1, 1)), (nn.Sigmoid(), (0, 1)), (nn.Softsign(), (-1, 1)),
     (nn.Hardsigmoid(), (0, 1)), (nn.Hardtanh(-2, 3), (-2, 3)), (nn.ReLU6(), (0, 6)),
     (nn.ReLU(), None), (nn.GELU(), None), (nn.LeakyReLU(), None)],
)  # fmt: skip
def test_saturation_bounds(module, bounds):
    assert saturation_bounds(module) == bounds


def test_norms_from_mean_and_std():
    x = torch.randn(3, 50, generator=torch.Generator().manual_seed(0))
    got = norms(x.mean(dim=1), x.std(dim=1, correction=0), 50)
    torch.testing.assert_close(got, torch.linalg.vector_norm(x, dim=1))


def test_update_norms_and_ratio_by_hand():
    rows = torch.tensor([[0.0, 0.0], [3.0, 4.0], [3.0, 5.0]])  # w0, w1, w2
    update = update_norms(rows)
    assert update.tolist() == [5.0, 1.0]
    signals = weight_signals(torch.tensor([5.0, math.sqrt(34)]), update)
    assert signals[:, 2].tolist() == pytest.approx([1.0, 1 / math.sqrt(34)])


def test_dead_fraction_counts_units_never_positive_over_the_batch():
    # One step, batch 3, units (2, 2) flattened: unit 0 positive once, unit 1 never
    # (zero is not positive), unit 2 always, unit 3 never.
    x = torch.tensor([[[-1.0, 0.0], [2.0, -1.0]],
                      [[-2.0, 0.0], [1.0, -3.0]],
                      [[0.5, -1.0], [1.0, -1.0]]])  # fmt: skip
    assert dead_fraction(x.reshape(1, -1), 3).tolist() == [0.5]
    # Batch 1: each of the 12 elements is a unit; 8 are not positive.
    assert dead_fraction(x.reshape(1, -1), 1).tolist() == [pytest.approx(8 / 12)]


@pytest.mark.parametrize("inside", [True, False])
def test_saturated_fraction_just_inside_and_outside_the_margin(inside):
    edge = 1 - 2 * SATURATION_MARGIN  # tanh: range 2, so the margin is 0.05 from +-1
    shift = -1e-4 if not inside else 1e-4
    y = torch.tensor([[edge + shift, -(edge + shift), 0.0, 0.2]])
    expected = 0.5 if inside else 0.0
    assert saturated_fraction(y, (-1.0, 1.0)).item() == pytest.approx(expected)
    assert math.isnan(saturated_fraction(y, None).item())


def _trace_sgd(model: nn.Module, steps: int, *, lr: float, batch: int = 8, seed: int = 0):
    """Train with plain SGD and keep, per step, what the signals are made of."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    monitor = Monitor(model, optimizer=opt, grads=True)
    trace = {"grads": [], "weights": [], "inputs": [], "outputs": []}
    act = next(m for m in model.modules() if isinstance(m, (nn.ReLU, nn.Tanh)))
    hooks = [
        act.register_forward_pre_hook(lambda m, a: trace["inputs"].append(a[0].detach())),
        act.register_forward_hook(lambda m, a, o: trace["outputs"].append(o.detach())),
    ]
    for _ in range(steps):
        x = torch.randn(batch, model[0].in_features, generator=gen)
        y = torch.randint(0, 3, (batch,), generator=gen)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        trace["grads"].append(model[0].weight.grad.clone())
        opt.step()
        trace["weights"].append(model[0].weight.detach().clone())
    for hook in hooks:
        hook.remove()
    return monitor, trace


def test_layer_signals_match_hand_computation_for_sgd():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    initial = model[0].weight.detach().clone()
    monitor, trace = _trace_sgd(model, 6, lr=0.1)
    record = monitor.to_record()
    before = [initial, *trace["weights"][:-1]]
    for step in range(6):
        grad_norm = trace["grads"][step].norm().item()
        weight_norm = trace["weights"][step].norm().item()
        update_norm = (trace["weights"][step] - before[step]).norm().item()
        got = dict(zip(LAYER_SIGNALS, record.layer_signals["0"][step].tolist(), strict=True))
        assert got["grad_norm"] == pytest.approx(grad_norm, rel=1e-5)
        assert got["weight_norm"] == pytest.approx(weight_norm, rel=1e-5)
        assert got["update_norm"] == pytest.approx(update_norm, rel=1e-4)
        assert got["update_norm"] == pytest.approx(0.1 * grad_norm, rel=1e-4)  # SGD: lr * g
        assert got["update_ratio"] == pytest.approx(update_norm / weight_norm, rel=1e-4)
    margin = 2 * SATURATION_MARGIN
    for step, out in enumerate(trace["outputs"]):
        expected = (out.abs() >= 1 - margin).float().mean().item()
        assert record.signal("saturated_frac", "1")[step] == pytest.approx(expected)
        dead = (trace["inputs"][step].amax(dim=0) <= 0).float().mean().item()
        assert record.signal("dead_frac", "1")[step] == pytest.approx(dead)
    assert record.meta["grads"] and record.meta["signals"]["layer"] == list(LAYER_SIGNALS)
    assert record.meta["saturation_bounds"] == {"1": (-1.0, 1.0)}


def test_relu_with_a_large_negative_bias_is_dead_and_unbounded():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    monitor, _ = _trace_sgd(model, 3, lr=0.1)
    record = monitor.to_record()
    assert record.signal("dead_frac", "1").tolist() == [1.0, 1.0, 1.0]
    assert np.isnan(record.signal("saturated_frac", "1")).all()
    assert record.meta["saturation_bounds"] == {"1": None}


def test_without_grads_the_grad_norm_is_nan_and_meta_says_not_captured():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt, grads=False)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(4, 5)).sum().backward()
        opt.step()
    record = monitor.to_record()
    assert np.isnan(record.signal("grad_norm", "0")).all()
    assert "grads=False" in record.meta["missing_signals"]["grad_norm"]
    assert np.isfinite(record.signal("update_ratio", "0")).all()
    assert not record.meta["grads"] and "grad_norm" not in record.meta["signals"]["layer"]
    assert record.grads == {}


def _train(model: nn.Module, steps: int, *, batch: int, read_every: int | None = None):
    """Adam on random inputs, in mode full; `read_every` reads the record mid-run."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    monitor = Monitor(model, optimizer=opt, grads=True, mode="full")
    gen = torch.Generator().manual_seed(0)
    for step in range(1, steps + 1):
        opt.zero_grad()
        model(torch.randn(batch, model[0].in_features, generator=gen)).square().mean().backward()
        opt.step()
        if read_every and step % read_every == 0:
            monitor.to_record()  # a live diagnosis reads the record mid-run
    return monitor


def test_exact_update_norms_carry_the_previous_step_across_flushes():
    """Blocks of 64 steps and reads mid-run: updates span block borders."""
    torch.manual_seed(0)
    monitor = _train(nn.Sequential(nn.Linear(6, 70), nn.ReLU()), 150, batch=8, read_every=37)
    record = monitor.to_record()
    weights = [torch.from_numpy(w) for w in record.tensors["weights"]["0"]]
    expected = [(after - before).norm().item() for before, after in pairwise(weights)]
    np.testing.assert_allclose(record.signal("update_norm", "0"), expected, rtol=1e-4)


def test_a_large_weight_is_read_in_the_hook_with_a_sampled_update_norm():
    """600 x 600 = 360k elements, above DIRECT_LIMIT: moments and a sample per step; the
    update norm is sqrt(elements / sample) x the sample's change."""
    torch.manual_seed(0)
    monitor = _train(nn.Sequential(nn.Linear(600, 600), nn.ReLU()), 12, batch=4)
    assert monitor._capture.tracks[("weights", "0", 0)].direct
    record = monitor.to_record()
    weights = [torch.from_numpy(w).reshape(-1) for w in record.tensors["weights"]["0"]]
    index = monitor._capture.indices[("summary", "layer", "0", 0, 360_000)]  # the fixed sample
    scale = math.sqrt(360_000 / len(index))
    sampled = [scale * (b - a)[index].norm().item() for a, b in pairwise(weights)]
    exact = [(b.double() - a.double()).norm().item() for a, b in pairwise(weights)]
    np.testing.assert_allclose(record.signal("update_norm", "0"), sampled, rtol=1e-4)
    np.testing.assert_allclose(record.signal("update_norm", "0"), exact, rtol=0.05)
    np.testing.assert_allclose(
        record.signal("weight_norm", "0"), [w.norm().item() for w in weights[1:]], rtol=1e-5
    )
    assert record.weights["0"].shape == (13, len(STATS))
    assert record.quantiles["weights"]["0"].shape == (13, len(QUANTILE_LEVELS))
    assert record.quantiles["grads"]["0"].shape == (12, len(QUANTILE_LEVELS))
    for step in (0, 5, 12):
        stats = summarize(weights[step], sample_index=index).numpy()
        np.testing.assert_allclose(record.weights["0"][step], stats, rtol=1e-5, atol=1e-7)
        levels = quantiles(weights[step], sample_index=index).numpy()
        np.testing.assert_allclose(record.quantiles["weights"]["0"][step], levels, rtol=1e-6)


def test_a_large_activation_keeps_an_exact_dead_fraction():
    """64 x 600 = 38,400 elements per step, above DIRECT_LIMIT."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 600), nn.ReLU(), nn.Linear(600, 600), nn.Tanh())
    with torch.no_grad():
        model[0].bias[:150] = -50.0  # a quarter of the units dead whatever the input
    monitor = _train(model, 3, batch=64)
    assert monitor._capture.tracks[("net_values", "1", 0)].direct
    record = monitor.to_record()
    for step, net in enumerate(record.tensors["net_values"]["1"]):
        dead = (net.max(axis=0) <= 0).mean()
        assert record.signal("dead_frac", "1")[step] == pytest.approx(dead) and dead >= 0.25
    for step, out in enumerate(record.tensors["outputs"]["3"]):
        saturated = (np.abs(out) >= 1 - 2 * SATURATION_MARGIN).mean()  # sample: within 3 sigma
        assert abs(record.signal("saturated_frac", "3")[step] - saturated) <= 3 * 0.5 / 64


def test_reading_the_record_mid_run_changes_nothing_recorded():
    records = []
    for read_every in (None, 5):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(600, 600), nn.ReLU(), nn.Linear(600, 40), nn.Tanh())
        records.append(_train(model, 12, batch=4, read_every=read_every).to_record())
    uninterrupted, interrupted = records
    for group in ("weights", "grads", "net_values", "outputs", "layer_signals",
                  "activation_signals"):  # fmt: skip
        for name, values in getattr(uninterrupted, group).items():
            np.testing.assert_allclose(getattr(interrupted, group)[name], values, rtol=1e-6)
    for kind, per_name in uninterrupted.quantiles.items():
        for name, values in per_name.items():
            np.testing.assert_array_equal(interrupted.quantiles[kind][name], values)


def _record_of(activation: nn.Module, mode: str):
    """Five SGD steps of a 20-30-3 network around `activation`, recorded in `mode`."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 30), copy.deepcopy(activation), nn.Linear(30, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt, mode=mode)
    gen = torch.Generator().manual_seed(1)
    for _ in range(5):
        opt.zero_grad()
        x, y = torch.randn(8, 20, generator=gen), torch.randint(0, 3, (8,), generator=gen)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return monitor, monitor.to_record()


@pytest.mark.parametrize(
    "activation, derived",
    [(nn.ReLU(inplace=True), True), (nn.LeakyReLU(0.1), True), (nn.Hardtanh(-0.5, 0.5), True),
     (nn.Sigmoid(), True), (nn.GELU(), False), (nn.LeakyReLU(-0.5), False)],
)  # fmt: skip
def test_outputs_computed_from_the_inputs_equal_the_captured_ones(activation, derived):
    """A monotone activation's outputs come from its input copy, not from its hook."""
    summary, record = _record_of(activation, "summary")
    assert summary._capture.tracks[("net_values", "1", 0)].derives is derived
    _, full = _record_of(activation, "full")
    for step, out in enumerate(full.tensors["outputs"]["1"]):
        tensor = torch.from_numpy(out)
        np.testing.assert_allclose(record.outputs["1"][step], summarize(tensor).numpy(),
                                   rtol=1e-5, atol=1e-6)  # fmt: skip
        np.testing.assert_allclose(record.quantiles["outputs"]["1"][step],
                                   quantiles(tensor).numpy(), rtol=1e-5, atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(record.activation_signals["1"], full.activation_signals["1"])
