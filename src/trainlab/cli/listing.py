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
from trainlab.run.status import NOT_STARTED, RUNNING, UNFINISHED
from trainlab.study.studydir import read_study


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
    runs_dir = out / RUNS_DIR
    present = sorted(p.name for p in runs_dir.iterdir() if p.is_dir()) if runs_dir.is_dir() else []
    names = list(dict.fromkeys([*index.get("runs", []), *present]))
    return metric, [_line(runs_dir / name, name, metric, name in present) for name in names]


def _line(directory: Path, name: str, metric: str, started: bool) -> RunLine:
    if not started:
        return RunLine(name, NOT_STARTED, math.nan, math.nan, ())
    meta = read_meta(directory)
    if meta is None:
        status = RUNNING if read_progress(directory) is not None else UNFINISHED
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
