"""Datasets as tensors, train/val/test splits, batched transforms and a tensor loader."""

from trainlab.data.datasets import Dataset, ensure_dataset, load_dataset
from trainlab.data.downloads import download, download_file
from trainlab.data.loader import TensorLoader
from trainlab.data.split import Splits, load_splits, train_val_split
from trainlab.data.synthetic import write_synthetic
from trainlab.data.transforms import (
    Standardizer,
    augment_crop_flip,
    flatten,
    random_crop,
    random_hflip,
    to_float,
)

__all__ = [
    "Dataset",
    "Splits",
    "Standardizer",
    "TensorLoader",
    "augment_crop_flip",
    "download",
    "download_file",
    "ensure_dataset",
    "flatten",
    "load_dataset",
    "load_splits",
    "random_crop",
    "random_hflip",
    "to_float",
    "train_val_split",
    "write_synthetic",
]
