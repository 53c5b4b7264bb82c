"""A Record split by a checkpoint: its state round trip and the concatenation of its parts
carry every field (summaries, quantiles, signals), without Lightning installed."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.integrations.lightning import _record_from_state, _record_state, concat_records
from trainlab.monitor import Monitor


def _train(model: nn.Module, monitor: Monitor, opt, steps: int, gen: torch.Generator) -> None:
    for _ in range(steps):
        x = torch.randn(8, 6, generator=gen)
        loss = F.cross_entropy(model(x), torch.randint(0, 3, (8,), generator=gen))
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss)


def _parts():
    """The same 7 steps recorded whole, and as 4 + 3 steps by two monitors."""
    records = []
    for split in (None, 4):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 9), nn.Tanh(), nn.Linear(9, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        gen = torch.Generator().manual_seed(1)
        monitor = Monitor(model, optimizer=opt, grads=True)
        _train(model, monitor, opt, split or 7, gen)
        records.append(monitor.to_record())
        if split:
            monitor.detach()
            second = Monitor(model, optimizer=opt, grads=True)
            _train(model, second, opt, 7 - split, gen)
            records.append(second.to_record())
    return records


def test_record_state_round_trips_quantiles_and_signals():
    whole = _parts()[0]
    back = _record_from_state(_record_state(whole))
    for kind, per_name in whole.quantiles.items():
        for name, values in per_name.items():
            np.testing.assert_array_equal(back.quantiles[kind][name], values)
    for group in ("layer_signals", "activation_signals"):
        assert getattr(back, group).keys() == getattr(whole, group).keys()
        for name, values in getattr(whole, group).items():
            np.testing.assert_array_equal(getattr(back, group)[name], values)


def test_concatenated_parts_equal_the_whole_record():
    whole, before, after = _parts()
    merged = concat_records(before, after)
    assert merged.n_steps == 7
    np.testing.assert_allclose(merged.weights["0"], whole.weights["0"], rtol=1e-6)
    for kind, per_name in whole.quantiles.items():
        for name, values in per_name.items():
            np.testing.assert_allclose(merged.quantiles[kind][name], values, rtol=1e-6)
    for group in ("layer_signals", "activation_signals"):
        for name, values in getattr(whole, group).items():
            np.testing.assert_allclose(getattr(merged, group)[name], values, rtol=1e-5)
