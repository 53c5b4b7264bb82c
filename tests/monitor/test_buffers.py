"""Growable row storage and blocks of pending summaries."""

import torch

from trainlab.monitor import Monitor, summarize
from trainlab.monitor.buffers import RowBuffer


def test_extend_past_capacity_from_a_partly_filled_buffer():
    buffer = RowBuffer(2, device=torch.device("cpu"), capacity=64)
    first = torch.arange(63 * 2, dtype=torch.float32).reshape(63, 2)
    second = -torch.arange(64 * 2, dtype=torch.float32).reshape(64, 2)
    buffer.extend(first)
    buffer.extend(second)  # 127 rows: grows from a buffer that is not full
    assert torch.equal(buffer.rows(), torch.cat((first, second)))


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
    rows = monitor.to_record().net_values["1"]
    assert rows.shape == (150, 10)
    for step in (0, 62, 63, 64, 126, 149):  # exact statistics: min, max, mean, zero fraction
        expected = summarize(inputs[step]).numpy()
        torch.testing.assert_close(
            torch.from_numpy(rows[step, [0, 6, 7, 9]]), torch.from_numpy(expected[[0, 6, 7, 9]])
        )
