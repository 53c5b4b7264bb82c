"""The `trainlab` command: run studies, report on them, render movies, list runs.

User mistakes (bad spec, missing data, a directory that is not a run or study)
print one line and exit with code 2; a study whose runs failed exits 3; an
interrupted study keeps its finished runs and exits 130; anything else is a bug
and keeps its traceback. Each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from trainlab.cli import experiments, runs, studies
from trainlab.cli.common import EXIT_CODES_HELP, EXIT_INTERRUPTED, EXIT_OK, EXIT_USER_ERROR
from trainlab.errors import TrainlabError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per command."""
    from trainlab.version import __version__

    parser = argparse.ArgumentParser(
        prog="trainlab",
        description="Watch small neural networks learn: studies, records, movies.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"trainlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        doc = (func.__doc__ or "").strip().splitlines()[0]
        p = sub.add_parser(
            name, help=doc, description=doc, epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        p.set_defaults(func=func)
        return p

    for commands in (studies, runs, experiments):
        commands.register(sub, add)
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
        code = args.func(args)
        sys.stdout.flush()  # a reader that left shows here, where it is handled
        return code
    except TrainlabError as exc:
        print(f"trainlab: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(
            "\ntrainlab: interrupted; finished runs are kept, run the same command to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader left (`trainlab list DIR | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
