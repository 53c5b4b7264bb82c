"""What fit() measures beside its own numbers, as the course exercise logs them: the first
layer's mean |weight| and |gradient| per epoch, each layer's outputs in both modes."""

import pytest
import torch
import torch.nn.functional as F

from trainlab.data import TensorLoader
from trainlab.errors import ConfigError
from trainlab.models import mlp
from trainlab.train import FirstLayerStats, fit
from trainlab.train.callbacks import TrainState
from trainlab.train.history import OUTPUT_STATS, output_column
from trainlab.train.monitoring import PhaseStats


def test_first_layer_means_are_averaged_over_each_epochs_steps(loaders):
    train, val = loaders
    torch.manual_seed(0)
    model = mlp(8, [16], 3)
    torch.manual_seed(0)
    reference = mlp(8, [16], 3)
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                  callbacks=[FirstLayerStats()], progress=False)  # fmt: skip
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    weights, grads = [], []
    same_order = TensorLoader(train.x, train.y, 32, seed=0)
    for _ in range(2):
        w, g = [], []
        for xb, yb in same_order:
            loss = F.cross_entropy(reference(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            w.append(reference.hidden1.linear.weight.abs().mean().item())
            g.append(reference.hidden1.linear.weight.grad.abs().mean().item())
        weights.append(sum(w) / len(w))
        grads.append(sum(g) / len(g))
    frame = history.to_frame()
    assert frame["first_layer_mean_abs_weight"].tolist() == pytest.approx(weights, rel=1e-5)
    assert frame["first_layer_mean_abs_grad"].tolist() == pytest.approx(grads, rel=1e-5)


def _layer_stats(output: torch.Tensor) -> list[float]:
    return [output.mean().item(), output.abs().mean().item(), output.std().item()]


def test_phase_stats_average_each_layers_training_batches_and_score_eval_mode(loaders):
    train, val = loaders
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(),
                                    torch.nn.Linear(16, 3))  # fmt: skip
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                  callbacks=[PhaseStats()], progress=False)  # fmt: skip
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    same_order = TensorLoader(train.x, train.y, 32, seed=0)
    for epoch in range(2):
        per_batch = []
        for xb, yb in same_order:
            hidden = reference[0](xb)
            per_batch.append(_layer_stats(hidden))  # layer "0" in training mode
            loss = F.cross_entropy(reference(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        expected = torch.tensor(per_batch).mean(dim=0).tolist()
        row = history.epochs[epoch]
        got = [row[output_column("train", "0 (Linear)", s)] for s in OUTPUT_STATS]
        assert got == pytest.approx(expected, rel=1e-5)
    with torch.no_grad():  # evaluation mode: the validation samples, after the last epoch
        relu = reference[1](reference[0](val.x))
    got = [history.epochs[-1][output_column("eval", "1 (ReLU)", s)] for s in OUTPUT_STATS]
    assert got == pytest.approx(_layer_stats(relu), rel=1e-5)
    assert set(history.output_stats()) == {"0 (Linear)", "1 (ReLU)", "2 (Linear)"}


def test_phase_stats_show_what_dropout_changes_between_the_modes(loaders):
    train, val = loaders
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Dropout(0.5),
                                torch.nn.Linear(32, 3))  # fmt: skip
    history = fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                  callbacks=[PhaseStats(layers=["1", "2"])], progress=False)  # fmt: skip
    stats = history.output_stats()
    assert set(stats) == {"1 (ReLU)", "2 (Dropout)"}
    dropout, relu = stats["2 (Dropout)"], stats["1 (ReLU)"]
    # evaluation mode: dropout passes its input through; training mode: it zeroes half
    # and doubles the rest, so its outputs spread wider than its inputs
    assert dropout["std"]["eval"] == pytest.approx(relu["std"]["eval"])
    assert all(d > r for d, r in zip(dropout["std"]["train"], relu["std"]["train"], strict=True))
    assert len(history.metric("eval 2 (Dropout): output mean_abs")) == 2


def test_phase_stats_name_an_unknown_layer():
    callback = PhaseStats(layers=["fc9"])
    state = TrainState(model=torch.nn.Sequential(torch.nn.Linear(2, 2)), optimizer=None,
                       history=None)  # fmt: skip
    with pytest.raises(ConfigError, match="PhaseStats layers: no module 'fc9'"):
        callback.on_train_begin(state)
