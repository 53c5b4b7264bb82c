"""From-scratch Dropout and BatchNorm against torch's modules (forward, backward, both modes)."""

import pytest
import torch
from torch import nn

from trainlab.errors import ConfigError
from trainlab.models import BatchNorm1d, BatchNorm2d, Dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_matches_torch_forward_and_backward_for_same_random_seed(p):
    x = torch.randn(64, 33)
    ours_x = x.clone().requires_grad_(True)
    ref_x = x.clone().requires_grad_(True)
    torch.manual_seed(3)
    ours = Dropout(p)(ours_x)
    torch.manual_seed(3)
    ref = nn.Dropout(p)(ref_x)
    torch.testing.assert_close(ours, ref, rtol=0, atol=0)
    grad_out = torch.randn_like(x)
    ours.backward(grad_out)
    ref.backward(grad_out)
    torch.testing.assert_close(ours_x.grad, ref_x.grad, rtol=0, atol=0)


def test_dropout_keeps_expected_value_and_drops_about_p():
    torch.manual_seed(0)
    dropped = Dropout(0.5)(torch.ones(100_000))
    assert abs(dropped.mean().item() - 1.0) < 0.02
    assert abs((dropped == 0).float().mean().item() - 0.5) < 0.01
    assert set(torch.unique(dropped).tolist()) == {0.0, 2.0}


def test_dropout_is_identity_in_eval_and_zero_at_p_one():
    x = torch.randn(10, 5)
    layer = Dropout(0.7).eval()
    assert torch.equal(layer(x), x)
    assert torch.count_nonzero(Dropout(1.0)(x)) == 0


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_probability_outside_unit_interval(p):
    with pytest.raises(ConfigError, match="Dropout p"):
        Dropout(p)


def _pair(ours_cls, ref_cls, channels, **kwargs):
    ours, ref = ours_cls(channels, **kwargs), ref_cls(channels, **kwargs)
    with torch.no_grad():  # non-trivial affine parameters so they matter in the comparison
        ref.weight.uniform_(0.5, 1.5)
        ref.bias.uniform_(-0.5, 0.5)
    ours.load_state_dict(ref.state_dict())
    return ours, ref


@pytest.mark.parametrize(
    ("ours_cls", "ref_cls", "shape"),
    [
        (BatchNorm1d, nn.BatchNorm1d, (16, 6)),
        (BatchNorm1d, nn.BatchNorm1d, (8, 6, 5)),
        (BatchNorm2d, nn.BatchNorm2d, (4, 6, 7, 5)),
    ],
)
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_matches_torch_in_train_and_eval(ours_cls, ref_cls, shape, momentum):
    torch.manual_seed(0)
    ours, ref = _pair(ours_cls, ref_cls, shape[1], momentum=momentum)
    for step in range(3):  # several steps so running statistics accumulate
        x = torch.randn(shape) * (step + 2) + step
        x_ours = x.clone().requires_grad_(True)
        x_ref = x.clone().requires_grad_(True)
        out_ours, out_ref = ours(x_ours), ref(x_ref)
        torch.testing.assert_close(out_ours, out_ref, rtol=1e-5, atol=1e-5)
        grad_out = torch.randn(shape)
        out_ours.backward(grad_out)
        out_ref.backward(grad_out)
        torch.testing.assert_close(x_ours.grad, x_ref.grad, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ours.weight.grad, ref.weight.grad, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ours.bias.grad, ref.bias.grad, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(ours.running_mean, ref.running_mean)
    torch.testing.assert_close(ours.running_var, ref.running_var)
    assert int(ours.num_batches_tracked) == int(ref.num_batches_tracked) == 3
    ours.eval()
    ref.eval()
    x = torch.randn(shape)
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-5, atol=1e-5)


def test_batchnorm_without_affine_or_running_stats_matches_torch():
    ours = BatchNorm2d(3, affine=False, track_running_stats=False).eval()
    ref = nn.BatchNorm2d(3, affine=False, track_running_stats=False).eval()
    x = torch.randn(5, 3, 4, 4) * 3 + 1
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-5, atol=1e-5)  # batch stats in eval too
    assert list(ours.state_dict()) == list(ref.state_dict()) == []


def test_batchnorm_rejects_wrong_rank_and_single_value_batches():
    with pytest.raises(ConfigError, match="BatchNorm2d input has shape"):
        BatchNorm2d(3)(torch.randn(4, 3))
    with pytest.raises(ConfigError, match="more than 1 value per channel"):
        BatchNorm1d(3)(torch.randn(1, 3))
