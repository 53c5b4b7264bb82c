"""Synthetic records for viz tests: plausible per-step summaries and raw tensors."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import cbook

from trainlab.monitor.record import (
    QUANTILE_LEVELS,
    STATS,
    Record,
)


def summarize(x: np.ndarray) -> np.ndarray:
    """One STATS row of `x`, box-plot numbers from matplotlib's own boxplot_stats."""
    x = np.asarray(x, np.float64).ravel()
    box = cbook.boxplot_stats(x)[0]
    row = {
        "min": x.min(), "whislo": box["whislo"], "q1": box["q1"], "median": box["med"],
        "q3": box["q3"], "whishi": box["whishi"], "max": x.max(), "mean": x.mean(),
        "std": x.std(), "zero_frac": np.mean(x == 0), "mean_abs": np.abs(x).mean(),
        "nonfinite_frac": np.mean(~np.isfinite(x)),
    }  # fmt: skip
    return np.array([row[s] for s in STATS], np.float32)


def build_record(
    steps: int,
    weights: tuple[str, ...] = ("fc1", "fc2", "fc3"),
    activations: tuple[str, ...] = ("relu1", "relu2"),
    *,
    tensors: bool = False,
    signals: bool = True,
    size: int = 64,
    seed: int = 0,
) -> Record:
    """A record whose summaries, quantiles and (with `signals`) signals come from drifting
    random tensors (kept when `tensors`); activations are ReLUs."""
    rng = np.random.default_rng(seed)
    raw: dict[str, dict[str, list[np.ndarray]]] = {"weights": {}, "net_values": {}, "outputs": {}}
    for name in weights:
        w = rng.normal(0, 0.1, size=(size,))
        raw["weights"][name] = [(w + 0.002 * s * rng.normal(size=size)).astype(np.float32)
                                for s in range(steps + 1)]  # fmt: skip
    for name in activations:
        net = [rng.normal(0.02 * s, 1.0, size=(8, size // 8)).astype(np.float32)
               for s in range(steps)]  # fmt: skip
        raw["net_values"][name] = net
        raw["outputs"][name] = [np.maximum(a, 0) for a in net]
    record = Record(
        weights={n: np.stack([summarize(a) for a in v]) for n, v in raw["weights"].items()},
        net_values={n: np.stack([summarize(a) for a in v]) for n, v in raw["net_values"].items()},
        outputs={n: np.stack([summarize(a) for a in v]) for n, v in raw["outputs"].items()},
        train_loss=(2.3 * np.exp(-np.arange(steps) / 40) + 0.05 * rng.random(steps)).astype(
            np.float32
        ),
        val_loss=(2.3 * np.exp(-np.arange(steps) / 50) + 0.1).astype(np.float32),
        meta={"mode": "full" if tensors else "summary"},
    )
    record.quantiles = {
        kind: {n: np.stack([np.quantile(a, QUANTILE_LEVELS) for a in v]).astype(np.float32)
               for n, v in per_name.items()}
        for kind, per_name in raw.items()
    }  # fmt: skip
    if signals:
        for name, steps_ in raw["weights"].items():
            w = np.stack(steps_).astype(np.float64)
            norm = np.linalg.norm(w[1:], axis=1)
            update = np.linalg.norm(np.diff(w, axis=0), axis=1)
            grad = np.full(steps, np.nan)  # recorded without gradients
            record.layer_signals[name] = np.stack([grad, norm, update, update / norm], 1).astype(
                np.float32
            )
        for name, net in raw["net_values"].items():
            dead = np.array([(a.max(axis=0) <= 0).mean() for a in net])
            record.activation_signals[name] = np.stack([dead, np.full(steps, np.nan)], 1).astype(
                np.float32
            )
    if tensors:
        record.tensors = raw
    return record


@pytest.fixture
def make_record():
    """Factory fixture: ``make_record(steps, weights=..., activations=..., tensors=...)``."""
    return build_record
