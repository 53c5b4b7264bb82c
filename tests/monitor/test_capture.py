"""Raw capture modes: the memory cap of mode "full" and the fixed subsets of mode "sample"."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.errors import CaptureLimitError, ConfigError
from trainlab.monitor import Monitor


def _setup(**monitor_args):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return model, opt, Monitor(model, optimizer=opt, grads=False, **monitor_args)


def _step(model, opt, batch: int = 4) -> None:
    x = torch.randn(batch, 10)
    F.cross_entropy(model(x), torch.zeros(batch, dtype=torch.long)).backward()
    opt.step()


# Bytes of one step in mode "full": weights 20x10 + 2x20, net values and outputs 4x20 each.
STEP_BYTES = (200 + 40 + 80 + 80) * 4
INITIAL_BYTES = (200 + 40) * 4
MIB = 2**20  # max_mb is in MiB; these caps are exact byte counts


def test_full_mode_estimates_memory_after_the_first_step():
    model, opt, mon = _setup(mode="full", planned_steps=10)
    assert mon.bytes_per_step is None
    _step(model, opt)
    assert mon.bytes_per_step == STEP_BYTES
    assert mon.estimated_bytes == INITIAL_BYTES + 10 * STEP_BYTES


def test_full_mode_over_the_cap_raises_capture_limit_error_at_the_first_step():
    model, opt, mon = _setup(mode="full", planned_steps=1000, max_mb=0.25)
    with pytest.raises(CaptureLimitError, match=r"planned_steps=1000.*max_mb=0.25"):
        _step(model, opt)


def test_full_mode_without_planned_steps_raises_when_the_cap_is_reached():
    model, opt, mon = _setup(mode="full", max_mb=(INITIAL_BYTES + 3 * STEP_BYTES) / MIB)
    for _ in range(3):
        _step(model, opt)
    with pytest.raises(CaptureLimitError, match="max_mb"):
        _step(model, opt)


def test_on_limit_stop_warns_and_keeps_summaries_going():
    model, opt, mon = _setup(
        mode="full", on_limit="stop", max_mb=(INITIAL_BYTES + STEP_BYTES) / MIB
    )
    _step(model, opt)
    with pytest.warns(UserWarning, match="raw capture stopped"):
        _step(model, opt)
    _step(model, opt)
    assert len(mon.weights["0"]) == 2  # initial + step 1, then capture stopped
    record = mon.to_record()
    assert record.weights["0"].shape[0] == 4 and record.net_values["1"].shape[0] == 3
    assert record.meta["capture_stopped_at_step"] == 1


def test_sample_mode_keeps_the_same_elements_every_step():
    model, opt, mon = _setup(mode="sample", sample_size=6, seed=4)
    full_model, full_opt, full = _setup(mode="full")
    for _ in range(3):
        torch.manual_seed(1)
        _step(model, opt)
        torch.manual_seed(1)
        _step(full_model, full_opt)
    meta = mon.to_record().meta
    weight_index = meta["sample_indices"]["layer/0#0"]
    unit_index = meta["sample_indices"]["activation/1#0"]
    assert len(weight_index) == len(unit_index) == 6
    for step in range(3):
        assert torch.equal(
            mon.weights["0"][step], full.weights["0"][step].reshape(-1)[weight_index]
        )
        assert mon.outputs["1"][step].shape == (4, 6)  # (batch, sampled units)
        assert torch.equal(mon.net_values["1"][step], full.net_values["1"][step][:, unit_index])
        assert torch.equal(mon.outputs["1"][step], full.outputs["1"][step][:, unit_index])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "everything"}, "mode = 'everything'; expected one of summary, full, sample"),
        ({"on_limit": "ignore"}, "on_limit = 'ignore'"),
        ({"sample_size": 0}, "sample_size = 0"),
        ({"planned_steps": 0}, "planned_steps=0"),
        ({"max_bytes": 10}, "unknown option 'max_bytes'; expected one of .*'max_mb'"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_allowed_values(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Monitor(nn.Linear(2, 2), **kwargs)


def test_model_with_nothing_to_watch_is_refused():
    with pytest.raises(ConfigError, match="Dropout has no parameter to record"):
        Monitor(nn.Dropout(), functional="off")
