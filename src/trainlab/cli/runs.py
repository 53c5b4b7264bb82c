"""`trainlab movie`, `diagnose`, `evaluate`, `export-tb` and `compare`: runs read back.

`movie`, `diagnose` and `export-tb` take one run directory or a whole study directory
(then every finished run of it, in the spec's order); `compare` takes two runs.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from trainlab.cli.common import EXIT_OK, output_dir, output_file
from trainlab.errors import ConfigError


def cmd_movie(args: argparse.Namespace) -> int:
    """Render the training movie of a run directory, or of every run of a study."""
    from trainlab.monitor import Record
    from trainlab.run import rundir
    from trainlab.viz import make_movie, movie_steps

    directories, study = _runs(Path(args.run_dir))
    if study and args.output:
        raise ConfigError(f"--output {args.output}: names one file, and {args.run_dir} is a "
                          "study; each run's movie goes into its own directory")  # fmt: skip
    for directory in directories:
        record = _record(Record, directory, study)  # the dashboard draws from summaries
        if record is None:
            continue
        default = directory / rundir.movie_file("gif")
        path = output_file(Path(args.output) if args.output else default, "--output")
        make_movie(
            record, path, fps=args.fps, title=directory.name, every=args.every,
            frames=args.frames, seconds=args.seconds, spacing=args.spacing,
            **({"dpi": args.dpi} if args.dpi else {}),
        )  # fmt: skip
        print(f"wrote {path} ({len(movie_steps(path))} frames of {record.n_steps} steps)")
    return EXIT_OK


def cmd_diagnose(args: argparse.Namespace) -> int:
    """Say why a run (or each run of a study) learns, stalls or fails, with the numbers."""
    from collections import Counter

    from trainlab.diagnose import RULES, diagnose, skipped
    from trainlab.monitor import Record
    from trainlab.run import rundir
    from trainlab.run.reload import read_history

    directories, study = _runs(Path(args.run_dir))
    kinds: Counter[str] = Counter()
    for k, directory in enumerate(directories):
        if k:
            print()
        record = _record(Record, directory, study)
        if record is None:
            continue
        history = read_history(directory) if (directory / rundir.HISTORY_FILE).is_file() else None
        found, left_out = diagnose(record, history), skipped(record, history)
        status = history.status if history else "?"
        print(f"{directory.name}: {record.n_steps} steps, status {status}")
        ran = [name for name in RULES if name not in left_out]
        if not found:
            print(f"no diagnosis: none of the {len(ran)} checks ({', '.join(ran)}) fired")
        for name, why in left_out.items():
            print(f"skipped {name}: {why}")
        for d in found:
            kinds[d.label] += 1
            print(f"\n[{d.severity}] {d.name} at {d.where()}")
            print(f"  {d.explanation}")
            for e in d.evidence:
                print(f"  - {e.quantity}: {e.test()} ({e.source})")
            print(f"  try: {d.suggestion}")
    if study:
        found = ", ".join(f"{kind} in {n}" for kind, n in kinds.most_common()) or "none"
        print(f"\n{len(directories)} runs diagnosed; diagnoses: {found}")
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
    """Export a run's (or every run of a study's) scalars, signals and distributions as
    TensorBoard events."""
    from trainlab.integrations.tensorboard import export_tensorboard
    from trainlab.run import rundir

    path = Path(args.run_dir)
    directories, study = _runs(path)
    logdir = output_dir(Path(args.logdir), "--logdir") if args.logdir else None
    if study and logdir is None:
        logdir = path / rundir.TENSORBOARD_DIR  # one folder: TensorBoard compares the runs
    for directory in directories:
        written = export_tensorboard(directory, logdir)
        print(f"wrote {written}")
    shown = logdir if logdir is not None else written.parent
    print(f"view: tensorboard --logdir {shown}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    """Print two runs' metrics side by side with their difference."""
    from trainlab.run import rundir
    from trainlab.run.metrics import METRICS

    metas = []
    for given in (args.run_a, args.run_b):
        directory = rundir.check_run_dir(Path(given))
        meta = rundir.read_meta(directory)
        if meta is None:
            raise ConfigError(f"{directory}: has not finished (no {rundir.META_FILE}); "
                              "compare finished runs")  # fmt: skip
        metas.append(meta)
    a, b = (m.get("metrics") or {} for m in metas)
    names = [m for m in METRICS if m in a or m in b]
    width = max(len(METRICS[m].label) for m in names) if names else 6
    head_a, head_b = (Path(p).name or str(p) for p in (args.run_a, args.run_b))
    print(f"A: {head_a} ({metas[0].get('status')})\nB: {head_b} ({metas[1].get('status')})")
    for axis in dict.fromkeys([*(metas[0].get("varied") or {}), *(metas[1].get("varied") or {})]):
        left, right = ((m.get("varied") or {}).get(axis, "-") for m in metas)
        if left != right:
            print(f"  {axis}: A {left}, B {right}")
    print(f"\n{'metric':<{width}}  {'A':>10}  {'B':>10}  {'A - B':>10}")
    for name in names:
        x, y = _number(a.get(name)), _number(b.get(name))
        diff = x - y if math.isfinite(x) and math.isfinite(y) else math.nan
        print(f"{METRICS[name].label:<{width}}  {_cell(x)}  {_cell(y)}  {_cell(diff)}")
    print(
        "\nOne run each: the difference has no interval over seeds. To tell configurations "
        "apart, compare their means in the study's report (each with its 95% interval)."
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction, add) -> None:
    """The run commands' arguments."""
    from trainlab.cli.lazy import LazyChoices

    p = add("movie", cmd_movie)
    p.add_argument("run_dir", help="a run directory (OUT/runs/NAME) or a study directory (OUT)")
    p.add_argument("--output", "-o", help="movie path, .gif or .mp4 (default: RUN_DIR/movie.gif)")
    p.add_argument("--fps", type=int, default=10, help="frames per second (default 10)")
    choose = p.add_mutually_exclusive_group()
    choose.add_argument("--every", type=int, metavar="K", help="a frame every K steps")
    choose.add_argument("--frames", type=int, metavar="N", help="N frames spread over the run")
    choose.add_argument("--seconds", type=float, metavar="S", help="a movie S seconds long")
    p.add_argument(
        "--spacing", choices=LazyChoices("trainlab.viz.selection", "SPACINGS"), default="even",
        metavar="SPACING", help="how --frames/--seconds spread the frames: evenly, or dense "
        "early (%(choices)s; default even)",
    )  # fmt: skip
    p.add_argument("--dpi", type=float, help="pixels per inch (default: the movie default)")

    p = add("diagnose", cmd_diagnose)
    p.add_argument("run_dir", help="a run directory (OUT/runs/NAME) or a study directory (OUT)")

    p = add("evaluate", cmd_evaluate)
    p.add_argument("run_dir", help="a run directory (OUT/runs/NAME)")
    p.add_argument("--split", choices=LazyChoices("trainlab.run.reload", "SPLITS"),
                   default="test", metavar="SPLIT",
                   help="split: %(choices)s (default test)")  # fmt: skip
    p.add_argument(
        "--figures", action="store_true", help="also write RUN_DIR/eval_<split>_*.png figures"
    )

    p = add("export-tb", cmd_export_tb)
    p.add_argument("run_dir", help="a run directory (OUT/runs/NAME) or a study directory (OUT)")
    p.add_argument("--logdir", help="TensorBoard log directory (default: RUN_DIR/tensorboard, "
                   "or OUT/tensorboard for a study)")  # fmt: skip

    p = add("compare", cmd_compare)
    p.add_argument("run_a", help="a finished run directory (OUT/runs/NAME)")
    p.add_argument("run_b", help="another finished run directory")


def _runs(path: Path) -> tuple[list[Path], bool]:
    """The run directories `path` names: itself, or every finished run of a study (in the
    spec's order); and whether it is a study.

    Raises:
        RecordError: `path` is neither a run nor a study directory.
        ConfigError: a study without a finished run.
    """
    from trainlab.run import rundir
    from trainlab.study import studydir

    if not studydir.is_study(path):
        return [rundir.check_run_dir(path)], False
    index = studydir.read_study(path)
    runs = path / rundir.RUNS_DIR
    names, started = studydir.run_names(path, index)
    names = [n for n in names if n in started]
    finished = [runs / n for n in names if rundir.is_finished(runs / n)]
    if not finished:
        raise ConfigError(f"{path}: no run of the study has finished yet")
    return finished, True


def _record(record_class, directory: Path, study: bool):
    """The run's record without raw tensors; in a study, None (said) for a run without one
    (not monitored, or failed before its first step)."""
    from trainlab.errors import RecordError

    try:
        return record_class.load(directory, tensors=False)
    except RecordError:
        if not study:
            raise
        print(f"{directory.name}: skipped, it has no record (not monitored, or it failed)")
        return None


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _cell(value: float) -> str:
    return f"{value:10.4g}" if math.isfinite(value) else f"{'-':>10}"
