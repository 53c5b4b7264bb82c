"""Gradient/Jacobian norms, one_hot and clipped cross-entropy against torch references."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.autodiff import (
    clipped_cross_entropy,
    gradient_norm,
    jacobian_norm,
    model_gradient_norm,
    one_hot,
)
from trainlab.errors import ConfigError


def test_gradient_norm_of_known_function():
    a, b = torch.tensor([1.0, 2.0]), torch.tensor(3.0)
    # f = sum(a^2) * b -> df/da = 2ab = (6, 12), df/db = sum(a^2) = 5
    norm = gradient_norm(lambda a, b: (a**2).sum() * b, [a, b])
    assert norm.item() == pytest.approx((36 + 144 + 25) ** 0.5)
    assert a.grad is None and not a.requires_grad  # inputs untouched


def test_gradient_norm_unused_input_counts_zero_and_rejects_vector_output():
    x, unused = torch.randn(4), torch.randn(3)
    assert gradient_norm(lambda x, u: x.sum(), [x, unused]).item() == pytest.approx(2.0)
    with pytest.raises(ConfigError, match="expected a scalar"):
        gradient_norm(lambda x: x * 2, [x])


@pytest.mark.parametrize("shape", [(5,), (2, 3)])
def test_jacobian_norm_matches_autograd_functional_jacobian(shape):
    torch.manual_seed(0)
    w = torch.randn(4, shape[-1])

    def fn(x):
        return torch.tanh(x @ w.T) * x.sum()

    x = torch.randn(shape)
    reference = torch.autograd.functional.jacobian(fn, x).norm()
    torch.testing.assert_close(jacobian_norm(fn, x), reference)


def test_jacobian_norm_of_linear_map_is_frobenius_norm_of_matrix():
    w = torch.randn(3, 7)
    torch.testing.assert_close(jacobian_norm(lambda x: w @ x, torch.randn(7)), w.norm())


def test_model_gradient_norm_matches_flattened_gradient():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert model_gradient_norm(model).item() == 0.0
    model(torch.randn(5, 4)).pow(2).sum().backward()
    flat = torch.cat([p.grad.flatten() for p in model.parameters()])
    torch.testing.assert_close(model_gradient_norm(model), flat.norm())


def test_one_hot_example_and_errors():
    expected = torch.tensor(
        [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]], dtype=torch.float32
    )
    assert torch.equal(one_hot(torch.tensor([1, 0, 3, 4]), 5), expected)
    assert torch.equal(one_hot(torch.tensor([1, 0], dtype=torch.int32), 2), expected[:2, :2])
    with pytest.raises(ConfigError, match="labels span \\[0, 5\\]"):
        one_hot(torch.tensor([0, 5]), 5)
    with pytest.raises(ConfigError, match="labels span \\[-1, 0\\]"):
        one_hot(torch.tensor([0, -1]), 5)
    with pytest.raises(ConfigError, match="1-D integer tensor"):
        one_hot(torch.tensor([0.0, 1.0]), 2)


def test_one_hot_and_clipped_cross_entropy_never_read_labels_back_to_the_host():
    # Meta tensors have no data, so any host read (int(y.max()), .item()) raises: on a GPU
    # each one would be a device-to-host sync every batch.
    y = torch.zeros(4, dtype=torch.long, device="meta")
    probs = torch.full((4, 3), 1 / 3, device="meta")
    assert one_hot(y, 3).shape == (4, 3)
    assert clipped_cross_entropy(probs, y).shape == ()


def test_clipped_cross_entropy_matches_cross_entropy_for_well_conditioned_inputs():
    torch.manual_seed(0)
    logits = torch.randn(16, 5, requires_grad=True)
    y = torch.randint(0, 5, (16,))
    ours = clipped_cross_entropy(torch.softmax(logits, dim=1), one_hot(y, 5))
    reference = F.cross_entropy(logits, y)
    torch.testing.assert_close(ours, reference)
    (grad_ours,) = torch.autograd.grad(ours, logits)
    (grad_ref,) = torch.autograd.grad(F.cross_entropy(logits, y), logits)
    torch.testing.assert_close(grad_ours, grad_ref)
    torch.testing.assert_close(clipped_cross_entropy(torch.softmax(logits, 1), y), reference)


def test_clipped_cross_entropy_is_finite_when_a_probability_is_zero():
    probs = torch.tensor([[0.0, 1.0], [1.0, 0.0]], requires_grad=True)
    loss = clipped_cross_entropy(probs, torch.tensor([0, 0]), eps=1e-7)
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(-torch.log(torch.tensor(1e-7)).item() / 2, rel=1e-4)
    loss.backward()
    assert torch.isfinite(probs.grad).all()
