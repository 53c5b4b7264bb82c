"""One epoch of MLP 784-128-64-10 on Fashion-MNIST (batch 32, Adam): fit() vs plain loops.

Three ways to train the same epoch from the same initial weights:

- ``fit``: trainlab.train.fit with the progress bar off (per-batch loss, accuracy and
  gradient norm kept as tensors, read once per epoch; validation at epoch end);
- ``plain``: a hand-written loop over the same TensorLoader batches that accumulates
  loss and correct count as tensors, then the same validation pass;
- ``classic``: DataLoader over a TensorDataset with ``.item()`` per step, as in most
  course notebooks.

Each is run ``--repeats`` times in interleaved order; the median wall time is printed
with the ratios to ``plain`` measured in the same run.

    python benchmarks/training_loop.py [--repeats 3] [--train-size 50000] [--threads 1]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from trainlab.data import TensorLoader, load_splits
from trainlab.models import mlp
from trainlab.train import evaluate, fit

BATCH_SIZE = 32
LR = 1e-3


def run_fit(model, train_x, train_y, val_loader) -> float:
    loader = TensorLoader(train_x, train_y, BATCH_SIZE, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    history = fit(model, loader, val_loader, optimizer, epochs=1, progress=False, device="cpu")
    return history.epochs[-1]["val_acc"]


def run_plain(model, train_x, train_y, val_loader) -> float:
    loader = TensorLoader(train_x, train_y, BATCH_SIZE, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    loss_sum = torch.zeros(())
    correct = torch.zeros((), dtype=torch.long)
    for xb, yb in loader:
        out = model(xb)
        loss = F.cross_entropy(out, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.detach() * len(yb)
        correct += (out.argmax(dim=1) == yb).sum()
    _ = (loss_sum.item(), correct.item())
    return evaluate(model, val_loader)["acc"]


def run_classic(model, train_x, train_y, val_x, val_y) -> float:
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=BATCH_SIZE, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    total_loss, total_correct = 0.0, 0
    for xb, yb in loader:
        out = model(xb)
        loss = F.cross_entropy(out, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(yb)
        total_correct += (out.argmax(dim=1) == yb).sum().item()
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in DataLoader(TensorDataset(val_x, val_y), batch_size=1000):
            correct += (model(xb).argmax(dim=1) == yb).sum().item()
    return correct / len(val_y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-size", type=int, default=50_000, help="training samples used")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    splits = load_splits("fashion-mnist", val_size=10_000, standardize="feature", flatten=True)
    train_x, train_y = splits.train_x[: args.train_size], splits.train_y[: args.train_size]
    val_loader = TensorLoader(splits.val_x, splits.val_y, 1000, shuffle=False)
    torch.manual_seed(0)
    initial = mlp(784, [128, 64], 10)
    runners = {
        "fit": lambda m: run_fit(m, train_x, train_y, val_loader),
        "plain": lambda m: run_plain(m, train_x, train_y, val_loader),
        "classic": lambda m: run_classic(m, train_x, train_y, splits.val_x, splits.val_y),
    }
    times: dict[str, list[float]] = {name: [] for name in runners}
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"{len(train_y)} samples, batch {BATCH_SIZE}, {args.repeats} repeats")  # fmt: skip
    for repeat in range(args.repeats):
        for name, runner in runners.items():
            model = copy.deepcopy(initial)
            start = time.perf_counter()
            acc = runner(model)
            times[name].append(time.perf_counter() - start)
            print(f"  repeat {repeat}: {name:8s} {times[name][-1]:7.2f} s  val_acc {acc:.4f}")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name, median in medians.items():
        print(f"{name:8s} median {median:7.2f} s   ratio to plain {median / medians['plain']:.3f}")


if __name__ == "__main__":
    main()
