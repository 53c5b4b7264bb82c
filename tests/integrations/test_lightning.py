"""MonitorCallback with a real Lightning Trainer on the CPU."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from trainlab.errors import ConfigError
from trainlab.integrations import lightning as integration
from trainlab.monitor import Record

pl = pytest.importorskip("lightning.pytorch", reason="needs trainlab[lightning]")


class Classifier(pl.LightningModule):
    """20 -> 16 -> ReLU -> 3, plain SGD; remembers the loss of every training step."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 3))
        self.step_losses: list[float] = []

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        loss = F.cross_entropy(self(batch[0]), batch[1])
        self.step_losses.append(loss.item())
        return {"loss": loss}

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", F.cross_entropy(self(batch[0]), batch[1]))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def loaders():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(160, 20, generator=g)
    y = torch.randint(0, 3, (160,), generator=g)
    train = DataLoader(TensorDataset(x[:128], y[:128]), batch_size=16)  # 8 batches per epoch
    val = DataLoader(TensorDataset(x[128:], y[128:]), batch_size=8)
    return train, val


def trainer(tmp_path, callbacks, **options):
    settings = dict(
        accelerator="cpu", devices=1, max_steps=20, logger=False, enable_progress_bar=False,
        enable_checkpointing=True, enable_model_summary=False, default_root_dir=tmp_path,
    )  # fmt: skip
    return pl.Trainer(callbacks=callbacks, **{**settings, **options})


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """20 steps with a checkpoint at the end of epoch 1 (step 8); movie and dashboard on."""
    tmp_path = tmp_path_factory.mktemp("fit")
    callback = integration.MonitorCallback(val_loss="step", val_batches=3, movie=True)
    checkpoint = pl.callbacks.ModelCheckpoint(dirpath=tmp_path / "ckpt", save_top_k=-1)
    model = Classifier()
    trainer(tmp_path, [callback, checkpoint]).fit(model, *loaders())
    return tmp_path, callback, model


def test_record_has_one_entry_per_step(fitted):
    _, callback, model = fitted
    record = callback.record
    assert record.n_steps == 20
    assert {name: len(v) for name, v in record.weights.items()} == {"net.0": 21, "net.2": 21}
    assert {name: len(v) for name, v in record.outputs.items()} == {"net.1": 20}
    np.testing.assert_allclose(record.train_loss, model.step_losses, rtol=1e-6)
    assert np.isfinite(record.val_loss).all()


def test_last_val_loss_is_the_modules_own_validation_loss_on_the_first_val_batches(fitted):
    _, callback, model = fitted
    _, val = loaders()
    x, y = val.dataset.tensors
    model.eval()
    with torch.no_grad():
        expected = F.cross_entropy(model(x[:24]), y[:24]).item()
    assert callback.record.val_loss[-1] == pytest.approx(expected, rel=1e-6)


def test_final_weights_in_the_record_are_the_trained_weights(fitted):
    _, callback, model = fitted
    weight = model.net[0].weight.detach()
    final = callback.record.weights["net.0"][-1]
    assert final[0] == pytest.approx(weight.min().item(), rel=1e-6)  # min
    assert final[6] == pytest.approx(weight.max().item(), rel=1e-6)  # max


def test_record_dashboard_and_movie_are_written(fitted):
    tmp_path, callback, _ = fitted
    out = tmp_path / "monitor"
    assert Record.load(out).n_steps == 20
    assert (out / "dashboard.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "movie.gif").read_bytes()[:6] == b"GIF89a"


def test_checkpoints_load_with_weights_only_and_into_the_module(fitted):
    tmp_path, _, _ = fitted
    paths = sorted((tmp_path / "ckpt").glob("*.ckpt"))
    assert paths
    state = torch.load(paths[0], weights_only=True)
    assert state["callbacks"]["MonitorCallback"]["record"]["train_loss"].shape == (8,)
    restored = Classifier.load_from_checkpoint(paths[-1])
    assert isinstance(restored, Classifier)


def test_resumed_fit_continues_the_same_record(fitted, tmp_path):
    _, first, _ = fitted
    epoch_one = next((fitted[0] / "ckpt").glob("epoch=0-*.ckpt"))
    callback = integration.MonitorCallback(
        val_loss="step", val_batches=3, dashboard=False, out_dir=tmp_path
    )
    trainer(tmp_path, [callback], enable_checkpointing=False).fit(
        Classifier(), *loaders(), ckpt_path=epoch_one
    )
    resumed = callback.record
    assert resumed.n_steps == 20
    np.testing.assert_array_equal(resumed.train_loss, first.record.train_loss)
    for name, summaries in first.record.weights.items():
        np.testing.assert_allclose(resumed.weights[name], summaries, rtol=1e-6)
    assert resumed.meta["optimizer_steps"] == 20


def test_gradient_accumulation_logs_one_loss_per_optimizer_step(tmp_path):
    callback = integration.MonitorCallback(dashboard=False)
    trainer(tmp_path, [callback], max_steps=4, accumulate_grad_batches=2).fit(
        Classifier(), *loaders()
    )
    assert callback.record.n_steps == 4
    assert len(callback.record.weights["net.0"]) == 5


def test_bad_arguments_are_named():
    with pytest.raises(ConfigError, match="mode = 'all'"):
        integration.MonitorCallback(mode="all")
    with pytest.raises(ConfigError, match="val_batches=0"):
        integration.MonitorCallback(val_batches=0)
    with pytest.raises(ConfigError, match="val_loss='labels'; expected one of logged, step"):
        integration.MonitorCallback(val_loss="labels")


def test_missing_lightning_names_the_extra(monkeypatch):
    for name in ("lightning", "lightning.pytorch", "pytorch_lightning"):
        monkeypatch.setitem(sys.modules, name, None)
    integration._callback_class.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"trainlab\[lightning\]"):
            integration.MonitorCallback()  # noqa: B018
    finally:
        integration._callback_class.cache_clear()


class LitAutoEncoder(pl.LightningModule):
    """Lightning's README example: batches are [x], no labels, the loss made in training_step,
    which calls the encoder and decoder, never self(x)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.encoder = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 28 * 28))

    def training_step(self, batch, batch_idx):
        (x,) = batch
        x_hat = self.decoder(self.encoder(x))
        return F.mse_loss(x_hat, x)

    def validation_step(self, batch, batch_idx):
        (x,) = batch
        self.log("val_loss", F.mse_loss(self.decoder(self.encoder(x)), x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


def image_loaders():
    g = torch.Generator().manual_seed(2)
    x = torch.rand(96, 28 * 28, generator=g)
    return (DataLoader(TensorDataset(x[:64]), batch_size=16),  # [x] batches, 4 per epoch
            DataLoader(TensorDataset(x[64:]), batch_size=16))  # fmt: skip


def test_unlabelled_autoencoder_is_recorded_with_its_logged_validation_loss(tmp_path):
    """Regression: MonitorCallback crashed at on_train_start on [x] batches without labels."""
    callback = integration.MonitorCallback(dashboard=True, movie=True, out_dir=tmp_path)
    trainer(tmp_path, [callback], max_steps=8).fit(LitAutoEncoder(), *image_loaders())
    record = callback.record
    assert record.n_steps == 8
    assert set(record.weights) == {"encoder.0", "encoder.2", "decoder.0", "decoder.2"}
    assert set(record.net_values) == {"encoder.1", "decoder.1"}  # never called via self(x)
    assert {len(v) for v in record.net_values.values()} == {8}
    assert np.isfinite(record.train_loss).all() and np.isfinite(record.grads["encoder.0"]).all()
    # the module's own logged val_loss, at the steps its validation runs followed (epochs)
    assert np.isfinite(record.val_loss[[3, 7]]).all() and np.isnan(record.val_loss[:3]).all()
    assert record.meta["val_loss_source"] == "logged"
    assert (tmp_path / "dashboard.png").is_file() and (tmp_path / "movie.gif").is_file()


def test_gradients_are_those_the_optimizer_used_with_a_closure(tmp_path):
    """Lightning steps with a closure: the gradients exist only after the step begins."""
    grads = []

    class Remember(pl.Callback):
        def on_before_optimizer_step(self, trainer, module, optimizer):
            grads.append(module.encoder[0].weight.grad.detach().clone())

    callback = integration.MonitorCallback(dashboard=False, out_dir=tmp_path)
    trainer(tmp_path, [callback, Remember()], max_steps=3).fit(LitAutoEncoder(), *image_loaders())
    recorded = callback.record.grads["encoder.0"]
    for step, grad in enumerate(grads):
        assert recorded[step, 7] == pytest.approx(grad.mean().item(), rel=1e-5, abs=1e-9)


class DictModule(pl.LightningModule):
    """Batches are dicts; validation_step returns its loss in a dict; activations functional."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.fc1 = nn.Linear(20, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))

    def training_step(self, batch, batch_idx):
        return F.cross_entropy(self(batch["features"]), batch["label"])

    def validation_step(self, batch, batch_idx):
        return {"loss": F.cross_entropy(self(batch["features"]), batch["label"])}

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def dict_loaders():
    g = torch.Generator().manual_seed(3)
    rows = [{"features": torch.randn(20, generator=g), "label": i % 3} for i in range(80)]
    return DataLoader(rows[:64], batch_size=16), DataLoader(rows[64:], batch_size=8)


def test_dict_batches_with_a_per_step_validation_loss_from_validation_step(tmp_path):
    callback = integration.MonitorCallback(val_loss="step", val_batches=2, dashboard=False)
    module = DictModule()
    trainer(tmp_path, [callback], max_steps=6).fit(module, *dict_loaders())
    record = callback.record
    assert np.isfinite(record.val_loss).all() and record.n_steps == 6
    assert set(record.net_values) == {"forward.tanh"}  # a functional activation
    _, val = dict_loaders()
    module.eval()
    with torch.no_grad():
        expected = np.mean([module.validation_step(b, 0)["loss"].item() for b in val])
    assert record.val_loss[-1] == pytest.approx(expected, rel=1e-5)


def test_a_validation_function_of_ones_own(tmp_path):
    def loss(module, batch):
        return F.cross_entropy(module(batch["features"]), batch["label"], reduction="sum")

    callback = integration.MonitorCallback(val_loss=loss, val_every=2, dashboard=False)
    trainer(tmp_path, [callback], max_steps=4).fit(DictModule(), *dict_loaders())
    val = callback.record.val_loss
    assert np.isnan(val[[0, 2]]).all() and np.isfinite(val[[1, 3]]).all()
    assert callback.record.meta["val_loss_source"] == "function"
