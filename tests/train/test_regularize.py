"""L1/L2 penalties, weight decay, AdamW, optimizer and device selection."""

import pytest
import torch
from torch import nn

from trainlab.data import TensorLoader
from trainlab.errors import ConfigError
from trainlab.models import mlp
from trainlab.train import Regularization, fit, make_optimizer, select_device

from .conftest import blobs


def test_penalty_values_match_their_definitions():
    model = nn.Linear(3, 2)
    weights = torch.cat([p.flatten() for p in model.parameters()])
    reg = Regularization(l1=0.3, l2=0.2)
    expected = 0.3 * weights.abs().sum() + 0.5 * 0.2 * weights.pow(2).sum()
    torch.testing.assert_close(reg.penalty(model), expected)
    assert not Regularization().active


def _trajectory(optimizer_name, *, weight_decay=0.0, l2=0.0, steps=30):
    x, y = blobs(320, seed=0)
    torch.manual_seed(0)
    model = mlp(8, [16], 3)
    optimizer = make_optimizer(optimizer_name, model.parameters(), lr=0.01,
                               weight_decay=weight_decay)  # fmt: skip
    fit(model, TensorLoader(x, y, 32, seed=0), None, optimizer, max_steps=steps,
        regularization=Regularization(l2=l2), progress=False)  # fmt: skip
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_l2_in_loss_equals_adam_weight_decay_but_not_adamw():
    lam = 0.05
    penalty = _trajectory("adam", l2=lam)
    decay = _trajectory("adam", weight_decay=lam)
    decoupled = _trajectory("adamw", weight_decay=lam)
    plain = _trajectory("adam")
    torch.testing.assert_close(penalty, decay, rtol=1e-4, atol=1e-5)
    assert (penalty - decoupled).abs().max() > 100 * (penalty - decay).abs().max()
    assert (penalty - plain).abs().max() > 1e-3  # the penalty did something


def test_sgd_l2_penalty_equals_sgd_weight_decay():
    torch.testing.assert_close(
        _trajectory("sgd", l2=0.1), _trajectory("sgd", weight_decay=0.1), rtol=1e-5, atol=1e-6
    )


def test_l1_penalty_makes_first_layer_weights_sparse():
    sparse = _l1_weights(0.02)
    dense = _l1_weights(0.0)
    assert (sparse.abs() < 1e-2).float().mean() > (dense.abs() < 1e-2).float().mean() + 0.2


def _l1_weights(l1):
    x, y = blobs(320, seed=0)
    torch.manual_seed(0)
    model = mlp(8, [16], 3)
    fit(model, TensorLoader(x, y, 32, seed=0), None, torch.optim.Adam(model.parameters(), 0.01),
        epochs=10, regularization=Regularization(l1=l1), progress=False)  # fmt: skip
    return model.hidden1.linear.weight.detach()


def test_make_optimizer_kinds_and_errors():
    params = list(nn.Linear(2, 2).parameters())
    sgd = make_optimizer("sgd", params, lr=0.1, momentum=0.9, weight_decay=1e-4)
    assert isinstance(sgd, torch.optim.SGD) and sgd.defaults["momentum"] == 0.9
    assert isinstance(make_optimizer("adamw", params, lr=0.1), torch.optim.AdamW)
    with pytest.raises(ConfigError, match="optimizer = 'rmsprop'; expected one of"):
        make_optimizer("rmsprop", params, lr=0.1)
    with pytest.raises(ConfigError, match="momentum = 0.9 is only used by 'sgd'"):
        make_optimizer("adam", params, lr=0.1, momentum=0.9)
    with pytest.raises(ConfigError, match="Regularization.l2 = -1"):
        Regularization(l2=-1)


def test_select_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available() and torch.backends.mps.is_available():
        expected = "mps"
    assert select_device("auto").type == expected
    assert select_device("cpu") == torch.device("cpu")
    with pytest.raises(ConfigError, match="device = 'gpu0'"):
        select_device("gpu0")


@pytest.mark.parametrize(("weight_decay", "shrinks"), [(1e-4, False), (1e-3, True)])
def test_adamw_warns_when_its_decay_rounds_away_in_float32(weight_decay, shrinks, recwarn):
    # lr 1e-4 x weight_decay 1e-4 = 1e-8 per step: 1 - 1e-8 is 1.0 in float32.
    weight = nn.Parameter(torch.ones(4))
    optimizer = make_optimizer("adamw", [weight], lr=1e-4, weight_decay=weight_decay)
    weight.grad = torch.zeros(4)
    optimizer.step()
    assert bool((weight < 1).all()) is shrinks
    warned = [w for w in recwarn if "AdamW's weight decay does nothing" in str(w.message)]
    assert len(warned) == (0 if shrinks else 1)
