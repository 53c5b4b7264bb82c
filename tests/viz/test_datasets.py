"""Sample grids and class distributions from tensors."""

import numpy as np
import pytest
import torch

from trainlab.errors import ConfigError
from trainlab.viz import class_distribution, sample_grid

CLASSES = ("T-shirt", "Trouser", "Pullover")


def test_sample_grid_titles_are_class_names_and_pixels_are_scaled():
    images = torch.arange(6 * 4 * 4, dtype=torch.uint8).reshape(6, 1, 4, 4)
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    fig = sample_grid(images, labels, CLASSES, n=5, cols=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["T-shirt", "Trouser", "Pullover", "T-shirt", "Trouser", ""]
    shown = fig.axes[1].get_images()[0].get_array()
    np.testing.assert_allclose(shown, images[1, 0].numpy() / 255.0)


def test_predictions_read_pred_over_true_and_wrong_ones_are_red():
    images = torch.randn(3, 3, 8, 8)  # standardized RGB floats
    fig = sample_grid(images, torch.tensor([0, 1, 2]), CLASSES, torch.tensor([0, 2, 2]))
    titles = [(ax.get_title(), ax.title.get_color()) for ax in fig.axes]
    assert titles == [("T-shirt/T-shirt", "black"), ("Pullover/Trouser", "red"),
                      ("Pullover/Pullover", "black")]  # fmt: skip
    shown = fig.axes[0].get_images()[0].get_array()
    assert shown.shape == (8, 8, 3) and shown.min() == 0.0 and shown.max() == 1.0


def test_sample_grid_rejects_flat_images():
    with pytest.raises(ConfigError, match=r"\(N, 1\|3, H, W\)"):
        sample_grid(torch.zeros(2, 784), torch.zeros(2), CLASSES)


def test_class_distribution_counts_each_class_per_split():
    splits = {"train": torch.tensor([0, 0, 1, 2, 2, 2]), "val": torch.tensor([1, 1])}
    fig = class_distribution(splits, CLASSES)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [2, 1, 3, 0, 2, 0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASSES)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train (6)", "val (2)"]
    assert ax.get_ylabel() == "count"
    frac = class_distribution(splits, CLASSES, normalize=True).axes[0]
    assert [p.get_height() for p in frac.patches][:3] == pytest.approx([1 / 3, 1 / 6, 1 / 2])


def test_class_distribution_rejects_labels_outside_the_classes():
    with pytest.raises(ConfigError, match="0..2"):
        class_distribution({"test": torch.tensor([0, 3])}, CLASSES)
