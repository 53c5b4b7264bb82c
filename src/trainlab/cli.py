"""The `trainlab` command: run studies, report on them, render movies, list runs.

User mistakes (bad spec, missing data, a directory that is not a run or study)
print one line and exit with code 2; an interrupted study keeps its finished runs
and exits 130; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from trainlab.data.sources import DATASET_NAMES, SPLITS
from trainlab.errors import ConfigError, TrainlabError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
SUMMARY_ROWS = 5  # best runs printed after a study
SUMMARY_VERDICTS = {
    "best": "best",
    "indistinguishable": "within seed noise of the best",
    "worse": "worse",
    "unknown": "noise unknown: one seed",
}


def cmd_run(args: argparse.Namespace) -> int:
    """Run every unfinished run of a study spec."""
    from trainlab.sweep import load_spec, make_executor, parse_overrides, run_study
    from trainlab.sweep.runner import with_synthetic_data

    study = load_spec(
        args.spec, quick=args.quick, data_root=args.data_dir,
        overrides=parse_overrides(args.set or []), grid=args.grid, repeats=args.repeats,
    )  # fmt: skip
    executor = make_executor(
        args.executor, jobs=args.jobs, address=args.address, share_data=not args.no_share_data
    )
    if args.quick:
        study, replaced = with_synthetic_data(study)
        for name in replaced:
            print(f"{name} not found on this machine: --quick uses generated {name}-format files")
    default_out = Path("runs") / (f"{study.name}-quick" if args.quick else study.name)
    out = _output_dir(Path(args.out) if args.out else default_out, "--out")
    seeds = f" x {len(study.seeds)} seeds" if len(study.seeds) > 1 else ""
    print(f"{study.name}: {len(study.runs) // len(study.seeds)} configurations{seeds} "
          f"= {len(study.runs)} runs -> {out}")  # fmt: skip
    if study.held:
        print(f"--set holds {', '.join(study.held)}: not varied, and questions and figures "
              "about them are left out")  # fmt: skip
    analysis = run_study(
        study, out, executor=executor, progress=not args.no_progress, html=args.html
    )
    _print_summary(analysis, out, html=args.html)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the built-in demo study on real Fashion-MNIST."""
    from trainlab.sweep import DEMO_SPEC, LocalExecutor, load_spec, run_study

    study = load_spec(DEMO_SPEC, data_root=args.data_dir)
    out = _output_dir(Path(args.out), "--out")
    print(f"{study.name}: {len(study.runs)} runs on Fashion-MNIST -> {out}")
    analysis = run_study(study, out, executor=LocalExecutor(args.jobs), html=True)
    _print_summary(analysis, out, html=True)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild the tables, findings and figures of a study directory (and its HTML)."""
    from trainlab.sweep.report import write_report

    analysis = write_report(args.dir)
    _print_summary(analysis, Path(args.dir))
    if args.html:
        _html(Path(args.dir))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print the status of every run in a study directory."""
    from trainlab.sweep import rundir
    from trainlab.sweep.results import collect_results

    index = rundir.read_study(args.dir)
    table = collect_results(args.dir)
    planned = set(index.get("runs", []))
    for row in table.itertuples():
        seconds = row.seconds if isinstance(row.seconds, (int, float)) else float("nan")
        took = f"{seconds:7.1f}s" if seconds == seconds else "       -"  # NaN: unfinished
        print(f"{row.status:<10} {took}  {row.run}")
    missing = sorted(planned - set(table["run"]))
    for name in missing:
        print(f"{'not started':<10}        -  {name}")
    counts = table["status"].value_counts().to_dict()
    if missing:
        counts["not started"] = len(missing)
    print(", ".join(f"{n} {status}" for status, n in counts.items()) or "no runs yet")
    return 0


def cmd_movie(args: argparse.Namespace) -> int:
    """Render the training movie of one run directory."""
    from trainlab.monitor import Record
    from trainlab.sweep import rundir
    from trainlab.viz import make_movie, movie_steps

    directory = rundir.check_run_dir(Path(args.run_dir))
    record = Record.load(directory, tensors=False)  # the dashboard draws from summaries
    default = directory / rundir.movie_file("gif")
    path = _output_file(Path(args.output) if args.output else default, "--output")
    make_movie(
        record, path, fps=args.fps, title=directory.name, every=args.every, frames=args.frames,
        seconds=args.seconds, spacing=args.spacing, **({"dpi": args.dpi} if args.dpi else {}),
    )  # fmt: skip
    print(f"wrote {path} ({len(movie_steps(path))} frames of {record.n_steps} steps)")
    return 0


def cmd_diagnose(args: argparse.Namespace) -> int:
    """Say why a run learns, stalls or fails: its diagnoses, with the numbers behind them."""
    from trainlab.diagnose import RULES, diagnose
    from trainlab.monitor import Record
    from trainlab.sweep import rundir
    from trainlab.sweep.runs import read_history

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
            print(f"  - {e.quantity} = {e.value:.4g} {e.comparison} {e.threshold:.4g} ({e.source})")
        print(f"  try: {d.suggestion}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate a run's saved model on a split of its data (loss, accuracy, figures)."""
    from trainlab.sweep import evaluate_run

    result = evaluate_run(args.run_dir, args.split, figures=args.figures)
    print(f"{args.split}: loss {result['loss']:.4f}  acc {result['acc']:.4f}  (n={result['n']})")
    for path in result.get("figures", []):
        print(f"wrote {path}")
    return 0


def cmd_export_tb(args: argparse.Namespace) -> int:
    """Export a run's scalars and per-layer distributions as TensorBoard events."""
    from trainlab.integrations.tensorboard import export_tensorboard
    from trainlab.sweep import rundir

    directory = rundir.check_run_dir(Path(args.run_dir))
    logdir = _output_dir(Path(args.logdir), "--logdir") if args.logdir else None
    path = export_tensorboard(directory, logdir)
    print(f"wrote {path}\nview: tensorboard --logdir {path.parent}")
    return 0


def cmd_equivariance(args: argparse.Namespace) -> int:
    """Draw shift and rotation equivariance maps of a conv-only net on one image."""
    from trainlab.sweep.equivariance import equivariance_experiment

    out = _output_dir(Path(args.out), "--out")
    results = equivariance_experiment(
        args.dataset, out, split=args.split, index=args.index, seed=args.seed, root=args.data_dir
    )
    for name, (check, path) in results.items():
        print(f"{name}: max |g(f(x)) - f(g(x))| = {check.max_difference:.3g}  ({path})")
    return 0


def _html(out: Path) -> None:
    from trainlab.sweep.html import write_html_report

    print(f"report: {write_html_report(out)}")


def _print_summary(analysis, out: Path, *, html: bool = False) -> None:
    """Counts, then the best configurations by the study's ranking rule (the one the
    findings use), then where the tables, findings and report are."""
    from trainlab.stats import format_estimate, t_interval
    from trainlab.sweep import rundir

    table = analysis.table
    if table.empty or analysis.best is None:
        print("no run finished (see the errors above); run the same command to retry")
    else:
        counts = table["status"].value_counts().to_dict()
        print(", ".join(f"{n} {status}" for status, n in counts.items()))
        metric = analysis.metric
        best = analysis.best.table.head(SUMMARY_ROWS)
        print(f"best configurations by {metric.label} ({metric.name}, {metric.better} is "
              f"better; mean over seeds, 95% interval):")  # fmt: skip
        for row in best.itertuples():
            runs = table[table["point"] == row.point][metric.name]
            est = t_interval(runs.dropna().to_numpy(float))
            verdict = SUMMARY_VERDICTS[row.verdict]
            print(f"  {format_estimate(est.mean, est.low, est.high):>28}  {row.point}  ({verdict})")
    print(f"results: {out / rundir.RESULTS_FILE}\nfindings: {out / rundir.FINDINGS_FILE}")
    if html:
        print(f"report: {out / rundir.REPORT_DIR / 'index.html'}")


def _output_dir(path: Path, flag: str) -> Path:
    """`path` as an output directory: refused when it is a file or cannot be created."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{flag} {path}: exists and is not a directory; choose another path")
    parent = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not _writable(parent):
        raise ConfigError(f"{flag} {path}: {parent} is not writable; choose another path")
    return path


def _output_file(path: Path, flag: str) -> Path:
    """`path` as an output file: refused when it is a directory or its folder is not writable."""
    if path.is_dir():
        raise ConfigError(f"{flag} {path}: is a directory; give a file name")
    _output_dir(path.parent, flag)
    return path


def _writable(directory: Path) -> bool:
    return os.access(directory, os.W_OK | os.X_OK)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per command."""
    from trainlab.sweep.executors import EXECUTORS
    from trainlab.sweep.runs import SPLITS as EVALUATION_SPLITS
    from trainlab.version import __version__
    from trainlab.viz.selection import SPACINGS

    parser = argparse.ArgumentParser(
        prog="trainlab", description="Watch small neural networks learn: studies, records, movies."
    )
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
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: fill the cores)")
    p.add_argument("--quick", action="store_true", help="shrink every run for a smoke test")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config key on every run, e.g. --set train.epochs=30 "
                   "(repeatable)")  # fmt: skip
    p.add_argument(
        "--grid", type=int, help="run only the K-th [[grid]] table of the spec (1-based)"
    )
    p.add_argument("--repeats", type=int, help="seeds per configuration (replaces the spec's)")
    p.add_argument("--data-dir", help="directory holding the dataset files")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--html", action="store_true",
                   help="keep OUT/report/index.html current while the study runs")  # fmt: skip
    p.add_argument(
        "--executor", choices=EXECUTORS, default="local",
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
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: fill the cores)")
    p.add_argument("--data-dir", help="directory holding the Fashion-MNIST files")

    p = add("report", cmd_report)
    p.add_argument("dir", help="a study output directory")
    p.add_argument(
        "--html", action="store_true", help="also write DIR/report/index.html and one page per run"
    )

    p = add("list", cmd_list)
    p.add_argument("dir", help="a study output directory")

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

    p = add("equivariance", cmd_equivariance)
    p.add_argument("--out", default="runs/equivariance", help="directory for the figures")
    p.add_argument("--dataset", default="fashion-mnist", choices=DATASET_NAMES)
    p.add_argument("--split", default="train", choices=SPLITS, help="split (default train)")
    p.add_argument("--index", type=int, default=0, help="image index in the split (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random conv weights")
    p.add_argument("--data-dir", help="directory holding the dataset files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    for flag in ("jobs", "repeats", "grid"):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            print(f"trainlab: error: --{flag} {value}; expected >= 1", file=sys.stderr)
            return EXIT_USER_ERROR
    if getattr(args, "data_dir", None) and not Path(args.data_dir).is_dir():
        print(f"trainlab: error: --data-dir {args.data_dir}: no such directory", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        return args.func(args)
    except TrainlabError as exc:
        print(f"trainlab: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(
            "\ntrainlab: interrupted; finished runs are kept, run the same command to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
