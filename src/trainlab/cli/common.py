"""What every `trainlab` command shares: exit codes and checks of output paths."""

from __future__ import annotations

import os
from pathlib import Path

from trainlab.errors import ConfigError

EXIT_OK = 0
EXIT_BUG = 1  # an uncaught exception: a bug in trainlab, with its traceback
EXIT_RUNS_FAILED = 3  # the study ran, and some of its runs failed (their error is in run.json)
EXIT_USER_ERROR = 2  # a mistake in the command, spec or paths: one line says what and where
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT): finished runs are kept, the same command resumes

EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}    done
  {EXIT_BUG}    a bug in trainlab: the traceback says where
  {EXIT_USER_ERROR}    a mistake in the command, spec or paths (one line says what and where)
  {EXIT_RUNS_FAILED}    the study ran, but some runs failed (errors listed; rerun retries them)
  {EXIT_INTERRUPTED}  interrupted; finished runs are kept, run the same command to resume"""


def output_dir(path: Path, flag: str) -> Path:
    """`path` as an output directory: refused when it is a file or cannot be created."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{flag} {path}: exists and is not a directory; choose another path")
    parent = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{flag} {path}: {parent} is not writable; choose another path")
    return path


def output_file(path: Path, flag: str) -> Path:
    """`path` as an output file: refused when it is a directory or its folder is not writable."""
    if path.is_dir():
        raise ConfigError(f"{flag} {path}: is a directory; give a file name")
    output_dir(path.parent, flag)
    return path
