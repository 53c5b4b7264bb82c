"""Training-movie render time: make_movie vs one new pyplot figure of raw box plots per frame.

Records 100 batches of an MLP 3072-256-128-10 (3 Linear, 2 ReLU) on random
CIFAR-shaped data with plain hooks, then times, at the same frame size:

- plain: per frame t, a new pyplot figure, ``plt.boxplot`` over the raw tensors of
  steps 0..t, ``savefig`` PNG to a buffer, ``imageio.imread`` it back and append it
  to an imageio GIF writer (adaptive palette per frame). Timed on every
  ``--plain-every``-th frame at the midpoints t = 5, 15, ..., 95 and averaged,
  which estimates the mean over t = 1..100.
- make_movie: the whole 100-frame GIF from the per-step summaries (setup included),
  repeated ``--repeats`` times; the median run divided by 100.

Run: ``python benchmarks/movie_render.py [--save-frame docs/images/dashboard_frame.png]``
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

import imageio.v2 as imageio
import matplotlib
import numpy as np
import torch
from torch import nn

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from trainlab.monitor.record import STATS, Record  # noqa: E402
from trainlab.viz import dashboard, make_movie  # noqa: E402

STEPS = 100
BATCH = 32
SUMMARY_SAMPLE = 16_384  # elements per tensor for the quantiles (exact min/max/mean/std)


def capture(seed: int = 0) -> dict[str, dict[str, list[np.ndarray]]]:
    """Raw weights (steps + 1), ReLU net values and outputs (steps) of a short SGD run."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )  # fmt: skip
    x = torch.randn(STEPS * BATCH, 3, 32, 32)
    y = torch.randint(0, 10, (STEPS * BATCH,))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    linears = {n: m for n, m in model.named_modules() if isinstance(m, nn.Linear)}
    relus = {n: m for n, m in model.named_modules() if isinstance(m, nn.ReLU)}
    raw = {"weights": {n: [m.weight.detach().clone().numpy()] for n, m in linears.items()},
           "net_values": {n: [] for n in relus}, "outputs": {n: [] for n in relus},
           "train_loss": [], "val_loss": []}  # fmt: skip
    for name, relu in relus.items():
        relu.register_forward_pre_hook(
            lambda m, a, n=name: raw["net_values"][n].append(a[0].detach().clone().numpy())
        )
        relu.register_forward_hook(
            lambda m, a, out, n=name: raw["outputs"][n].append(out.detach().clone().numpy())
        )
    xv, yv = torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,))
    for step in range(STEPS):
        xb, yb = x[step * BATCH : (step + 1) * BATCH], y[step * BATCH : (step + 1) * BATCH]
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        for n, m in linears.items():
            raw["weights"][n].append(m.weight.detach().clone().numpy())
        with torch.no_grad():
            # hooks stay on, so drop the validation pass's captures
            val = nn.functional.cross_entropy(model(xv), yv)
            for kind in ("net_values", "outputs"):
                for n in relus:
                    raw[kind][n].pop()
        raw["train_loss"].append(loss.item())
        raw["val_loss"].append(val.item())
    return raw


def summarize(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """STATS row; quantiles from a fixed-size random sample for large tensors."""
    flat = a.ravel().astype(np.float64)
    sample = flat if flat.size <= SUMMARY_SAMPLE else rng.choice(flat, SUMMARY_SAMPLE)
    q1, med, q3 = np.quantile(sample, [0.25, 0.5, 0.75])
    iqr = q3 - q1
    lo = sample[sample >= q1 - 1.5 * iqr].min()
    hi = sample[sample <= q3 + 1.5 * iqr].max()
    row = {"min": flat.min(), "whislo": lo, "q1": q1, "median": med, "q3": q3, "whishi": hi,
           "max": flat.max(), "mean": flat.mean(), "std": flat.std(),
           "zero_frac": np.mean(flat == 0)}  # fmt: skip
    return np.array([row[s] for s in STATS], np.float32)


def to_record(raw) -> Record:
    rng = np.random.default_rng(0)
    kinds = {
        kind: {n: np.stack([summarize(a, rng) for a in steps]) for n, steps in raw[kind].items()}
        for kind in ("weights", "net_values", "outputs")
    }
    return Record(
        **kinds,
        train_loss=np.asarray(raw["train_loss"], np.float32),
        val_loss=np.asarray(raw["val_loss"], np.float32),
        meta={"mode": "summary"},
    )


def plain_frame(raw, t: int, figsize, dpi) -> np.ndarray:
    """The straightforward frame t: new pyplot figure, boxplots of all raw tensors so far."""
    weights, acts = list(raw["weights"]), list(raw["net_values"])
    rows = 1 + max(len(weights), len(acts))
    fig, axes = plt.subplots(rows, 3, figsize=figsize, dpi=dpi)
    axes[0, 0].plot(raw["train_loss"][:t], label="train")
    axes[0, 0].plot(raw["val_loss"][:t], label="validation")
    axes[0, 0].legend()
    for r, name in enumerate(weights, start=1):
        axes[r, 0].boxplot([w.ravel() for w in raw["weights"][name][: t + 1]])
        axes[r, 0].set_title(f"weights: {name}")
    for r, name in enumerate(acts, start=1):
        axes[r, 1].boxplot([a.ravel() for a in raw["net_values"][name][:t]])
        axes[r, 2].boxplot([a.ravel() for a in raw["outputs"][name][:t]])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return imageio.imread(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain-every", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--save-frame", type=Path, default=None)
    args = parser.parse_args()

    raw = capture()
    record = to_record(raw)
    still = dashboard(record)
    figsize, dpi = tuple(still.get_size_inches()), still.dpi
    width, height = int(figsize[0] * dpi), int(figsize[1] * dpi)

    with tempfile.TemporaryDirectory() as tmp:
        ours = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            make_movie(record, Path(tmp) / "ours.gif", progress=False)
            ours.append((time.perf_counter() - start) / STEPS)
        n_frames = len(imageio.mimread(Path(tmp) / "ours.gif", memtest=False))
        assert n_frames == STEPS, n_frames

        times = []
        sampled = range(args.plain_every // 2, STEPS + 1, args.plain_every)
        with imageio.get_writer(Path(tmp) / "plain.gif", mode="I", fps=10) as writer:
            for t in sampled:
                start = time.perf_counter()
                frame = plain_frame(raw, t, figsize, dpi)
                writer.append_data(frame)
                times.append(time.perf_counter() - start)
        plain = statistics.mean(times)

    ours_s = statistics.median(ours)
    print(f"frame size {width}x{height}, {STEPS} batches, MLP 3072-256-128-10")
    print(
        f"plain (pyplot + boxplot of raw tensors + PNG round trip + GIF): {plain * 1000:.0f} "
        f"ms/frame (timed at t={list(sampled)}; their mean estimates the mean over t=1..{STEPS})"
    )
    runs = ", ".join(f"{o * 1000:.1f}" for o in ours)
    print(
        f"make_movie (summaries, incremental Agg, fixed-palette GIF): {ours_s * 1000:.1f} "
        f"ms/frame (median of {args.repeats} full renders, setup included; runs: {runs} ms)"
    )
    print(f"speed-up: {plain / ours_s:.0f}x")

    if args.save_frame is not None:
        fig = dashboard(record, upto=60)
        fig.savefig(args.save_frame)
        print(f"saved {args.save_frame} ({args.save_frame.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
