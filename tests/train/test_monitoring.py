"""The first layer's mean |weight| and |gradient| per epoch, as the course exercise logs them."""

import pytest
import torch
import torch.nn.functional as F

from trainlab.data import TensorLoader
from trainlab.models import mlp
from trainlab.train import FirstLayerStats, fit


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
