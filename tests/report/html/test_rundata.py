"""The per-run data files of the report: what the charts and the player read, exactly."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.monitor import Record
from trainlab.monitor.record import ACTIVATION_SIGNALS, LAYER_SIGNALS, QUANTILE_LEVELS
from trainlab.report.html import rundata
from trainlab.report.html.explore import t_quantiles
from trainlab.run import rundir

N_STEPS = 12


def _record(n: int = N_STEPS, seed: int = 0) -> Record:
    """A record of n steps: one layer (weights from step 0) and one activation site."""
    rng = np.random.default_rng(seed)

    def sorted_rows(rows: int) -> np.ndarray:
        return np.sort(rng.normal(size=(rows, len(QUANTILE_LEVELS))), axis=1)

    outputs = np.maximum(sorted_rows(n), 0.0)  # a ReLU: half its quantiles exactly 0
    return Record(
        quantiles={"weights": {"fc": sorted_rows(n + 1)}, "outputs": {"act": outputs}},
        layer_signals={"fc": rng.random((n, len(LAYER_SIGNALS)))},
        activation_signals={"act": np.column_stack([rng.random(n), np.full(n, np.nan)])},
        train_loss=rng.random(n).astype(np.float32),
        val_loss=np.where(np.arange(n) % 3 == 0, rng.random(n), np.nan).astype(np.float32),
        meta={"steps_per_epoch": 4},
    )


def test_arrays_travel_exactly_as_float32_and_quantiles_within_a_65534th_of_their_range():
    values = np.array([0.5, np.nan, -3.25, 1e-7])
    np.testing.assert_array_equal(rundata.decode_f32(rundata.f32(values)),
                                  values.astype(np.float32))  # fmt: skip
    q = np.sort(np.random.default_rng(1).normal(size=(50, 21)), axis=1)
    q[3, 4] = np.inf  # a step whose tensor held inf: not finite, kept missing
    packed = rundata.u16(q)
    back = rundata.decode_u16(packed)
    finite = np.isfinite(q)
    assert np.isnan(back[~finite]).all()
    span = q[finite].max() - q[finite].min()
    assert np.abs(back[finite] - q[finite]).max() <= span / 65534 / 2 + 1e-12


def test_the_player_keeps_every_step_and_the_initial_weights():
    record = _record()
    data = rundata.player_data(record)
    assert rundata.decode_f32(data["step"]).tolist() == list(range(1, N_STEPS + 1))
    tensors = {(t["kind"], t["name"]): t for t in data["tensors"]}
    weights, outputs = tensors["weights", "fc"], tensors["outputs", "act"]
    assert weights["first"] == 0 and outputs["first"] == 1
    q = record.quantiles["weights"]["fc"]
    np.testing.assert_allclose(rundata.decode_u16(weights), q, atol=np.ptp(q) / 65534)
    assert rundata.decode_u16(outputs).shape == (N_STEPS, len(QUANTILE_LEVELS))
    signals = {(s["name"], s["signal"]): s for s in data["signals"]}
    np.testing.assert_allclose(rundata.decode_f32(signals["fc", "update_ratio"]["values"]),
                               record.signal("update_ratio", "fc"), rtol=1e-6)  # fmt: skip
    assert ("act", ACTIVATION_SIGNALS[1]) not in signals  # never measured: left out
    np.testing.assert_array_equal(np.isnan(rundata.decode_f32(data["val_loss"])),
                                  np.isnan(record.val_loss))  # fmt: skip
    assert data["steps_per_epoch"] == 4 and data["thinned"] is False


def test_a_long_run_keeps_steps_spread_evenly_with_the_first_and_last(monkeypatch):
    monkeypatch.setattr(rundata, "PLAYER_MAX_STEPS", 5)
    data = rundata.player_data(_record(n=40))
    steps = rundata.decode_f32(data["step"]).astype(int).tolist()
    assert steps[0] == 1 and steps[-1] == 40 and len(steps) == 5 and data["thinned"]
    weights = next(t for t in data["tensors"] if t["kind"] == "weights")
    rows = rundata.decode_u16(weights)
    assert len(rows) == 1 + 5  # the initial weights, then the kept steps


def test_a_record_without_quantiles_has_no_player():
    record = _record()
    record.quantiles = {}
    assert rundata.player_data(record) is None


@pytest.fixture
def run_dir(tmp_path):
    directory = tmp_path / "runs" / "lr=0.1"
    _record().save(directory)
    pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.95],
                  "train_acc": [0.5, 0.6, 0.7], "val_acc": [0.45, 0.55, 0.6]}).to_csv(
        directory / rundir.HISTORY_FILE, index=False)  # fmt: skip
    return directory


def test_run_data_is_written_once_and_rewritten_when_the_run_changes(run_dir, tmp_path):
    report = tmp_path / "report"
    found = rundata.write_run_data(run_dir, "lr=0.1", report)
    assert found.curves == "../data/curves/lr%3D0.1.js"
    assert found.player == "../data/player/lr%3D0.1.js"
    curves = rundata.read_script(report / "data" / "curves" / "lr=0.1.js")
    assert rundata.decode_f32(curves["epoch"]["val_acc"]).tolist() == pytest.approx(
        [0.45, 0.55, 0.6]
    )
    np.testing.assert_array_equal(rundata.decode_f32(curves["step"]["train_loss"]),
                                  Record.load(run_dir).train_loss)  # fmt: skip
    path = report / "data" / "player" / "lr=0.1.js"
    assert path.read_text().startswith('TL.put("player","lr=0.1",{')
    written = path.stat().st_mtime_ns
    rundata.write_run_data(run_dir, "lr=0.1", report)
    assert path.stat().st_mtime_ns == written  # current: kept
    later = written / 1e9 + 10
    os.utime(run_dir / rundir.HISTORY_FILE, (later, later))
    rundata.write_run_data(run_dir, "lr=0.1", report)
    assert path.stat().st_mtime_ns != written  # the run changed: rewritten


def test_the_bands_use_students_t_with_n_minus_1_degrees_of_freedom():
    table = t_quantiles(10)
    assert set(table) == set(range(2, 11))
    assert table[2] == pytest.approx(12.706, abs=1e-3)
    assert table[3] == pytest.approx(stats.t.ppf(0.975, 2))
