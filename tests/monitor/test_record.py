"""Record persistence: round trip, atomic index, clear errors on broken directories."""

import json

import numpy as np
import pytest

from trainlab.errors import RecordError
from trainlab.monitor import STATS, Record
from trainlab.monitor.record import ACTIVATION_SIGNALS, LAYER_SIGNALS, QUANTILE_LEVELS


def _record(steps: int = 5, with_tensors: bool = False) -> Record:
    rng = np.random.default_rng(0)
    rec = Record(
        weights={"fc1": rng.normal(size=(steps + 1, len(STATS))).astype(np.float32)},
        net_values={"act1": rng.normal(size=(steps, len(STATS))).astype(np.float32)},
        outputs={"act1": rng.normal(size=(steps, len(STATS))).astype(np.float32)},
        train_loss=np.linspace(2, 1, steps, dtype=np.float32),
        val_loss=np.linspace(2.1, 1.2, steps, dtype=np.float32),
        meta={"mode": "full" if with_tensors else "summary", "seed": 3},
    )
    if with_tensors:
        rec.tensors = {"weights": {"fc1": [rng.normal(size=(4, 3)) for _ in range(steps + 1)]}}
    return rec


@pytest.mark.parametrize("with_tensors", [False, True])
def test_record_round_trips_through_a_directory(tmp_path, with_tensors):
    rec = _record(with_tensors=with_tensors)
    rec.save(tmp_path)
    back = Record.load(tmp_path)
    assert back.n_steps == 5
    np.testing.assert_array_equal(back.weights["fc1"], rec.weights["fc1"])
    np.testing.assert_array_equal(back.outputs["act1"], rec.outputs["act1"])
    np.testing.assert_array_equal(back.val_loss, rec.val_loss)
    assert back.meta == rec.meta
    if with_tensors:
        assert len(back.tensors["weights"]["fc1"]) == 6
        np.testing.assert_allclose(
            back.tensors["weights"]["fc1"][2], rec.tensors["weights"]["fc1"][2]
        )
    assert not list(tmp_path.glob("*.tmp")), "temporary files left behind"


def test_stat_selects_one_column(tmp_path):
    rec = _record()
    np.testing.assert_array_equal(rec.stat("weights", "fc1", "median"), rec.weights["fc1"][:, 3])


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(RecordError, match="not a trainlab record directory"):
        Record.load(tmp_path)


def test_missing_array_file_is_named(tmp_path):
    _record().save(tmp_path)
    (tmp_path / "record.npz").unlink()
    with pytest.raises(RecordError, match="record.npz: missing"):
        Record.load(tmp_path)


def test_other_format_version_is_refused(tmp_path):
    path = _record().save(tmp_path)
    index = json.loads(path.read_text())
    index["format_version"] = 99
    path.write_text(json.dumps(index))
    with pytest.raises(RecordError, match="format version 99"):
        Record.load(tmp_path)


def test_load_without_tensors_does_not_read_the_tensor_file(tmp_path):
    rec = _record(with_tensors=True)
    rec.save(tmp_path)
    (tmp_path / "record_tensors.npz").unlink()  # a read would now fail
    back = Record.load(tmp_path, tensors=False)
    assert back.tensors == {}
    np.testing.assert_array_equal(back.train_loss, rec.train_loss)
    np.testing.assert_array_equal(back.weights["fc1"], rec.weights["fc1"])
    assert back.meta == rec.meta


def test_quantiles_and_signals_round_trip_and_read_by_name(tmp_path):
    rec = _record(steps=4)
    rng = np.random.default_rng(1)
    rec.quantiles = {
        "weights": {"fc1": rng.normal(size=(5, len(QUANTILE_LEVELS))).astype(np.float32)},
        "outputs": {"act1": rng.normal(size=(4, len(QUANTILE_LEVELS))).astype(np.float32)},
    }
    rec.layer_signals = {"fc1": rng.normal(size=(4, len(LAYER_SIGNALS))).astype(np.float32)}
    rec.activation_signals = {"act1": rng.random((4, len(ACTIVATION_SIGNALS))).astype(np.float32)}
    rec.save(tmp_path)
    back = Record.load(tmp_path)
    for kind, per_name in rec.quantiles.items():
        for name, values in per_name.items():
            np.testing.assert_array_equal(back.quantiles[kind][name], values)
    ratio, dead = rec.layer_signals["fc1"][:, 3], rec.activation_signals["act1"][:, 0]
    np.testing.assert_array_equal(back.signal("update_ratio", "fc1"), ratio)
    np.testing.assert_array_equal(back.signal("dead_frac", "act1"), dead)
    with pytest.raises(ValueError, match="unknown signal 'dead'"):
        back.signal("dead", "act1")
