"""A run's final metrics as written to run.json."""

from __future__ import annotations

import pytest

from trainlab.run.metrics import run_metrics
from trainlab.train import History


def _epoch(epoch: int, val_loss: float, val_acc: float, train_loss: float = 0.5):
    return {"epoch": epoch, "train_loss": train_loss, "train_acc": 0.8, "val_loss": val_loss,
            "val_acc": val_acc, "train_loss_running": 0.6, "train_acc_running": 0.7,
            "grad_norm": 1.0, "lr": 1e-3, "time": float(epoch)}  # fmt: skip


def _history() -> History:
    history = History(epochs=[_epoch(1, 0.40, 0.80, 0.6), _epoch(2, 0.45, 0.86, 0.4),
                              _epoch(3, 0.50, 0.84, 0.3)])  # fmt: skip
    history.best_epoch = 2  # chosen on val_acc, while val_loss is lowest at epoch 1
    return history


def test_kept_model_metrics_come_from_the_epoch_early_stopping_restored():
    metrics = run_metrics(_history(), None, restored=True)
    assert metrics["kept_epoch"] == 2 and metrics["best_epoch"] == 2
    assert metrics["val_loss"] == 0.45 and metrics["val_acc"] == 0.86
    assert metrics["train_loss"] == 0.4 and metrics["gap_loss"] == pytest.approx(0.05)
    assert metrics["final_val_loss"] == 0.50 and metrics["final_gap_loss"] == pytest.approx(0.2)
    assert metrics["best_val_loss"] == 0.40 and metrics["best_val_acc"] == 0.86


def test_without_early_stopping_the_last_epoch_is_kept():
    metrics = run_metrics(_history(), None, restored=False)
    assert metrics["kept_epoch"] == 3 and metrics["val_loss"] == metrics["final_val_loss"] == 0.5


def test_steps_and_epochs_count_what_ran():
    history = History(epochs=[_epoch(1, 0.4, 0.8)])
    history.batches = [{"step": s, "epoch": 1, "loss": 0.5, "grad_norm": 1.0} for s in (1, 2, 3)]
    metrics = run_metrics(history, None, restored=False)
    assert metrics["steps"] == 3 and metrics["epochs_run"] == 1


def test_the_update_ratio_metric_measures_the_weight_layers_the_diagnoses_judge():
    import numpy as np

    from trainlab.monitor.record import LAYER_SIGNALS, Record
    from trainlab.run.metrics import signal_summary

    def ratios(value: float) -> np.ndarray:
        signals = np.full((4, len(LAYER_SIGNALS)), np.nan, np.float32)
        signals[:, LAYER_SIGNALS.index("update_ratio")] = value
        return signals

    record = Record(
        train_loss=np.ones(4, np.float32),
        layer_signals={"fc1": ratios(1e-3), "bn1": ratios(0.5), "fc2": ratios(3e-3)},
        meta={"weight_layers": ["fc1", "fc2"]},  # bn1: a norm weight, recorded, not judged
    )
    assert record.weight_layers == ["fc1", "fc2"]
    assert signal_summary(record)["update_ratio_median"] == pytest.approx(2e-3)
    older = Record(train_loss=record.train_loss, layer_signals=record.layer_signals)
    assert older.weight_layers == ["fc1", "bn1", "fc2"]  # said nothing: every layer
