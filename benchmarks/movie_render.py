"""Training-movie render time: make_movie's incremental frames vs re-drawing every frame.

Records 100 batches of the seed-000 network, an MLP 3072-256-128-10 with two ReLUs, on
random CIFAR-shaped data (SGD, lr 0.05, momentum 0.9, batch 32, validation loss on 512
samples) with a `Monitor` (summaries, quantiles, signals, gradients), then times, at the
same frame size and with the same GIF writer:

- make_movie: the whole 100-frame GIF (setup, palette and encoding included), repeated
  ``--repeats`` times; the median run divided by 100;
- re-draw: the same `MovieFrame` figure drawn in full for each frame
  (``canvas.draw()``), written with the same fixed palette; timed on every
  ``--redraw-every``-th frame at the midpoints t = 5, 15, ..., 95 and averaged, which
  estimates the mean over t = 1..100.

Run: ``python benchmarks/movie_render.py [--dpi 100] [--save-frames docs/images]``
(``--save-frames`` also writes the record's dashboard, ``dashboard_frame.png``).
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

import torch
from PIL import Image
from torch import nn

from trainlab.monitor import Monitor, Record
from trainlab.viz import dashboard, make_movie, movie_frame
from trainlab.viz.gif import GifStreamWriter, make_palette
from trainlab.viz.moment import MOVIE_DPI, MovieFrame

STEPS = 100
BATCH = 32
RUN = "seed000: MLP 3072-256-128-10, ReLU, SGD lr 0.05"
FRAMES_TO_SAVE = {"early": 5, "middle": 50, "last": STEPS}


def seed000_record(seed: int = 0) -> Record:
    """The Record of 100 SGD steps of the seed-000 MLP on random CIFAR-shaped data."""
    torch.manual_seed(seed)
    model = nn.Sequential(OrderedDict(
        flatten=nn.Flatten(), fc1=nn.Linear(3072, 256), relu1=nn.ReLU(),
        fc2=nn.Linear(256, 128), relu2=nn.ReLU(), fc3=nn.Linear(128, 10),
    ))  # fmt: skip
    x, y = torch.randn(STEPS * BATCH, 3, 32, 32), torch.randint(0, 10, (STEPS * BATCH,))
    xv, yv = torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    monitor = Monitor(model, optimizer=opt, grads=True)
    for step in range(STEPS):
        xb, yb = x[step * BATCH : (step + 1) * BATCH], y[step * BATCH : (step + 1) * BATCH]
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss.detach(), monitor.validation_loss(xv, yv))
    return monitor.to_record(meta={"run": RUN})


def redraw_ms(record: Record, every: int, dpi: float) -> tuple[float, list[int]]:
    """Mean ms per frame of drawing each sampled frame of the same figure in full."""
    frame = MovieFrame(record, dpi=dpi)
    palette = make_palette([frame.start()])
    writer = GifStreamWriter(io.BytesIO(), palette, fps=10)
    sampled = list(range(every // 2, STEPS + 1, every))
    times = []
    for t in sampled:
        start = time.perf_counter()
        frame.show_frame(t)
        frame.canvas.draw()
        writer.write(frame.canvas.buffer_rgba())
        times.append(time.perf_counter() - start)
    return 1000 * statistics.mean(times), sampled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redraw-every", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dpi", type=float, default=MOVIE_DPI)
    parser.add_argument("--save-frames", type=Path, default=None,
                        help="directory for movie_frame_{early,middle,last}.png")  # fmt: skip
    args = parser.parse_args()

    record = seed000_record()
    ours, cpu = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            make_movie(record, Path(tmp) / "ours.gif", progress=False, dpi=args.dpi)
            ours.append(1000 * (time.perf_counter() - start) / STEPS)
            cpu.append(1000 * (time.process_time() - start_cpu) / STEPS)
        with Image.open(Path(tmp) / "ours.gif") as gif:
            shape, n_frames = (gif.height, gif.width), gif.n_frames
    assert n_frames == STEPS, n_frames
    redraw, sampled = redraw_ms(record, args.redraw_every, args.dpi)

    ours_ms = statistics.median(ours)
    print(f"frame size {shape[1]}x{shape[0]}, {STEPS} steps, MLP 3072-256-128-10 (seed 000)")
    runs = ", ".join(f"{o:.1f}" for o in ours)
    print(f"make_movie (incremental Agg, fixed-palette GIF): {ours_ms:.1f} ms/frame "
          f"(median of {args.repeats} full renders, setup included; runs: {runs}; "
          f"process CPU time {statistics.median(cpu):.1f})")  # fmt: skip
    print(f"re-draw every frame (same figure, same GIF writer): {redraw:.0f} ms/frame "
          f"(mean at t={sampled})")  # fmt: skip
    print(f"speed-up: {redraw / ours_ms:.1f}x")

    if args.save_frames is not None:
        for name, step in FRAMES_TO_SAVE.items():
            path = args.save_frames / f"movie_frame_{name}.png"
            movie_frame(record, step).savefig(path)
            print(f"saved {path} ({path.stat().st_size // 1024} KB)")
        path = args.save_frames / "dashboard_frame.png"
        dashboard(record).savefig(path)
        print(f"saved {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
