"""Per-batch losses of a run directory: from its record (no raw tensors), else batches.csv."""

import numpy as np
import pandas as pd

from trainlab.monitor import Record
from trainlab.report.html import report as html_report
from trainlab.report.writer import batch_losses


def test_losses_come_from_the_record_without_reading_its_raw_tensors(tmp_path):
    record = Record(
        train_loss=np.array([2.0, 1.5, 1.0], np.float32),
        val_loss=np.array([np.nan, 1.6, 1.2], np.float32),
        tensors={"weights": {"fc1": [np.zeros(2)] * 4}},
    )
    record.save(tmp_path)
    (tmp_path / "record_tensors.npz").unlink()  # a full load would now fail
    frame = batch_losses(tmp_path)
    assert frame["step"].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(frame["train_loss"], record.train_loss)
    np.testing.assert_array_equal(frame["val_loss"], record.val_loss)


def test_without_a_record_the_train_loss_comes_from_batches_csv(tmp_path):
    pd.DataFrame({"step": [1, 2], "epoch": [0, 0], "loss": [2.0, 1.0], "grad_norm": [1, 1]}).to_csv(
        tmp_path / "batches.csv", index=False
    )
    frame = batch_losses(tmp_path)
    assert list(frame.columns) == ["step", "train_loss"]
    assert frame["train_loss"].tolist() == [2.0, 1.0]


def test_a_directory_without_losses_gives_none(tmp_path):
    assert batch_losses(tmp_path) is None


def test_the_html_report_shares_the_one_implementation():
    assert html_report.batch_losses is batch_losses
