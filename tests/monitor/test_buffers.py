"""Growable row storage, blocks of per-step copies, and their summaries in step order."""

import numpy as np
import torch

from trainlab.monitor import Monitor, summarize
from trainlab.monitor.buffers import RowBuffer, ScalarLog, Scratch, StepBlock
from trainlab.monitor.record import STAT_INDEX, STATS

EXACT_COLUMNS = [STAT_INDEX[s] for s in ("min", "max", "mean", "std", "nonfinite_frac")]


def test_extend_past_capacity_from_a_partly_filled_buffer():
    buffer = RowBuffer(2, device=torch.device("cpu"), capacity=64)
    first = torch.arange(63 * 2, dtype=torch.float32).reshape(63, 2)
    second = -torch.arange(64 * 2, dtype=torch.float32).reshape(64, 2)
    buffer.extend(first)
    buffer.extend(second)  # 127 rows: grows from a buffer that is not full
    assert torch.equal(buffer.rows(), torch.cat((first, second)))


def test_step_block_rows_are_copies_and_carry_keeps_the_last_row():
    block = StepBlock((2, 3), capacity=3, device=torch.device("cpu"), carry=True)
    x = torch.arange(6.0).reshape(2, 3)
    for step in range(3):
        block.slot().copy_(x + step)
        block.commit()
    x += 100  # the source changes later: the block keeps what it was
    assert block.full and torch.equal(block.rows()[2], torch.arange(6.0) + 2)
    block.clear()
    assert block.n == 1 and torch.equal(block.rows()[0], torch.arange(6.0) + 2)
    plain = StepBlock((4,), capacity=2, device=torch.device("cpu"))
    plain.add(torch.ones(4))
    plain.clear()
    assert plain.n == 0


def test_scratch_is_reused_and_grown():
    scratch = Scratch()
    small = scratch.get(2, 3, torch.device("cpu"))
    again = scratch.get(3, 2, torch.device("cpu"))
    assert small.data_ptr() == again.data_ptr() and again.shape == (3, 2)
    assert scratch.get(10, 10, torch.device("cpu")).shape == (10, 10)


def test_summaries_stay_in_step_order_when_batch_sizes_change_across_blocks():
    """Regression: a smaller last batch flushes a partial block; later blocks must append."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 70), torch.nn.ReLU(), torch.nn.Linear(70, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=optimizer)
    inputs = []
    for step in range(150):
        batch = 5 if step % 63 == 62 else 64  # 64 x 70 = 4480 elements: the sampled path
        x = torch.randn(batch, 6)
        inputs.append(model[0](x).detach())
        loss = model(x).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    record = monitor.to_record()
    rows = record.net_values["1"]
    assert rows.shape == (150, len(STATS))
    assert record.activation_signals["1"].shape == (150, 2)
    for step in (0, 62, 63, 64, 126, 149):  # statistics exact on every element
        expected = summarize(inputs[step]).numpy()
        torch.testing.assert_close(
            torch.from_numpy(rows[step, EXACT_COLUMNS]), torch.from_numpy(expected[EXACT_COLUMNS])
        )
        dead = (inputs[step].amax(dim=0) <= 0).float().mean().item()
        assert record.signal("dead_frac", "1")[step] == dead


def test_scalar_log_stacks_tensors_floats_and_none_once_per_block():
    log = ScalarLog(2, block=3)
    loss = torch.tensor(2.0, requires_grad=True) * 1.5  # has a grad_fn
    log.append(loss, None)
    log.append(torch.tensor(1.0), 0.5)
    assert log._rows is None and len(log) == 2  # nothing written to the device yet
    log.append(0.25, torch.tensor(0.75))
    assert log._rows is not None and len(log) == 3  # a full block is stacked at once
    log.append(torch.tensor(0.5), float("nan"))
    rows = log.numpy()
    np.testing.assert_array_equal(rows[:, 0], [3.0, 1.0, 0.25, 0.5])
    np.testing.assert_array_equal(rows[:, 1], [np.nan, 0.5, 0.75, np.nan])
    assert not log._rows.rows().requires_grad
