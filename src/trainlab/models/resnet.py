"""The CIFAR-10 ResNet-(6n+2) of He et al. 2015 (arXiv:1512.03385, section 4.2).

Three stages of n basic blocks with 16, 32 and 64 channels on 32x32, 16x16 and
8x8 maps; the first block of stages 2 and 3 halves the map with stride 2. The
shortcut is option A: identity, subsampled and zero-padded on new channels, so it
adds no parameters. n=3, 5, 7, 9 give ResNet-20, 32, 44, 56 (0.27M, 0.46M, 0.66M,
0.85M parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trainlab.config import check_fields, number
from trainlab.errors import ConfigError
from trainlab.models.outputs import output_head

STAGE_CHANNELS = (16, 32, 64)


@dataclass(frozen=True)
class ResNetConfig:
    """Depth of the CIFAR ResNet; its activation (ReLU) and init (Kaiming) are fixed."""

    n: int = number(5, lo=1)  # blocks per stage: ResNet-(6n+2); 5 gives ResNet-32

    def __post_init__(self) -> None:
        check_fields(self)


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with 'same' padding and no bias (batch norm follows)."""
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class PadShortcut(nn.Module):
    """Option-A shortcut: keep every ``stride``-th pixel, zero-pad the new channels."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.extra_channels = out_channels - in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]  # (N, C_in, H / s, W / s)
        # F.pad pads from the last dim backwards: (W, W, H, H, C_front, C_back)
        return F.pad(x, (0, 0, 0, 0, 0, self.extra_channels))  # (N, C_out, H / s, W / s)

    def extra_repr(self) -> str:
        return f"stride={self.stride}, extra_channels={self.extra_channels}"


class BasicBlock(nn.Module):
    """conv-bn-relu-conv-bn, plus the shortcut, then relu."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu1 = nn.ReLU()
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu2 = nn.ReLU()
        if stride != 1 or in_channels != out_channels:
            self.shortcut: nn.Module = PadShortcut(in_channels, out_channels, stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu1(out)
        out = self.conv2(out)
        out = self.bn2(out)
        out = out + self.shortcut(x)
        return self.relu2(out)


class ResNetCifar(nn.Module):
    """Stem conv, three stages of ``n`` BasicBlocks, global average pool, linear classifier."""

    def __init__(
        self, n: int, *, num_classes: int = 10, in_channels: int = 3, output: str = "logits"
    ) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_channels, STAGE_CHANNELS[0])
        self.bn1 = nn.BatchNorm2d(STAGE_CHANNELS[0])
        self.relu = nn.ReLU()
        self.stage1 = self._make_stage(STAGE_CHANNELS[0], STAGE_CHANNELS[0], n, stride=1)
        self.stage2 = self._make_stage(STAGE_CHANNELS[0], STAGE_CHANNELS[1], n, stride=2)
        self.stage3 = self._make_stage(STAGE_CHANNELS[1], STAGE_CHANNELS[2], n, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(STAGE_CHANNELS[2], num_classes)
        for name, head in output_head(output):  # softmax / log_softmax: after fc
            self.add_module(name, head)
        self.output = output
        self._init_weights()

    @staticmethod
    def _make_stage(in_channels: int, out_channels: int, n: int, *, stride: int) -> nn.Sequential:
        blocks = [BasicBlock(in_channels, out_channels, stride)]
        blocks += [BasicBlock(out_channels, out_channels) for _ in range(n - 1)]
        return nn.Sequential(*blocks)

    @torch.no_grad()
    def _init_weights(self) -> None:
        # Kaiming normal (He et al. 2015, "Delving deep into rectifiers"), BN to identity.
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)  # (N, 16, 32, 32)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.stage1(x)  # (N, 16, 32, 32)
        x = self.stage2(x)  # (N, 32, 16, 16)
        x = self.stage3(x)  # (N, 64, 8, 8)
        x = self.avgpool(x)  # (N, 64, 1, 1)
        x = self.flatten(x)  # (N, 64)
        x = self.fc(x)  # (N, num_classes)
        if self.output != "logits":
            x = getattr(self, self.output)(x)
        return x


def build_resnet(
    config: ResNetConfig, in_channels: int, n_classes: int, *, output: str = "logits"
) -> ResNetCifar:
    """The ResNet-(6n+2) that `config` describes."""
    if n_classes < 1:
        raise ConfigError(f"num_classes = {n_classes!r}; expected a positive int")
    return ResNetCifar(config.n, num_classes=n_classes, in_channels=in_channels, output=output)


def _resnet_cifar(n: int, num_classes: int, in_channels: int) -> ResNetCifar:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"resnet_cifar n = {n!r}; expected a positive int (depth 6n+2)")
    return build_resnet(ResNetConfig(n=n), in_channels, num_classes)


def resnet_cifar(n: int, *, num_classes: int = 10, in_channels: int = 3) -> ResNetCifar:
    """ResNet with depth 6n+2 for 32x32 images (n=5: ResNet-32)."""
    return _resnet_cifar(n, num_classes, in_channels)


def resnet20(*, num_classes: int = 10) -> ResNetCifar:
    """ResNet-20 (n=3), about 0.27M parameters."""
    return _resnet_cifar(3, num_classes, 3)


def resnet32(*, num_classes: int = 10) -> ResNetCifar:
    """ResNet-32 (n=5), about 0.46M parameters."""
    return _resnet_cifar(5, num_classes, 3)


def resnet56(*, num_classes: int = 10) -> ResNetCifar:
    """ResNet-56 (n=9), about 0.85M parameters."""
    return _resnet_cifar(9, num_classes, 3)
