"""Layout of a study's output directory: its index, its spec, its driver's heartbeat,
and where the report puts its tables, findings, figures and pages.

    OUT/study.json, spec.toml       the study index and a copy of its spec
    OUT/runs/<run>/                 one directory per run (`trainlab.run.rundir`)
    OUT/running.json                while a study runs: its driver's pid and heartbeat
    OUT/results.csv, configs.csv    one row per run; one row per configuration
    OUT/findings.md, OUT/figures/   conclusions and figures (`trainlab.report`)
    OUT/report/                     the HTML report (`trainlab.report.html`)
    OUT/confirm/                    `trainlab confirm`: the top configurations rerun on
                                    fresh seeds, a study directory of its own
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from trainlab.errors import RecordError
from trainlab.run.rundir import RUNS_DIR, read_json, write_json

STUDY_FILE = "study.json"
SPEC_FILE = "spec.toml"
RUNNING_FILE = "running.json"
RESULTS_FILE = "results.csv"
CONFIGS_FILE = "configs.csv"
FINDINGS_FILE = "findings.md"
FIGURES_DIR = "figures"
REPORT_DIR = "report"
CONFIRM_DIR = "confirm"

# A driver refreshes its heartbeat every few seconds; older than this, it is gone.
HEARTBEAT_STALE_S = 30.0


def is_study(out: Path) -> bool:
    """Whether `out` is a study output directory (it holds study.json)."""
    return (Path(out) / STUDY_FILE).is_file()


def read_study(out: Path) -> dict[str, Any]:
    """The study index of output directory `out`; RecordError if it is not one."""
    out = Path(out)
    if not out.exists():
        raise RecordError(f"{out}: no such directory; expected a study output directory")
    if not out.is_dir():
        raise RecordError(f"{out}: not a directory; expected a study output directory")
    if not is_study(out):
        raise RecordError(
            f"{out}: not a trainlab study directory (no {STUDY_FILE}); "
            "give the directory `trainlab run` wrote, e.g. runs/<study name>"
        )
    return read_json(out / STUDY_FILE)


def write_heartbeat(out: Path, pid: int) -> None:
    """Mark the study in `out` as running in process `pid`, now."""
    write_json(Path(out) / RUNNING_FILE, {"pid": pid, "heartbeat": time.time()})


def clear_heartbeat(out: Path) -> None:
    """The study in `out` is no longer running."""
    (Path(out) / RUNNING_FILE).unlink(missing_ok=True)


def study_is_running(out: Path) -> bool:
    """Whether a driver is running the study in `out` (its heartbeat is recent)."""
    try:
        beat = read_json(Path(out) / RUNNING_FILE)["heartbeat"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return time.time() - float(beat) < HEARTBEAT_STALE_S


def run_names(out: Path, index: dict[str, Any]) -> tuple[list[str], set[str]]:
    """Every run of the study in `out`, in the spec's order (those of its index,
    study.json) then any other run directory (e.g. of an earlier version of the spec);
    and the names that have a directory (started)."""
    runs_dir = Path(out) / RUNS_DIR
    present = sorted(p.name for p in runs_dir.iterdir() if p.is_dir()) if runs_dir.is_dir() else []
    return list(dict.fromkeys([*index.get("runs", []), *present])), set(present)
