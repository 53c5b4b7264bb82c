"""TensorBoard export, read back with TensorBoard's own event reader."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pandas as pd
import pytest

from trainlab.cli import main
from trainlab.errors import ConfigError
from trainlab.integrations.tensorboard import export_tensorboard, quartile_histogram
from trainlab.monitor import Record
from trainlab.monitor.record import STAT_INDEX

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator", reason="needs trainlab[tensorboard]"
)


def read_events(path):
    events = event_accumulator.EventAccumulator(
        str(path), size_guidance={"scalars": 0, "histograms": 0}
    )
    events.Reload()
    return events


def scalars(events, tag):
    return {e.step: e.value for e in events.Scalars(tag)}


def test_scalars_match_history_and_record(summary_run, tmp_path):
    path = export_tensorboard(summary_run, tmp_path / "tb")
    assert path == tmp_path / "tb" / summary_run.name
    events = read_events(path)
    batches = pd.read_csv(summary_run / "batches.csv")
    epochs = pd.read_csv(summary_run / "history.csv")
    record = Record.load(summary_run)

    train = scalars(events, "batch/train_loss")
    assert sorted(train) == list(range(1, 9))
    np.testing.assert_allclose([train[s] for s in batches["step"]], batches["loss"], rtol=1e-6)
    val = scalars(events, "batch/val_loss")
    np.testing.assert_allclose([val[s] for s in range(1, 9)], record.val_loss, rtol=1e-6)
    for column in ("train_loss", "val_loss", "val_acc", "grad_norm", "lr"):
        # one epoch of 8 steps: logged at step 8, the step that ended it
        assert scalars(events, f"epoch/{column}") == pytest.approx({8: epochs[column][0]})


def test_the_signals_the_diagnoses_read_are_exported_per_layer_and_step(summary_run, tmp_path):
    events = read_events(export_tensorboard(summary_run, tmp_path))
    record = Record.load(summary_run, tensors=False)
    tags = set(events.Tags()["scalars"])
    for layer in record.layer_signals:
        for signal in ("grad_norm", "update_ratio"):
            exported = scalars(events, f"{signal}/{layer}")
            assert sorted(exported) == list(range(1, 9))
            np.testing.assert_allclose([exported[s] for s in range(1, 9)],
                                       record.signal(signal, layer), rtol=1e-6)  # fmt: skip
    for site in record.activation_signals:
        dead = scalars(events, f"dead_frac/{site}")
        np.testing.assert_allclose([dead[s] for s in range(1, 9)],
                                   record.signal("dead_frac", site), rtol=1e-6)  # fmt: skip
        assert f"saturated_frac/{site}" not in tags  # a ReLU: saturation is not measured


def test_a_study_exports_every_run_into_one_log_directory(summary_run, full_run, tmp_path, capsys):
    out = tmp_path / "study"
    for run in (summary_run, full_run):
        shutil.copytree(run, out / "runs" / run.name)
    (out / "study.json").write_text('{"name": "two", "runs": ["tiny", "full"], "axes": {}}')
    assert main(["export-tb", str(out)]) == 0
    logdir = out / "tensorboard"
    assert sorted(p.name for p in logdir.iterdir()) == ["full", "tiny"]
    for name in ("full", "tiny"):
        assert "update_ratio/" in " ".join(read_events(logdir / name).Tags()["scalars"])
    assert f"tensorboard --logdir {logdir}" in capsys.readouterr().out


def test_summary_histograms_carry_the_recorded_quartiles(summary_run, tmp_path):
    events = read_events(export_tensorboard(summary_run, tmp_path))
    record = Record.load(summary_run)
    layer = next(iter(record.weights))
    histograms = events.Histograms(f"weights/{layer}")
    assert [h.step for h in histograms] == list(range(9))  # initial weights + 8 steps
    for h in histograms:
        stats = record.weights[layer][h.step]
        value = h.histogram_value
        assert value.min == pytest.approx(stats[STAT_INDEX["min"]], rel=1e-6)
        assert value.max == pytest.approx(stats[STAT_INDEX["max"]], rel=1e-6)
        assert value.sum / value.num == pytest.approx(stats[STAT_INDEX["mean"]], rel=1e-5)
        quartiles = [stats[STAT_INDEX[s]] for s in ("q1", "median", "q3", "max")]
        np.testing.assert_allclose(value.bucket_limit, quartiles, rtol=1e-6)
    site = next(iter(record.outputs))
    assert [h.step for h in events.Histograms(f"outputs/{site}")] == list(range(1, 9))


def test_full_records_export_exact_histograms_of_the_raw_tensors(full_run, tmp_path):
    events = read_events(export_tensorboard(full_run, tmp_path))
    record = Record.load(full_run)
    layer = next(iter(record.weights))
    histograms = events.Histograms(f"weights/{layer}")
    assert len(histograms) == 9
    for h in histograms:
        raw = record.tensors["weights"][layer][h.step]
        assert h.histogram_value.num == raw.size
        assert h.histogram_value.min == pytest.approx(float(raw.min()), rel=1e-6)
        assert h.histogram_value.sum == pytest.approx(float(raw.astype(np.float64).sum()), abs=1e-3)


def test_export_again_replaces_the_previous_events(summary_run, tmp_path):
    export_tensorboard(summary_run, tmp_path)
    path = export_tensorboard(summary_run, tmp_path)
    assert len(list(path.glob("events.out.tfevents.*"))) == 1
    assert [p.name for p in tmp_path.iterdir()] == [summary_run.name]  # no staging leftovers


def test_default_logdir_is_inside_the_run(summary_run):
    path = export_tensorboard(summary_run)
    assert path == summary_run / "tensorboard" / summary_run.name


def test_non_finite_summary_rows_are_skipped():
    stats = np.arange(len(STAT_INDEX), dtype=np.float64)
    assert quartile_histogram(stats)["bucket_limits"] == [2.0, 3.0, 4.0, 6.0]
    stats[STAT_INDEX["max"]] = np.inf
    assert quartile_histogram(stats) is None


def test_missing_tensorboard_names_the_extra(summary_run, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ConfigError, match=r"trainlab\[tensorboard\]"):
        export_tensorboard(summary_run)
