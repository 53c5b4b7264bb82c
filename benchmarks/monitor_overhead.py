"""Cost of monitoring: a plain training loop vs the same loop with a Monitor in each mode.

Every monitored side records everything: statistics, quantiles, gradients
(``grads=True``) and every signal. Three cases, on random data of the real shapes:

- ``cifar``: MLP 3072-256-128-10, batch 32, Adam, 100 batches, with the train loss and
  a no_grad validation loss on 512 samples after every batch (a 16 ms step, large
  tensors). Targets: summary <= 1.25x, full < 2x.
- ``fmnist``: MLP 784-128-64-10, batch 32, Adam, one epoch of 50,000 samples (1,563
  steps), train loss only (a 0.8 ms step: the monitor's fixed per-step costs dominate).
  Target: summary <= 1.5x. Mode ``full`` is left out by default (1.4 GB of copies).
- ``functional``: the ``fmnist`` MLP written with ``F.relu`` (as tutorials write it),
  plain and monitored in summary mode, whose activations are then seen through the
  torch function mode; beside it the ``nn.ReLU`` MLP monitored through module hooks.
  Printed: functional capture over the plain loop and over module hooks.

Sides run interleaved (plain, then each mode, per repeat) after one warm-up each, so a
load change on this shared machine hits every side alike; printed: the median wall
time per step of each side, the ratio of the medians, and the median and range of the
per-repeat ratios (each monitored run over the plain run just before it).

    .venv/bin/python benchmarks/monitor_overhead.py [--case cifar fmnist] [--repeats 7]
        [--threads N] [--modes summary sample]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trainlab.monitor import Monitor

BATCH_SIZE = 32


@dataclass(frozen=True)
class Case:
    """One benchmark setting."""

    widths: tuple[int, ...]  # input, hidden..., output
    image: tuple[int, ...]  # one input's shape
    steps: int
    val_size: int  # validation samples scored after every batch; 0: none
    modes: tuple[str, ...]  # monitored modes run by default
    functional: bool = False  # F.relu in forward (else nn.ReLU modules)


CASES = {
    "cifar": Case((3072, 256, 128, 10), (3, 32, 32), 100, 512, ("summary", "full", "sample")),
    "fmnist": Case((784, 128, 64, 10), (1, 28, 28), 1_563, 0, ("summary", "sample")),
    # sides: the F.relu MLP monitored, and the nn.ReLU MLP monitored ("hooks")
    "functional": Case((784, 128, 64, 10), (1, 28, 28), 1_563, 0, ("summary", "hooks"), True),
}


class FunctionalMLP(nn.Module):
    """The MLP of `_model` with its activations written as ``F.relu`` calls."""

    def __init__(self, widths: tuple[int, ...]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:], strict=True)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, 1)  # (B, 784)
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        return self.layers[-1](x)


def _model(widths: tuple[int, ...]) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    for fan_in, fan_out in zip(widths[:-2], widths[1:-1], strict=True):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(widths[-2], widths[-1]))


def _data(case: Case) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(0)
    n = case.steps * BATCH_SIZE
    return (
        torch.randn(n, *case.image, generator=gen),
        torch.randint(0, case.widths[-1], (n,), generator=gen),
        torch.randn(max(case.val_size, 1), *case.image, generator=gen),
        torch.randint(0, case.widths[-1], (max(case.val_size, 1),), generator=gen),
    )


def _run(case: Case, mode: str | None, data: tuple[torch.Tensor, ...]) -> float:
    """Seconds for the case's training steps, monitored in `mode` (None: plain loop;
    "hooks": the nn.ReLU model monitored in summary mode)."""
    x, y, val_x, val_y = data
    torch.manual_seed(0)
    functional = case.functional and mode != "hooks"
    model = FunctionalMLP(case.widths) if functional else _model(case.widths)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    mode = "summary" if mode == "hooks" else mode
    monitor = Monitor(model, optimizer=optimizer, mode=mode, grads=True) if mode else None
    start = time.perf_counter()
    for i in range(case.steps):
        xb = x[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]  # (32, *image)
        yb = y[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        val_loss = None
        if case.val_size:
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


def bench(name: str, case: Case, modes: tuple[str, ...], repeats: int) -> None:
    """Print one case's per-step times and ratios to the plain loop."""
    data = _data(case)
    sides: list[str | None] = [None, *modes]
    for mode in sides:  # warm-up
        _run(case, mode, data)
    times: dict[str | None, list[float]] = {mode: [] for mode in sides}
    for _ in range(repeats):  # interleaved, so load changes hit every side alike
        for mode in sides:
            times[mode].append(_run(case, mode, data))
    plain = statistics.median(times[None])
    widths = "-".join(map(str, case.widths))
    print(f"\n{name}: MLP {widths}, {case.steps} steps, validation {case.val_size or 'none'}")
    print(f"plain loop      {plain * 1e3 / case.steps:7.3f} ms/step"
          + (" (F.relu)" if case.functional else ""))  # fmt: skip
    for mode in modes:
        median = statistics.median(times[mode])
        # Each repeat's monitored time over the plain time measured just before it: a
        # load change between repeats cancels out of the pair.
        paired = sorted(t / p for t, p in zip(times[mode], times[None], strict=True))
        print(
            f"monitor {mode:8s}{median * 1e3 / case.steps:7.3f} ms/step   ratio "
            f"{median / plain:.2f}x   paired ratios: median {statistics.median(paired):.2f}x, "
            f"range {paired[0]:.2f}-{paired[-1]:.2f}"
        )
    if case.functional and {"summary", "hooks"} <= times.keys():  # both sides were measured
        over = sorted(f / h for f, h in zip(times["summary"], times["hooks"], strict=True))
        print(
            f"functional capture / module hooks: ratio "
            f"{statistics.median(times['summary']) / statistics.median(times['hooks']):.2f}x, "
            f"paired median {statistics.median(over):.2f}x, range {over[0]:.2f}-{over[-1]:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--modes", nargs="+", choices=("summary", "full", "sample", "hooks"),
                        default=None)  # fmt: skip
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.repeats} repeats")
    for name in args.case:
        case = CASES[name]
        bench(name, case, tuple(args.modes or case.modes), args.repeats)


if __name__ == "__main__":
    main()
