"""The Executor base class: what runs a study's runs, locally or on a cluster.

An executor only schedules: each run is `execute_run`, which writes its own
directory and final metadata, so a finished run survives whatever happens to
the executor afterwards (Ctrl-C, a killed process, a crashed worker).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trainlab.run.identity import Run
from trainlab.run.splits import ensure_run_data

OnResult = Callable[[Run, dict[str, Any]], None]
OnProgress = Callable[[Run, int, int | None], None]  # run, steps done, steps planned


class Executor:
    """Base class: run every run of `runs` into `out`, reporting each result as it ends."""

    def check(self, runs: list[Run]) -> None:
        """Raise a TrainlabError for runs that cannot start; called before anything is written.

        By default: each dataset the runs read must be on this machine (or downloadable).
        """
        ensure_run_data(run.config.data for run in runs)

    def execute(self, runs: list[Run], out: Path, on_result: OnResult) -> None:
        """Run all `runs`; call `on_result(run, meta)` as each finishes."""
        raise NotImplementedError


def default_jobs() -> int:
    """One worker per core this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
