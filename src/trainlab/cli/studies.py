"""`trainlab run`, `demo`, `report`, `confirm` and `list`: a study from its spec to its report."""

from __future__ import annotations

import argparse
from pathlib import Path

from trainlab.cli.common import EXIT_OK, EXIT_RUNS_FAILED, output_dir
from trainlab.errors import ConfigError

SUMMARY_ROWS = 5  # best runs printed after a study


def cmd_run(args: argparse.Namespace) -> int:
    """Run every unfinished run of a study spec, then write its report."""
    from trainlab.study import load_spec, make_executor, parse_overrides, with_synthetic_data

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
    out = output_dir(Path(args.out) if args.out else default_out, "--out")
    seeds = f" x {len(study.seeds)} seeds" if len(study.seeds) > 1 else ""
    print(f"{study.name}: {len(study.runs) // len(study.seeds)} configurations{seeds} "
          f"= {len(study.runs)} runs -> {out}")  # fmt: skip
    if study.held:
        print(f"--set holds {', '.join(study.held)}: not varied, and questions and figures "
              "about them are left out")  # fmt: skip
    return _run_and_report(study, out, executor, progress=not args.no_progress, html=args.html)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the built-in demo study on real Fashion-MNIST, then write its report."""
    from trainlab.study import DEMO_SPEC, LocalExecutor, load_spec

    study = load_spec(DEMO_SPEC, data_root=args.data_dir)
    out = output_dir(Path(args.out), "--out")
    print(f"{study.name}: {len(study.runs)} runs on Fashion-MNIST -> {out}")
    return _run_and_report(study, out, LocalExecutor(args.jobs), progress=True, html=True)


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild the tables, findings and figures of a study directory (and its HTML)."""
    from trainlab.report import write_html_report, write_report

    analysis = write_report(args.dir)
    _print_summary(analysis, Path(args.dir))
    if args.html:
        print(f"report: {write_html_report(Path(args.dir), analysis)}")
    return EXIT_OK


def cmd_confirm(args: argparse.Namespace) -> int:
    """Rerun a study's top configurations on fresh seeds, reported apart from the others."""
    from trainlab.report import analyze_study, write_html_report, write_report
    from trainlab.study import LocalExecutor, run_study, studydir
    from trainlab.study.confirm import confirmation_study

    out = Path(args.dir)
    if args.repeats < 2:
        raise ConfigError(
            f"--repeats {args.repeats}; expected >= 2 fresh seeds (one gives no interval)"
        )
    analysis = analyze_study(out)
    if analysis.best is None:
        raise ConfigError(f"{out}: no run has finished with a {analysis.metric.name}; "
                          "there is nothing to confirm")  # fmt: skip
    ranking = analysis.best.table["point"].tolist()
    if not 1 <= args.top <= len(ranking):
        raise ConfigError(f"--top {args.top}; expected 1 to {len(ranking)} (the study's "
                          "configurations with a finished run)")  # fmt: skip
    points = ranking[: args.top]
    finished = analysis.finished
    runs = {p: finished.loc[finished["point"] == p, "run"].iloc[0] for p in points}
    study = confirmation_study(out, points, runs, args.repeats)
    target = out / studydir.CONFIRM_DIR
    print(f"{study.name}: the top {len(points)} configurations x {len(study.seeds)} fresh seeds "
          f"({', '.join(map(str, study.seeds))}) = {len(study.runs)} runs -> {target}")  # fmt: skip
    outcome = run_study(study, target, executor=LocalExecutor(args.jobs), progress=True)
    write_report(target)
    analysis = write_report(out)
    _print_confirmation(analysis)
    print(f"findings: {out / studydir.FINDINGS_FILE} (and {target / studydir.FINDINGS_FILE})")
    if (out / studydir.REPORT_DIR).is_dir():  # the HTML report shows the confirmation too
        print(f"report: {write_html_report(out, analysis)}")
    return EXIT_RUNS_FAILED if outcome.failed else EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """Print every run of a study directory: status, time, ranking metric, diagnoses."""
    from collections import Counter

    from trainlab.cli.listing import read_listing

    metric, runs = read_listing(Path(args.dir))  # plain JSON: no torch, pandas or matplotlib
    width = max([len(r.name) for r in runs] + [3])
    print(f"{'status':<11} {'seconds':>8} {metric:>10}  {'run':<{width}}  diagnoses")
    for r in runs:
        took = f"{r.seconds:8.1f}" if r.seconds == r.seconds else f"{'-':>8}"  # NaN: unfinished
        value = f"{r.value:10.4g}" if r.value == r.value else f"{'-':>10}"
        print(f"{r.status:<11} {took} {value}  {r.name:<{width}}  {', '.join(r.diagnoses)}")
    counts = Counter(r.status for r in runs)
    print(", ".join(f"{n} {status}" for status, n in counts.most_common()) or "no runs yet")
    return EXIT_OK


def register(sub: argparse._SubParsersAction, add) -> None:
    """The study commands' arguments."""
    from trainlab.cli.lazy import LazyChoices

    executors = LazyChoices("trainlab.study.executors", "EXECUTORS")  # imports torch

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
        "--executor", choices=executors, default="local", metavar="EXECUTOR",
        help="%(choices)s: local processes (default) or Ray (needs: pip install "
        "'trainlab[ray]')",
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

    p = add("confirm", cmd_confirm)
    p.add_argument("dir", help="a study output directory")
    p.add_argument("--top", type=int, default=3, help="configurations to rerun, best first "
                   "(default: 3)")  # fmt: skip
    p.add_argument("--repeats", type=int, default=5, help="fresh seeds per configuration "
                   "(default: 5)")  # fmt: skip
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: fill the cores)")

    p = add("list", cmd_list)
    p.add_argument("dir", help="a study output directory")


def _run_and_report(study, out: Path, executor, *, progress: bool, html: bool) -> int:
    """Run the study, write its report (live HTML with `html`), print the summary; the exit
    code says whether every run trained (a failed run is a crash, a diverged one a result)."""
    import functools

    from trainlab.report import write_html_report, write_report
    from trainlab.study import run_study

    live = functools.partial(write_html_report, out) if html else None
    outcome = run_study(study, out, executor=executor, progress=progress, on_tick=live)
    analysis = write_report(out)
    if html:
        write_html_report(out, analysis)  # the final page, with the findings just written
    _print_summary(analysis, out, html=html)
    if outcome.failed:
        shown = ", ".join(outcome.failed[:5]) + (" ..." if len(outcome.failed) > 5 else "")
        print(f"{len(outcome.failed)} run(s) failed: {shown}; their errors are in "
              f"{out}/runs/<name>/error.txt; run the same command to retry them")  # fmt: skip
        return EXIT_RUNS_FAILED
    return EXIT_OK


def _print_summary(analysis, out: Path, *, html: bool = False) -> None:
    """Counts, then the best configurations by the study's ranking rule (the one the
    findings use), then where the tables, findings and report are. Generated stand-in
    data is said first: such findings test the pipeline, not the dataset."""
    from trainlab.stats import STANDING_WORDS, format_estimate
    from trainlab.study import studydir

    table = analysis.table
    if analysis.source.warning:
        print(f"generated stand-in data: {analysis.source.warning.replace('`', '')}")
    if table.empty or analysis.best is None:
        print("no run finished (see the errors above); run the same command to retry")
    else:
        counts = table["status"].value_counts().to_dict()
        print(", ".join(f"{n} {status}" for status, n in counts.items()))
        metric = analysis.metric
        best = analysis.best
        together = (
            f", simultaneous over the {best.selected_from} configurations (they hold for "
            "the ones these seeds ranked first)"
            if best.selected_from > 1 and analysis.replicated
            else ""
        )
        print(f"best configurations by {metric.label} ({metric.name}, {metric.better} is "
              f"better; mean over seeds, 95% intervals{together}):")  # fmt: skip
        for row in best.table.head(SUMMARY_ROWS).itertuples():
            estimate = format_estimate(row.mean, row.mean_low, row.mean_high)
            print(f"  {estimate:>28}  {row.point}  ({STANDING_WORDS[row.verdict]})")
        if analysis.unstable:
            print(f"unequal seed noise (own variance used): {', '.join(analysis.unstable)}")
        if analysis.confirm_top and analysis.confirmation is None and analysis.replicated:
            print(f"to measure the top ones on seeds that did not select them: "
                  f"{analysis.confirm_command(out)}")  # fmt: skip
        _print_confirmation(analysis)
    print(f"results: {out / studydir.RESULTS_FILE}\nfindings: {out / studydir.FINDINGS_FILE}")
    if html:
        print(f"report: {out / studydir.REPORT_DIR / 'index.html'}")


def _print_confirmation(analysis) -> None:
    """The confirmed configurations' means on fresh seeds beside the selecting ones."""
    from trainlab.stats import format_estimate

    confirmation = analysis.confirmation
    if confirmation is None:
        return
    print(f"on fresh seeds ({', '.join(map(str, confirmation.seeds))}; mean, 95% interval) "
          "against the mean over the seeds that selected them:")  # fmt: skip
    for row in confirmation.table.itertuples():
        fresh = format_estimate(row.mean, row.low, row.high)
        print(f"  {fresh:>28}  {row.point}  (selected at {row.selected:.4g})")
