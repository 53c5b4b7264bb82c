"""Reloading finished runs: model, history, record, and evaluation on a split."""

from __future__ import annotations

import base64
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

import trainlab
from trainlab.data.locate import locate
from trainlab.data.synthetic import write_synthetic
from trainlab.errors import ConfigError, RecordError
from trainlab.monitor import Record
from trainlab.run import evaluate_run, load_run, rundir
from trainlab.run.config import RunConfig
from trainlab.run.execute import execute_run
from trainlab.run.identity import Run
from trainlab.run.reload import batch_losses
from trainlab.train.evaluation import confusion_matrix
from trainlab.viz.confusion import confusion_matrix_figure


def train(out, data: dict, *, name: str = "run", batch_norm: str = "none"):
    """A finished run with test metrics computed on the in-memory model by the runner."""
    config = RunConfig.from_dict(
        {
            "data": data,
            "model": {"mlp": {"hidden": [16], "batch_norm": batch_norm, "dropout": 0.2}},
            "train": {"max_steps": 8, "test": True},
            "monitor": {"val_size": 64},
            "output": {"dashboard": False},
        }
    )
    meta = execute_run(Run(name, config), out)
    assert meta["status"] == "completed", meta.get("error")
    return rundir.run_dir(out, name), meta


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = write_synthetic(
        "fashion-mnist", tmp_path_factory.mktemp("data"), n_train=1_200, n_test=300
    )
    data = {"root": str(root), "val_size": 200}
    return train(tmp_path_factory.mktemp("study"), data, batch_norm="before")


@pytest.fixture
def broken(finished, tmp_path):
    """A copy of the finished run directory, to damage."""
    return shutil.copytree(finished[0], tmp_path / "run")


def test_evaluate_run_equals_the_test_metrics_of_the_in_memory_model(finished):
    directory, meta = finished
    result = evaluate_run(directory)
    assert result["n"] == 300
    # dropout + batch norm: equal only if the reloaded model is in eval mode with its stats
    assert result["acc"] == meta["metrics"]["test_acc"]
    assert result["loss"] == pytest.approx(meta["metrics"]["test_loss"], rel=1e-6)


def test_evaluate_run_on_val_equals_the_final_val_metrics(finished):
    directory, meta = finished
    result = evaluate_run(directory, "val")
    assert result["acc"] == meta["metrics"]["final_val_acc"]
    assert result["loss"] == pytest.approx(meta["metrics"]["final_val_loss"], rel=1e-6)


@pytest.mark.slow
def test_reloaded_fashion_mnist_run_matches_its_test_metrics(tmp_path):
    if locate("fashion-mnist", "train") is None or locate("fashion-mnist", "test") is None:
        pytest.skip("Fashion-MNIST is not installed on this machine")
    directory, meta = train(tmp_path, {"val_size": 500, "train_size": 2000})
    result = evaluate_run(directory)
    assert result["n"] == 10_000
    assert result["acc"] == meta["metrics"]["test_acc"]
    assert result["acc"] > 0.3  # 8 steps of Adam on real data: well above chance (0.1)


def test_load_run_returns_model_history_record_and_metrics(finished):
    directory, meta = finished
    run = load_run(directory)
    assert run.name == "run" and run.status == "completed"
    assert run.metrics == meta["metrics"]
    assert not run.model.training
    saved = torch.load(directory / "model.pt", weights_only=True)
    for key, value in run.model.state_dict().items():
        torch.testing.assert_close(value, saved[key])
    pd.testing.assert_frame_equal(run.history.to_frame(), pd.read_csv(directory / "history.csv"))
    assert run.history.n_steps == 8
    assert run.history.best_epoch == 1
    assert run.record.n_steps == 8
    assert run.config.model.mlp.batch_norm == "before"


def test_evaluate_run_writes_sample_grid_and_confusion_matrix(finished, tmp_path):
    result = evaluate_run(finished[0], figures=True, out_dir=tmp_path)
    names = sorted(p.name for p in result["figures"])
    assert names == ["eval_test_confusion.png", "eval_test_samples.png"]
    for path in result["figures"]:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_model_file_is_named(broken):
    (broken / "model.pt").unlink()
    with pytest.raises(RecordError, match=r"model\.pt: missing.*status: completed"):
        load_run(broken)
    with pytest.raises(RecordError, match=r"model\.pt"):
        evaluate_run(broken)


@pytest.mark.parametrize("name", ["config.json", "run.json", "history.csv", "record.json"])
def test_missing_run_files_are_named(broken, name):
    (broken / name).unlink()
    with pytest.raises(RecordError, match=name.replace(".", r"\.")):
        load_run(broken)


def test_run_from_another_trainlab_version_is_refused(broken):
    path = broken / "config.json"
    saved = json.loads(path.read_text())
    saved["trainlab_version"] = "9.7.1"
    path.write_text(json.dumps(saved))
    with pytest.raises(RecordError, match=r"config\.json: written by trainlab 9\.7\.1") as err:
        load_run(broken)
    assert trainlab.__version__ in str(err.value)


def test_same_major_minor_version_is_accepted(broken):
    path = broken / "config.json"
    saved = json.loads(path.read_text())
    major, minor = trainlab.__version__.split(".")[:2]
    saved["trainlab_version"] = f"{major}.{minor}.99"
    path.write_text(json.dumps(saved))
    assert load_run(broken).record.n_steps == 8


def test_weights_of_another_network_are_refused(broken):
    path = broken / "config.json"
    saved = json.loads(path.read_text())
    saved["config"]["model"]["mlp"]["hidden"] = [32]
    path.write_text(json.dumps(saved))
    with pytest.raises(RecordError, match=r"model\.pt: weights do not fit"):
        load_run(broken)


def test_unknown_split_is_refused(finished):
    with pytest.raises(ConfigError, match="split='dev'; expected one of train, val, test"):
        evaluate_run(finished[0], "dev")


def test_a_missing_or_wrong_directory_says_what_it_is(tmp_path, finished):
    with pytest.raises(RecordError, match="nowhere: no such directory; expected a run directory"):
        load_run(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with pytest.raises(RecordError, match="file: not a directory"):
        evaluate_run(tmp_path / "file")
    with pytest.raises(RecordError, match="not a trainlab run directory"):
        load_run(tmp_path)
    study = finished[0].parent.parent  # OUT/runs/NAME -> OUT, a study-like directory
    (study / "study.json").write_text("{}")
    with pytest.raises(RecordError, match="it is a study directory: give one of"):
        load_run(study)


def confusion_reference(y_true, y_pred, n):
    matrix = np.zeros((n, n), dtype=np.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        matrix[t, p] += 1
    return matrix


def test_confusion_matrix_matches_a_loop_reference():
    g = torch.Generator().manual_seed(0)
    y_true = torch.randint(0, 7, (500,), generator=g)
    y_pred = torch.randint(0, 7, (500,), generator=g)
    expected = confusion_reference(y_true, y_pred, 7)
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 7), expected)
    assert confusion_matrix(y_true, y_pred, 7).sum() == 500


def test_confusion_matrix_rejects_labels_outside_the_classes():
    with pytest.raises(ConfigError, match=r"predictions span 0\.\.3; expected 0\.\.2"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 3]), 3)


def test_confusion_matrix_figure_writes_each_count_and_the_accuracy():
    matrix = np.array([[3, 1], [0, 4]])
    fig = confusion_matrix_figure(matrix, ["a", "b"])
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "3", "4"]
    assert ax.get_title() == "accuracy 0.875"
    with pytest.raises(ConfigError, match=r"expected \(3, 3\)"):
        confusion_matrix_figure(matrix, ["a", "b", "c"])


# Per-batch losses of a run directory: from its record (no raw tensors), else batches.csv.
def test_batch_losses_come_from_the_record_without_reading_its_raw_tensors(tmp_path):
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


def test_the_report_pages_draw_the_same_losses(tmp_path):
    from trainlab.report.html.rundata import run_curves

    pd.DataFrame({"step": [1, 2], "epoch": [0, 0], "loss": [2.0, 1.0], "grad_norm": [1, 1]}).to_csv(
        tmp_path / "batches.csv", index=False
    )
    step = run_curves(tmp_path, None)["step"]
    assert set(step) == {"train_loss"}  # no record: no per-step validation loss
    decoded = np.frombuffer(base64.b64decode(step["train_loss"]["f32"]), "<f4")
    np.testing.assert_array_equal(decoded, batch_losses(tmp_path)["train_loss"])
