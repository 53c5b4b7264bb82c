"""Model builders: layout, names, shapes, init schemes, parameter counts, configs."""

import math
from itertools import pairwise

import pytest
import torch
from torch import nn

from trainlab.errors import ConfigError
from trainlab.models import (
    CNNConfig,
    MLPConfig,
    ModelConfig,
    build_model,
    cnn,
    count_parameters,
    init_weights,
    match_parameter_count,
    mlp,
    resnet_cifar,
)


def test_mlp_layout_and_names_with_batchnorm_before_and_dropout():
    model = mlp(784, [32, 16], 10, batch_norm="before", dropout=0.2, flatten=True)
    names = [name for name, m in model.named_modules() if not list(m.children())]
    assert names == [
        "flatten",
        "hidden1.linear", "hidden1.bn", "hidden1.act", "hidden1.dropout",
        "hidden2.linear", "hidden2.bn", "hidden2.act", "hidden2.dropout",
        "output",
    ]  # fmt: skip
    assert model(torch.randn(5, 1, 28, 28)).shape == (5, 10)


def test_linear_before_batch_norm_has_no_bias_it_would_cancel():
    before = mlp(8, [4, 4], 3, batch_norm="before")
    assert before.hidden1.linear.bias is None and before.hidden2.linear.bias is None
    after = mlp(8, [4], 3, batch_norm="after")
    assert after.hidden1.linear.bias is not None
    assert mlp(8, [4], 3).hidden1.linear.bias is not None


def test_mlp_batchnorm_after_activation_and_softmax_output():
    model = mlp(8, [4], 3, batch_norm="after", activation="tanh", output="softmax")
    assert [n for n, _ in model.hidden1.named_children()] == ["linear", "act", "bn"]
    assert isinstance(model.hidden1.act, nn.Tanh)
    probs = model.eval()(torch.randn(6, 8))
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(6))


@pytest.mark.parametrize("depth", [0, 1, 5])
def test_mlp_any_depth_has_depth_plus_one_linear_layers(depth):
    model = mlp(10, [7] * depth, 2)
    assert sum(isinstance(m, nn.Linear) for m in model.modules()) == depth + 1
    widths = [10, *[7] * depth, 2]
    expected = sum(a * b + b for a, b in pairwise(widths))
    assert count_parameters(model) == expected


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"activation": "swish"}, "activation = 'swish'; expected one of"),
        ({"batch_norm": "middle"}, "batch_norm = 'middle'"),
        ({"dropout": 1.0}, "dropout = 1.0"),
        ({"init": "orthogonal"}, "init = 'orthogonal'"),
    ],
)
def test_mlp_bad_values_raise_config_error_naming_argument(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        mlp(4, [3], 2, **kwargs)


def test_mlp_unknown_option_names_the_fields():
    with pytest.raises(ConfigError, match="unknown option 'channels'; expected one of"):
        mlp(4, [3], 2, channels=(8,))


def test_mlp_bad_sizes_raise_config_error():
    with pytest.raises(ConfigError, match="hidden"):
        mlp(4, [3, 0], 2)
    with pytest.raises(ConfigError, match="in_features"):
        mlp(0, [3], 2)


def test_uniform_init_bounds_are_one_over_sqrt_fan_in():
    torch.manual_seed(0)
    model = mlp(400, [300], 10, init="uniform")
    bound = 1 / math.sqrt(400)
    w = model.hidden1.linear.weight
    assert w.abs().max() <= bound and w.abs().max() > 0.99 * bound
    assert model.hidden1.linear.bias.abs().max() <= bound


@pytest.mark.parametrize(
    ("scheme", "std_of_fan_in"),
    [
        ("he", lambda fan_in, fan_out: math.sqrt(2 / fan_in)),
        ("he_uniform", lambda fan_in, fan_out: math.sqrt(2 / fan_in)),
        ("xavier", lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out))),
    ],
)
def test_init_scheme_weight_std_and_zero_bias(scheme, std_of_fan_in):
    torch.manual_seed(0)
    layer = nn.Linear(500, 400)
    init_weights(layer, scheme)
    assert layer.weight.std().item() == pytest.approx(std_of_fan_in(500, 400), rel=0.02)
    assert torch.count_nonzero(layer.bias) == 0


def test_default_init_leaves_torch_initialization_untouched():
    torch.manual_seed(1)
    expected = nn.Linear(5, 3).weight.detach().clone()
    torch.manual_seed(1)
    assert torch.equal(mlp(5, [], 3, init="default").output.weight, expected)


def _seed_cnn(kernel_size: int) -> nn.Module:
    return cnn(1, 10, channels=(16, 32, 45), kernel_sizes=(kernel_size,), paddings=(0,))


def test_cnn_layout_pools_all_but_last_conv_then_adaptive_pool():
    model = _seed_cnn(3)
    assert isinstance(model.conv1.pool, nn.MaxPool2d) and model.conv1.pool.kernel_size == 2
    assert isinstance(model.conv2.pool, nn.MaxPool2d)
    assert not hasattr(model.conv3, "pool")
    assert isinstance(model.pool, nn.AdaptiveMaxPool2d) and model.pool.output_size == (4, 4)
    assert model.hidden1.linear.in_features == 45 * 16
    for size in (28, 32, 40):  # the adaptive pool makes the dense part size-agnostic
        assert model(torch.randn(2, 1, size, size)).shape == (2, 10)


def test_cnn_parameter_count_formula_and_softmax_option():
    model = cnn(3, 7, channels=(4,), kernel_sizes=(5,), strides=(2,), paddings=(1,),
                dense_hiddens=(8,))  # fmt: skip
    expected = (3 * 4 * 25 + 4) + (4 * 16 * 8 + 8) + (8 * 7 + 7)
    assert count_parameters(model) == expected
    probs = cnn(1, 10, channels=(4,), dense_hiddens=(), output="softmax")(torch.randn(3, 1, 12, 12))
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(3))


def test_cnn_config_rejects_per_layer_tuples_of_the_wrong_length():
    with pytest.raises(ConfigError, match=r"strides = \[1, 1, 1\]; expected 1 value or one per"):
        CNNConfig(channels=(16, 32), strides=(1, 1, 1))
    with pytest.raises(ConfigError, match="strides = \\(0,\\); expected a list of integers >= 1"):
        CNNConfig(channels=(16,), strides=(0,))
    with pytest.raises(ConfigError, match="at least one conv layer"):
        CNNConfig(channels=())


def test_cnn_defaults_are_one_set_the_course_cnn_zero_padding_two_dense_256():
    config = CNNConfig()
    assert config.paddings == (0,) and config.dense_hiddens == (256, 256)
    assert config.per_layer("kernel_sizes") == (3, 3)
    model = cnn()
    assert model.conv1.conv.padding == (0, 0) and model.hidden2.linear.out_features == 256


def test_build_model_hands_each_kind_its_own_config_and_output_head():
    config = ModelConfig(kind="cnn", mlp=MLPConfig(hidden=(999,)), cnn=CNNConfig(channels=(4,)))
    model = build_model(config, in_shape=(1, 28, 28), n_classes=10, output="log_softmax")
    assert model.conv1.conv.out_channels == 4
    out = model(torch.randn(2, 1, 28, 28))
    torch.testing.assert_close(out.exp().sum(dim=1), torch.ones(2))
    mlp_model = build_model(ModelConfig(), in_shape=(1, 28, 28), n_classes=10)
    assert mlp_model.hidden1.linear.in_features == 784
    with pytest.raises(ConfigError, match="kind = 'rnn'; expected one of mlp, cnn, resnet"):
        ModelConfig(kind="rnn")


def test_match_parameter_count_finds_kernel_size_and_depth():
    target = count_parameters(mlp(784, [256, 256], 10))
    assert target == 269_322
    kernel, count = match_parameter_count(_seed_cnn, target, candidates=range(1, 8))
    assert kernel == 3 and abs(count - target) <= 10_000
    depth, count = match_parameter_count(
        lambda d: mlp(784, [64] * d, 10), target, candidates=range(1, 80)
    )
    assert abs(count - target) <= 10_000
    assert abs(count_parameters(mlp(784, [64] * depth, 10)) - target) <= 2080  # half a layer


def test_match_parameter_count_raises_when_nothing_fits():
    with pytest.raises(ConfigError, match="no candidate within 10 parameters of target 1000"):
        match_parameter_count(lambda w: mlp(10, [w], 2), 1000, candidates=[1, 2], tolerance=10)


@pytest.mark.parametrize(("n", "params"), [(3, 269_722), (5, 464_154)])
def test_resnet_cifar_parameter_count_matches_paper(n, params):
    # He et al. 2015 table 6: ResNet-20 0.27M, ResNet-32 0.46M
    model = resnet_cifar(n)
    assert count_parameters(model) == params
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) + 1 == 6 * n + 2


def test_resnet_cifar_shapes_and_option_a_shortcut():
    model = resnet_cifar(1)
    x = torch.randn(2, 3, 32, 32)
    assert model(x).shape == (2, 10)
    shortcut = model.stage2[0].shortcut
    y = shortcut(torch.randn(2, 16, 32, 32))
    assert y.shape == (2, 32, 16, 16)
    assert torch.count_nonzero(y[:, 16:]) == 0
    with pytest.raises(ConfigError, match="resnet_cifar n = 0"):
        resnet_cifar(0)
