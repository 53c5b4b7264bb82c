"""Cost of monitoring: a plain training loop vs the same loop with a Monitor in each mode.

MLP 3072-256-128-10 on CIFAR-shaped random input, batch 32, Adam, 100 batches, with
the train loss and a no_grad validation loss on 512 samples after every batch.
Prints the median time of each side over several repeats (after a warm-up) and the
ratio monitored / plain measured in the same run. Targets: summary <= 1.25x, full <= 2x.

    .venv/bin/python benchmarks/monitor_overhead.py [--repeats 7] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from trainlab.monitor import Monitor

BATCHES = 100
BATCH_SIZE = 32
VAL_SIZE = 512


def _model() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(3072, 256),
        nn.ReLU(),
        nn.Linear(256, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


def _run(mode: str | None, data: tuple[torch.Tensor, ...]) -> float:
    """Seconds for BATCHES training steps, monitored in `mode` (None: plain loop)."""
    x, y, val_x, val_y = data
    torch.manual_seed(0)
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    monitor = Monitor(model, optimizer=optimizer, mode=mode) if mode else None
    start = time.perf_counter()
    for i in range(BATCHES):
        xb = x[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]  # (32, 3, 32, 32)
        yb = y[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = F.cross_entropy(model(val_x), val_y)
        model.train()
        if monitor is not None:
            monitor.log_losses(loss, val_loss)
    if monitor is not None:
        monitor.to_record()  # the one device-to-host copy belongs to the monitored cost
        monitor.detach()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    data = (
        torch.randn(BATCHES * BATCH_SIZE, 3, 32, 32, generator=gen),
        torch.randint(0, 10, (BATCHES * BATCH_SIZE,), generator=gen),
        torch.randn(VAL_SIZE, 3, 32, 32, generator=gen),
        torch.randint(0, 10, (VAL_SIZE,), generator=gen),
    )
    modes = [None, "summary", "full", "sample"]
    for mode in modes:  # warm-up
        _run(mode, data)
    times: dict[str | None, list[float]] = {mode: [] for mode in modes}
    for _ in range(args.repeats):  # interleaved, so load changes hit every side alike
        for mode in modes:
            times[mode].append(_run(mode, data))
    plain = statistics.median(times[None])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.repeats} repeats")
    print(f"plain loop      {plain * 1e3 / BATCHES:7.2f} ms/step")
    for mode in modes[1:]:
        median = statistics.median(times[mode])
        print(
            f"monitor {mode:8s}{median * 1e3 / BATCHES:7.2f} ms/step   ratio {median / plain:.2f}x"
        )


if __name__ == "__main__":
    main()
