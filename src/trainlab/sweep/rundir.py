"""Layout of a study's output directory and the completeness rule of a run.

OUT/study.json              the study: name, spec, axes, run names
OUT/runs/<run>/config.json  the resolved RunConfig, varied levels, version
OUT/runs/<run>/history.csv  per-epoch metrics; batches.csv per-batch loss
OUT/runs/<run>/record.*     the Monitor's Record
OUT/runs/<run>/model.pt     trained weights (state_dict)
OUT/runs/<run>/dashboard.png, movie.gif
OUT/runs/<run>/run.json     final metadata: status, metrics, timings. Written
                            last and atomically: a run directory without it
                            is unfinished and is redone on resume.
OUT/results.csv, OUT/findings.md, OUT/figures/
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainlab.atomic import atomic_write_text
from trainlab.errors import RecordError

RUNS_DIR = "runs"
STUDY_FILE = "study.json"
CONFIG_FILE = "config.json"
HISTORY_FILE = "history.csv"
BATCHES_FILE = "batches.csv"
MODEL_FILE = "model.pt"
DASHBOARD_FILE = "dashboard.png"
TEST_PREDICTIONS_FILE = "test_predictions.png"
META_FILE = "run.json"
RESULTS_FILE = "results.csv"
FINDINGS_FILE = "findings.md"
FIGURES_DIR = "figures"

# Statuses a finished run can have; anything else (no run.json) is unfinished.
STATUSES = ("completed", "stopped", "diverged", "failed")


def run_dir(out: Path, name: str) -> Path:
    """Directory of run `name` in study output `out`."""
    return Path(out) / RUNS_DIR / name


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON file written by `write_json`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_study(out: Path) -> dict[str, Any]:
    """The study index of output directory `out`; RecordError if it is not one."""
    path = Path(out) / STUDY_FILE
    if not path.is_file():
        raise RecordError(f"{out}: no {STUDY_FILE}; not a trainlab study directory")
    return read_json(path)


def read_meta(directory: Path) -> dict[str, Any] | None:
    """The final metadata of a run, or None if the run is unfinished or unreadable."""
    path = Path(directory) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return meta if meta.get("status") in STATUSES else None


def is_finished(directory: Path) -> bool:
    """True once the run's final metadata has been written."""
    return read_meta(directory) is not None
