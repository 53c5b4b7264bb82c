"""One run end to end (`execute_run`): the same config and seed give the same numbers, a
multi-epoch run records every step, the test split adds its metrics and picture."""

from __future__ import annotations

import pandas as pd

from trainlab.monitor import Record
from trainlab.run.config import RunConfig
from trainlab.run.execute import execute_run
from trainlab.run.identity import Run
from trainlab.run.rundir import run_dir


def _run(data_root, name: str = "run", **sections) -> Run:
    """A small MLP run on the generated data of `data_root` (8 steps unless told; no
    dashboard: none of these tests looks at it)."""
    train = {"max_steps": 8, **sections.pop("train", {})}
    data = {"root": str(data_root), "val_size": 200, **sections.pop("data", {})}
    config = RunConfig.from_dict({
        "data": data, "model": {"mlp": {"hidden": [16]}}, "train": train,
        "monitor": {"val_size": 64}, "output": {"dashboard": False}, **sections,
    })  # fmt: skip
    return Run(name, config)


def _table(*metas: dict) -> pd.DataFrame:
    """The runs' final metrics, one row per run (as results.csv has them)."""
    return pd.DataFrame([{"run": m["name"], "status": m["status"], "error": m.get("error"),
                          **m.get("metrics", {})} for m in metas])  # fmt: skip


def test_test_split_evaluation_adds_metrics_and_a_prediction_grid(data_root, tmp_path):
    out = tmp_path / "out"
    table = _table(execute_run(_run(data_root, train={"test": True}), out))
    assert 0.0 <= table.loc[0, "test_acc"] <= 1.0 and table.loc[0, "test_loss"] > 0
    assert (run_dir(out, table.loc[0, "run"]) / "test_predictions.png").is_file()


def test_same_seed_gives_identical_numbers(data_root, tmp_path):
    run = _run(data_root, optim={"lr": 0.01})
    a = _table(execute_run(run, tmp_path / "a"))
    b = _table(execute_run(run, tmp_path / "b"))
    cols = ["final_train_loss", "final_val_loss", "val_subset_loss_mean"]
    assert a[cols].equals(b[cols])


def test_multi_epoch_run_with_a_short_last_batch_records_every_step(data_root, tmp_path):
    """Regression: 3 epochs of 1,000 samples (32 batches, the last of 8) = 96 steps."""
    run = _run(data_root, train={"max_steps": 0, "epochs": 3}, data={"train_size": 1000})
    table = _table(execute_run(run, tmp_path / "out"))
    assert table.loc[0, "status"] == "completed", table.loc[0, "error"]
    record = Record.load(run_dir(tmp_path / "out", table.loc[0, "run"]))
    assert record.n_steps == 96 and all(len(v) == 96 for v in record.net_values.values())
    assert all(len(v) == 97 for v in record.weights.values())
