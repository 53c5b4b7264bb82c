"""`trainlab list` without the heavy imports: the study index and each run's run.json,
read as plain JSON.

The file names come from `trainlab.study.studydir` and `trainlab.run.rundir`, the
default ranking metric from `trainlab.run.metrics`: none of them imports torch, pandas
or matplotlib, so `trainlab list` answers in a fraction of a second.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainlab.errors import RecordError
from trainlab.run.metrics import DEFAULT_RANK_BY
from trainlab.run.rundir import META_FILE, PROGRESS_FILE, RUNS_DIR
from trainlab.study.studydir import STUDY_FILE


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
    if not out.exists():
        raise RecordError(f"{out}: no such directory; expected a study output directory")
    if not (out / STUDY_FILE).is_file():
        raise RecordError(
            f"{out}: not a trainlab study directory (no {STUDY_FILE}); "
            "give the directory `trainlab run` wrote, e.g. runs/<study name>"
        )
    index = _read(out / STUDY_FILE) or {}
    metric = str((index.get("report") or {}).get("rank_by") or DEFAULT_RANK_BY)
    runs_dir = out / RUNS_DIR
    present = sorted(p.name for p in runs_dir.iterdir() if p.is_dir()) if runs_dir.is_dir() else []
    names = list(dict.fromkeys([*index.get("runs", []), *present]))
    return metric, [_line(runs_dir / name, name, metric, name in present) for name in names]


def _line(directory: Path, name: str, metric: str, started: bool) -> RunLine:
    if not started:
        return RunLine(name, "not started", math.nan, math.nan, ())
    meta = _read(directory / META_FILE)
    if meta is None:
        status = "running" if (directory / PROGRESS_FILE).is_file() else "unfinished"
        return RunLine(name, status, math.nan, math.nan, ())
    diagnoses = tuple(dict.fromkeys(str(d.get("name", "?")) for d in meta.get("diagnoses") or []
                                    if isinstance(d, dict)))  # fmt: skip
    return RunLine(name, str(meta.get("status", "?")), _number(meta.get("seconds")),
                   _number((meta.get("metrics") or {}).get(metric)), diagnoses)  # fmt: skip


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
