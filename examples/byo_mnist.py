"""Bring your own network and loop: PyTorch's MNIST example, watched by trainlab.

The network and the loop are those of the PyTorch examples repository
(``mnist/main.py``: activations written as ``F.relu``, Adadelta at lr 1.0, StepLR),
on real MNIST. The Monitor is added in three lines (marked ``# trainlab``); the
rest draws the dashboard and a movie and runs the diagnoses. docs/byo.md walks
through it.

    TRAINLAB_DATA=/path/to/datasets .venv/bin/python examples/byo_mnist.py \\
        [--steps 300] [--out /tmp/byo] [--images docs/images]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR

import trainlab
from trainlab.data import TensorLoader, load_splits
from trainlab.diagnose import diagnose, skipped
from trainlab.viz import dashboard, make_movie, movie_frame


class Net(nn.Module):
    """PyTorch's MNIST example network, unchanged."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("/tmp/byo"))
    parser.add_argument("--images", type=Path, default=None, help="also write the doc images")
    args = parser.parse_args()

    torch.manual_seed(1)
    # MNIST scaled to [0, 1] and standardized, as the example's Normalize((0.1307,), (0.3081,))
    data = load_splits("mnist", standardize="channel")
    train = TensorLoader(data.train_x, data.train_y, 64, shuffle=True, seed=1)
    model = Net()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)

    monitor = trainlab.watch(model, optimizer)  # trainlab
    step = 0
    while step < args.steps:  # the example's train(): one epoch per pass
        model.train()
        for x, y in train:
            optimizer.zero_grad()
            output = model(x)
            loss = F.nll_loss(output, y)
            loss.backward()
            optimizer.step()
            val = None
            if step % 25 == 0:  # now and then, a validation loss (optional)
                val = monitor.validation_loss(data.val_x, data.val_y, F.nll_loss)
            monitor.log_losses(loss, val)  # trainlab
            step += 1
            if step == args.steps:
                break
        scheduler.step()

    record = monitor.to_record(meta={"run": "pytorch-mnist-example"})  # trainlab
    record.save(args.out)
    print("\n".join(record.meta["notes"]))
    dashboard(record).savefig(args.out / "dashboard.png")
    make_movie(record, args.out / "movie.gif", frames=60)
    for found in diagnose(record):
        print(f"[{found.severity}] {found.name} at {found.where()}: {found.explanation}")
    for name, why in skipped(record).items():
        print(f"skipped {name}: {why}")
    if args.images is not None:
        dashboard(record, dpi=70).savefig(args.images / "byo_dashboard.png")
        movie_frame(record, 40).savefig(args.images / "byo_movie_early.png")
        movie_frame(record, record.n_steps).savefig(args.images / "byo_movie_last.png")


if __name__ == "__main__":
    main()
