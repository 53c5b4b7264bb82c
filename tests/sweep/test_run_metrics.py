"""A run's final metrics as written to run.json."""

from __future__ import annotations

from trainlab.sweep.run import run_metrics
from trainlab.train import History


def _epoch(epoch: int, val_loss: float, val_acc: float) -> dict[str, float]:
    return {"epoch": epoch, "train_loss": 0.5, "train_acc": 0.8, "val_loss": val_loss,
            "val_acc": val_acc, "grad_norm": 1.0, "lr": 1e-3, "time": float(epoch)}  # fmt: skip


def test_best_epoch_is_the_one_early_stopping_kept():
    history = History(epochs=[_epoch(1, 0.40, 0.80), _epoch(2, 0.45, 0.86), _epoch(3, 0.50, 0.84)])
    history.best_epoch = 2  # chosen on val_acc, while val_loss is lowest at epoch 1
    metrics = run_metrics(history, None)
    assert metrics["best_epoch"] == 2
    assert metrics["best_val_loss"] == 0.40 and metrics["best_val_acc"] == 0.86


def test_steps_count_the_batches():
    history = History(epochs=[_epoch(1, 0.4, 0.8)])
    history.batches = [{"step": s, "epoch": 1, "loss": 0.5, "grad_norm": 1.0} for s in (1, 2, 3)]
    assert run_metrics(history, None)["steps"] == 3
