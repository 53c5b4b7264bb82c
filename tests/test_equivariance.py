"""Shift/rotation checks: circular convs are shift-equivariant; generic kernels not rotation."""

import numpy as np
import pytest
import torch
from torch import nn

from trainlab.equivariance import check_rotation, check_shift, rotate, shift
from trainlab.models import conv_only_net


def _image():
    torch.manual_seed(0)
    return torch.rand(1, 16, 16)


def test_circular_conv_net_is_exactly_shift_equivariant():
    torch.manual_seed(1)
    net = conv_only_net(padding_mode="circular")
    check = check_shift(net, _image(), dy=3, dx=-2)
    assert check.difference.shape == (8, 16, 16)
    assert check.max_difference < 1e-5
    assert np.abs(check.output).max() > 0.01  # not trivially zero


def test_zero_padded_net_differs_only_near_the_borders_after_a_shift():
    torch.manual_seed(1)
    check = check_shift(conv_only_net(), _image(), dy=2, dx=0)
    interior = check.difference[:, 5:-5, 3:-3]
    assert interior.max() < 1e-5 and check.max_difference > 1e-3


def test_generic_kernels_are_not_rotation_equivariant_but_symmetric_ones_are():
    torch.manual_seed(1)
    assert check_rotation(conv_only_net(), _image()).max_difference > 1e-2
    symmetric = nn.Conv2d(1, 1, 3, padding=1)
    with torch.no_grad():
        symmetric.weight.fill_(0.1)  # rotation-invariant kernel
    check = check_rotation(nn.Sequential(symmetric, nn.ReLU()), _image(), k=1)
    assert check.max_difference < 1e-6
    np.testing.assert_allclose(check.transformed_image, np.rot90(check.image, 1, axes=(1, 2)))


def test_transforms_and_mode_restoration():
    x = torch.arange(16.0).reshape(1, 4, 4)
    assert torch.equal(shift(x, 1, 0)[0, 1], x[0, 0])
    assert torch.equal(rotate(rotate(x, 1), 3), x)
    net = conv_only_net().train()
    check_shift(net, x)
    assert net.training


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotation_difference_matches_an_independent_computation(k):
    torch.manual_seed(2)
    net = conv_only_net()
    image = _image()
    check = check_rotation(net, image, k=k)
    with torch.no_grad():  # by hand: numpy's rot90 of the output vs the output of rot90
        out = net.eval()(image[None])[0].numpy()
        out_of_rotated = net(torch.from_numpy(np.rot90(image.numpy(), k, axes=(1, 2)).copy())[None])
    expected = np.abs(np.rot90(out, k, axes=(1, 2)) - out_of_rotated[0].numpy())
    np.testing.assert_allclose(check.difference, expected, atol=1e-6)
    np.testing.assert_allclose(check.output, out, atol=1e-6)
