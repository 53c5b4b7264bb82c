"""`trainlab equivariance`: a stand-alone experiment on one image, no training."""

from __future__ import annotations

import argparse
from pathlib import Path

from trainlab.cli.common import EXIT_OK, output_dir


def cmd_equivariance(args: argparse.Namespace) -> int:
    """Draw shift and rotation equivariance maps of a conv-only net on one image."""
    from trainlab.report.equivariance import equivariance_experiment

    out = output_dir(Path(args.out), "--out")
    results = equivariance_experiment(
        args.dataset, out, split=args.split, index=args.index, seed=args.seed, root=args.data_dir
    )
    for name, (check, path) in results.items():
        print(f"{name}: max |g(f(x)) - f(g(x))| = {check.max_difference:.3g}  ({path})")
    return EXIT_OK


def register(sub: argparse._SubParsersAction, add) -> None:
    """The experiment's arguments."""
    from trainlab.cli.lazy import LazyChoices

    p = add("equivariance", cmd_equivariance)
    p.add_argument("--out", default="runs/equivariance", help="directory for the figures")
    p.add_argument("--dataset", default="fashion-mnist", metavar="DATASET",
                   choices=LazyChoices("trainlab.data.sources", "DATASET_NAMES"),
                   help="%(choices)s (default fashion-mnist)")  # fmt: skip
    p.add_argument("--split", default="train", help="split: %(choices)s (default train)",
                   choices=LazyChoices("trainlab.data.sources", "SPLITS"),
                   metavar="SPLIT")  # fmt: skip
    p.add_argument("--index", type=int, default=0, help="image index in the split (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random conv weights")
    p.add_argument("--data-dir", help="directory holding the dataset files")
