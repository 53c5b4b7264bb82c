"""The `trainlab` command: run studies, report on them, render movies, list runs.

User mistakes (bad spec, missing data, not a run directory) print one line and
exit with code 2; an interrupted study keeps its finished runs and exits 130.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from trainlab.errors import ConfigError, TrainlabError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def cmd_run(args: argparse.Namespace) -> int:
    """Run every unfinished run of a study spec."""
    from trainlab.sweep.executors import make_executor
    from trainlab.sweep.runner import run_study, with_synthetic_data
    from trainlab.sweep.spec import load_spec

    study = load_spec(args.spec, quick=args.quick, data_root=args.data_dir)
    executor = make_executor(
        args.executor, jobs=args.jobs, address=args.address, share_data=not args.no_share_data
    )
    if args.quick:
        study, replaced = with_synthetic_data(study)
        for name in replaced:
            print(f"{name} not found on this machine: --quick uses generated {name}-format files")
    default_out = Path("runs") / (f"{study.name}-quick" if args.quick else study.name)
    out = Path(args.out) if args.out else default_out
    print(f"{study.name}: {len(study.runs)} runs -> {out}")
    table = run_study(study, out, executor=executor, progress=not args.no_progress)
    _print_summary(table, out)
    if args.html:
        _html(out)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the built-in demo study on real Fashion-MNIST."""
    from trainlab.sweep.executors import LocalExecutor
    from trainlab.sweep.runner import run_study
    from trainlab.sweep.spec import DEMO_SPEC, load_spec

    study = load_spec(DEMO_SPEC, data_root=args.data_dir)
    out = Path(args.out)
    print(f"{study.name}: {len(study.runs)} runs on Fashion-MNIST -> {out}")
    table = run_study(study, out, executor=LocalExecutor(args.jobs))
    _print_summary(table, out)
    _html(out)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild results.csv, findings.md and figures of a study directory (and its HTML)."""
    from trainlab.sweep.report import write_report

    table = write_report(args.dir)
    _print_summary(table, Path(args.dir))
    if args.html:
        _html(Path(args.dir))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print the status of every run in a study directory."""
    from trainlab.sweep.results import collect_results

    table = collect_results(args.dir)
    if table.empty:
        raise TrainlabError(f"{args.dir}: no runs found (expected {args.dir}/runs/<run>/)")
    for row in table.itertuples():
        seconds = getattr(row, "seconds", float("nan"))
        took = f"{seconds:7.1f}s" if seconds == seconds else "       -"  # NaN: unfinished
        print(f"{row.status:<10} {took}  {row.run}")
    counts = table["status"].value_counts().to_dict()
    print(", ".join(f"{n} {status}" for status, n in counts.items()))
    return 0


def cmd_movie(args: argparse.Namespace) -> int:
    """Render the training movie of one run directory."""
    from trainlab.monitor import Record
    from trainlab.viz import make_movie

    record = Record.load(args.run_dir, tensors=False)  # the dashboard draws from summaries
    path = Path(args.output) if args.output else Path(args.run_dir) / "movie.gif"
    make_movie(record, path, fps=args.fps)
    print(f"wrote {path} ({record.n_steps} frames)")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate a run's saved model on a split of its data (loss, accuracy, figures)."""
    from trainlab.runs import evaluate_run

    result = evaluate_run(args.run_dir, args.split, figures=args.figures)
    print(f"{args.split}: loss {result['loss']:.4f}  acc {result['acc']:.4f}  (n={result['n']})")
    for path in result.get("figures", []):
        print(f"wrote {path}")
    return 0


def cmd_export_tb(args: argparse.Namespace) -> int:
    """Export a run's scalars and per-layer distributions as TensorBoard events."""
    from trainlab.integrations.tensorboard import export_tensorboard

    path = export_tensorboard(args.run_dir, args.logdir)
    print(f"wrote {path}\nview: tensorboard --logdir {path.parent}")
    return 0


def cmd_equivariance(args: argparse.Namespace) -> int:
    """Draw shift and rotation equivariance maps of a conv-only net on a test image."""
    import torch

    from trainlab.atomic import save_figure
    from trainlab.data import load_dataset, to_float
    from trainlab.equivariance import check_rotation, check_shift, conv_only_net
    from trainlab.viz.equivariance import equivariance_figure

    images = load_dataset(args.dataset, "test", root=args.data_dir).images
    if not 0 <= args.index < len(images):
        raise ConfigError(
            f"--index {args.index}: the {args.dataset} test split has images 0 to {len(images) - 1}"
        )
    torch.manual_seed(args.seed)
    image = to_float(images[args.index])
    model = conv_only_net(in_channels=image.shape[0])
    out = Path(args.out)
    checks = {
        "shift": (check_shift(model, image, dy=3, dx=3), "shift by (3, 3) pixels"),
        "rotation": (check_rotation(model, image, k=1), "rotation by 90 degrees"),
    }
    for name, (check, title) in checks.items():
        path = save_figure(equivariance_figure(check, title=title), out / f"{name}.png")
        print(f"{name}: max |g(f(x)) - f(g(x))| = {check.max_difference:.3g}  ({path})")
    return 0


def _html(out: Path) -> None:
    from trainlab.sweep.html_report import write_html_report

    print(f"report: {write_html_report(out)}")


def _print_summary(table, out: Path) -> None:
    if table.empty:
        print("no run finished (see the errors above); run the same command to retry")
    else:
        counts = table["status"].value_counts().to_dict()
        print(", ".join(f"{n} {status}" for status, n in counts.items()))
        best = table.sort_values("final_val_loss").head(5)
        cols = ["run", "final_val_loss", "final_val_acc", "status"]
        print(best[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"results: {out / 'results.csv'}\nfindings: {out / 'findings.md'}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per command."""
    parser = argparse.ArgumentParser(
        prog="trainlab", description="Watch small neural networks learn: studies, records, movies."
    )
    from trainlab import __version__

    parser.add_argument("--version", action="version", version=f"trainlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        doc = (func.__doc__ or "").strip().splitlines()[0]
        p = sub.add_parser(name, help=doc, description=doc)
        p.set_defaults(func=func)
        return p

    p = add("run", cmd_run)
    p.add_argument("spec", help="study spec (TOML), e.g. studies/regularization_movies.toml")
    p.add_argument("--out", help="output directory (default: runs/<study name>)")
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: one per core)")
    p.add_argument("--quick", action="store_true", help="shrink every run for a smoke test")
    p.add_argument("--data-dir", help="directory holding the dataset files")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--html", action="store_true", help="also write OUT/report/index.html")
    p.add_argument(
        "--executor", choices=("local", "ray"), default="local",
        help="local processes (default) or Ray (needs: pip install 'trainlab[ray]')",
    )  # fmt: skip
    p.add_argument(
        "--address", help="Ray cluster to join: HOST:PORT or 'auto' (default: start a local Ray)"
    )
    p.add_argument(
        "--no-share-data", action="store_true",
        help="Ray: workers read data.root themselves (shared storage) instead of the object store",
    )  # fmt: skip

    p = add("demo", cmd_demo)
    p.add_argument("--out", default="runs/demo", help="output directory (default: runs/demo)")
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: one per core)")
    p.add_argument("--data-dir", help="directory holding the Fashion-MNIST files")

    p = add("report", cmd_report)
    p.add_argument("dir", help="a study output directory")
    p.add_argument(
        "--html", action="store_true", help="also write DIR/report/index.html and one page per run"
    )

    p = add("list", cmd_list)
    p.add_argument("dir", help="a study output directory")

    p = add("movie", cmd_movie)
    p.add_argument("run_dir", help="a run directory (holding record.json)")
    p.add_argument("--output", "-o", help="movie path, .gif or .mp4 (default: RUN_DIR/movie.gif)")
    p.add_argument("--fps", type=int, default=10, help="frames per second (default 10)")
    p = add("evaluate", cmd_evaluate)
    p.add_argument("run_dir", help="a run directory (holding config.json and model.pt)")
    p.add_argument(
        "--split", choices=("train", "val", "test"), default="test", help="split (default test)"
    )
    p.add_argument(
        "--figures", action="store_true", help="also write RUN_DIR/eval_<split>_*.png figures"
    )

    p = add("export-tb", cmd_export_tb)
    p.add_argument("run_dir", help="a run directory")
    p.add_argument("--logdir", help="TensorBoard log directory (default: RUN_DIR/tensorboard)")

    p = add("equivariance", cmd_equivariance)
    p.add_argument("--out", default="runs/equivariance", help="directory for the figures")
    p.add_argument(
        "--dataset", default="fashion-mnist", choices=("fashion-mnist", "mnist", "cifar10")
    )
    p.add_argument("--index", type=int, default=0, help="test image index (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random conv weights")
    p.add_argument("--data-dir", help="directory holding the dataset files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    if getattr(args, "jobs", None) is not None and args.jobs < 1:
        print(f"trainlab: error: --jobs {args.jobs}; expected >= 1", file=sys.stderr)
        return EXIT_USER_ERROR
    if getattr(args, "data_dir", None) and not Path(args.data_dir).is_dir():
        print(f"trainlab: error: --data-dir {args.data_dir}: no such directory", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        return args.func(args)
    except TrainlabError as exc:
        print(f"trainlab: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as exc:  # e.g. an output path that is a file, or not writable
        print(f"trainlab: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(
            "\ntrainlab: interrupted; finished runs are kept, run the same command to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
