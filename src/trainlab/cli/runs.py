"""`trainlab movie`, `diagnose`, `evaluate` and `export-tb`: one run directory at a time."""

from __future__ import annotations

import argparse
from pathlib import Path

from trainlab.cli.common import EXIT_OK, output_dir, output_file


def cmd_movie(args: argparse.Namespace) -> int:
    """Render the training movie of one run directory."""
    from trainlab.monitor import Record
    from trainlab.run import rundir
    from trainlab.viz import make_movie, movie_steps

    directory = rundir.check_run_dir(Path(args.run_dir))
    record = Record.load(directory, tensors=False)  # the dashboard draws from summaries
    default = directory / rundir.movie_file("gif")
    path = output_file(Path(args.output) if args.output else default, "--output")
    make_movie(
        record, path, fps=args.fps, title=directory.name, every=args.every, frames=args.frames,
        seconds=args.seconds, spacing=args.spacing, **({"dpi": args.dpi} if args.dpi else {}),
    )  # fmt: skip
    print(f"wrote {path} ({len(movie_steps(path))} frames of {record.n_steps} steps)")
    return EXIT_OK


def cmd_diagnose(args: argparse.Namespace) -> int:
    """Say why a run learns, stalls or fails: its diagnoses, with the numbers behind them."""
    from trainlab.diagnose import RULES, diagnose
    from trainlab.monitor import Record
    from trainlab.run import rundir
    from trainlab.run.reload import read_history

    directory = rundir.check_run_dir(Path(args.run_dir))
    record = Record.load(directory, tensors=False)
    history = read_history(directory) if (directory / rundir.HISTORY_FILE).is_file() else None
    found = diagnose(record, history)
    print(f"{directory.name}: {record.n_steps} steps, status {history.status if history else '?'}")
    if not found:
        print(f"no diagnosis: none of the {len(RULES)} checks ({', '.join(RULES)}) fired")
    for d in found:
        print(f"\n[{d.severity}] {d.name} at {d.where()}")
        print(f"  {d.explanation}")
        for e in d.evidence:
            print(f"  - {e.quantity}: {e.test()} ({e.source})")
        print(f"  try: {d.suggestion}")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate a run's saved model on a split of its data (loss, accuracy, figures)."""
    from trainlab.run import evaluate_run

    result = evaluate_run(args.run_dir, args.split, figures=args.figures)
    print(f"{args.split}: loss {result['loss']:.4f}  acc {result['acc']:.4f}  (n={result['n']})")
    for path in result.get("figures", []):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_export_tb(args: argparse.Namespace) -> int:
    """Export a run's scalars and per-layer distributions as TensorBoard events."""
    from trainlab.integrations.tensorboard import export_tensorboard
    from trainlab.run import rundir

    directory = rundir.check_run_dir(Path(args.run_dir))
    logdir = output_dir(Path(args.logdir), "--logdir") if args.logdir else None
    path = export_tensorboard(directory, logdir)
    print(f"wrote {path}\nview: tensorboard --logdir {path.parent}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction, add) -> None:
    """The run commands' arguments."""
    from trainlab.run.reload import SPLITS as EVALUATION_SPLITS
    from trainlab.viz.selection import SPACINGS

    p = add("movie", cmd_movie)
    p.add_argument("run_dir", help="a run directory (OUT/runs/NAME)")
    p.add_argument("--output", "-o", help="movie path, .gif or .mp4 (default: RUN_DIR/movie.gif)")
    p.add_argument("--fps", type=int, default=10, help="frames per second (default 10)")
    choose = p.add_mutually_exclusive_group()
    choose.add_argument("--every", type=int, metavar="K", help="a frame every K steps")
    choose.add_argument("--frames", type=int, metavar="N", help="N frames spread over the run")
    choose.add_argument("--seconds", type=float, metavar="S", help="a movie S seconds long")
    p.add_argument(
        "--spacing", choices=SPACINGS, default="even",
        help="how --frames/--seconds spread the frames: evenly, or dense early (log)",
    )  # fmt: skip
    p.add_argument("--dpi", type=float, help="pixels per inch (default: the movie default)")

    p = add("diagnose", cmd_diagnose)
    p.add_argument("run_dir", help="a run directory (OUT/runs/NAME)")

    p = add("evaluate", cmd_evaluate)
    p.add_argument("run_dir", help="a run directory (OUT/runs/NAME)")
    p.add_argument("--split", choices=EVALUATION_SPLITS, default="test",
                   help="split (default test)")  # fmt: skip
    p.add_argument(
        "--figures", action="store_true", help="also write RUN_DIR/eval_<split>_*.png figures"
    )

    p = add("export-tb", cmd_export_tb)
    p.add_argument("run_dir", help="a run directory (OUT/runs/NAME)")
    p.add_argument("--logdir", help="TensorBoard log directory (default: RUN_DIR/tensorboard)")
