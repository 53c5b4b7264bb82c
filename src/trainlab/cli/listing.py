"""`trainlab list` without the heavy imports: the study index and each run's run.json.

They are read through their homes (`trainlab.study.studydir`, `trainlab.run.rundir`,
the words of `trainlab.run.status`, the default metric of `trainlab.run.metrics`), none
of which imports torch, pandas or matplotlib, so `trainlab list` answers at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainlab.run.metrics import DEFAULT_RANK_BY
from trainlab.run.rundir import RUNS_DIR, read_meta, read_progress
from trainlab.run.status import status_of
from trainlab.study.studydir import read_study, run_names, study_is_running


@dataclass(frozen=True)
class RunLine:
    """One run as `trainlab list` prints it."""

    name: str
    status: str
    seconds: float
    value: float  # the ranking metric, NaN without one
    diagnoses: tuple[str, ...]


def read_listing(out: Path) -> tuple[str, list[RunLine]]:
    """The ranking metric's name and every run of the study in `out`, in the spec's order
    then any other run directory.

    Raises:
        RecordError: `out` is not a study directory.
    """
    out = Path(out)
    index = read_study(out)
    metric = str((index.get("report") or {}).get("rank_by") or DEFAULT_RANK_BY)
    names, started = run_names(out, index)
    running = study_is_running(out)
    return metric, [_line(out / RUNS_DIR / name, name, metric, name in started, running)
                    for name in names]  # fmt: skip


def _line(directory: Path, name: str, metric: str, started: bool, running: bool) -> RunLine:
    meta = read_meta(directory) if started else None
    if meta is None:
        progress = started and read_progress(directory) is not None
        status = status_of(None, started=started, progress=progress, study_running=running)
        return RunLine(name, status, math.nan, math.nan, ())
    diagnoses = tuple(dict.fromkeys(str(d.get("name", "?")) for d in meta.get("diagnoses") or []
                                    if isinstance(d, dict)))  # fmt: skip
    return RunLine(name, str(meta.get("status", "?")), _number(meta.get("seconds")),
                   _number((meta.get("metrics") or {}).get(metric)), diagnoses)  # fmt: skip


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
