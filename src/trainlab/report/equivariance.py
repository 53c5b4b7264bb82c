"""The equivariance experiment: a random conv-only network on one image of a dataset,
checked against a shift and a rotation, each drawn as a figure."""

from __future__ import annotations

from pathlib import Path

import torch

from trainlab.atomic import save_figure
from trainlab.data import load_dataset, to_float
from trainlab.equivariance import EquivarianceCheck, check_rotation, check_shift
from trainlab.errors import ConfigError
from trainlab.models import conv_only_net
from trainlab.viz.equivariance import equivariance_figure

SHIFT = (3, 3)  # pixels down and right
QUARTER_TURNS = 1  # 90 degrees counter-clockwise


def equivariance_experiment(
    dataset: str,
    out: str | Path,
    *,
    split: str = "train",
    index: int = 0,
    seed: int = 0,
    root: str | None = None,
) -> dict[str, tuple[EquivarianceCheck, Path]]:
    """Shift and rotation checks of a conv-only net (weights drawn with `seed`) on image
    `index` of `split`; returns name -> (check, figure path) and writes the figures to `out`.

    The course exercise uses the first training image, the default here.
    """
    images = load_dataset(dataset, split, root=root).images
    if not 0 <= index < len(images):
        raise ConfigError(
            f"--index {index}: the {dataset} {split} split has images 0 to {len(images) - 1}"
        )
    torch.manual_seed(seed)
    image = to_float(images[index])
    model = conv_only_net(in_channels=image.shape[0])
    where = f"{dataset} {split} image {index}"
    checks = {
        "shift": (check_shift(model, image, dy=SHIFT[0], dx=SHIFT[1]),
                  f"shift by {SHIFT} pixels, {where}"),
        "rotation": (check_rotation(model, image, k=QUARTER_TURNS),
                     f"rotation by {90 * QUARTER_TURNS} degrees, {where}"),
    }  # fmt: skip
    out = Path(out)
    return {
        name: (check, save_figure(equivariance_figure(check, title=title), out / f"{name}.png"))
        for name, (check, title) in checks.items()
    }
