"""Time one epoch of batches over Fashion-MNIST: TensorLoader vs DataLoader(TensorDataset).

Also times loading both splits from disk. Each figure is the median of several repeats,
both sides measured in the same run.

    python benchmarks/data_loading.py [--repeats 5] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterable

import torch
from torch.utils.data import DataLoader, TensorDataset

from trainlab.data import TensorLoader, load_dataset, load_splits


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls of `fn`."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def consume(batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> int:
    """Iterate one epoch, touching each batch; returns the number of samples seen."""
    return sum(yb.shape[0] for _, yb in batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(1)  # the same single thread for both loaders

    load_s = median_seconds(
        lambda: (load_dataset("fashion-mnist", "train"), load_dataset("fashion-mnist", "test")),
        args.repeats,
    )
    splits_s = median_seconds(lambda: load_splits("fashion-mnist"), args.repeats)
    print(f"load_dataset, train + test (70,000 images): {load_s * 1e3:8.1f} ms")
    print(f"load_splits (float, 90/10 split):          {splits_s * 1e3:8.1f} ms")

    train = load_splits("fashion-mnist")
    x, y = train.train_x, train.train_y
    ours = TensorLoader(x, y, args.batch_size, shuffle=True, seed=0)
    theirs = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    assert consume(ours) == consume(theirs) == len(x)

    ours_s = median_seconds(lambda: consume(ours), args.repeats)
    theirs_s = median_seconds(lambda: consume(theirs), args.repeats)
    print(f"one epoch, {len(x)} samples, batch {args.batch_size}, {len(ours)} batches:")
    print(f"  TensorLoader:               {ours_s * 1e3:8.1f} ms")
    print(f"  DataLoader(TensorDataset):  {theirs_s * 1e3:8.1f} ms")
    print(f"  speed-up (DataLoader / TensorLoader): {theirs_s / ours_s:.1f}x")


if __name__ == "__main__":
    main()
