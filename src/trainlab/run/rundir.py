"""Layout of a run directory, and the completeness rule of a run.

Every file name of a run directory is a constant here (the study directory
around it is `trainlab.study.studydir`)::

    OUT/runs/<run>/config.json      the resolved RunConfig, varied levels, version
    OUT/runs/<run>/history.csv      per-epoch metrics; batches.csv per-batch loss
    OUT/runs/<run>/record.*         the Monitor's Record (names from trainlab.monitor.record)
    OUT/runs/<run>/model.pt         trained weights (state_dict)
    OUT/runs/<run>/dashboard.png, movie.gif|mp4, test_predictions.png, error.txt
    OUT/runs/<run>/diagnoses/<k>_<name>.png   the signal behind each diagnosis
    OUT/runs/<run>/progress.json    while it trains: step, planned steps, latest losses
    OUT/runs/<run>/run.json         final metadata: status, metrics, timings. Written
                                    last and atomically: a run directory without it
                                    is unfinished and is redone on resume.
    OUT/running.json                while a study runs: its driver's pid and heartbeat
    OUT/results.csv, configs.csv    one row per run; one row per configuration
    OUT/findings.md, OUT/figures/   conclusions and figures (trainlab.report.writer)
    OUT/report/                     the HTML report (trainlab.report.html)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from trainlab.atomic import atomic_write_text
from trainlab.errors import RecordError
from trainlab.monitor.record import JSON_NAME, NPZ_NAME, TENSORS_NAME
from trainlab.run.status import FAILED, FINISHED

RUNS_DIR = "runs"  # where a study keeps its runs: OUT/runs/<run>

CONFIG_FILE = "config.json"
HISTORY_FILE = "history.csv"
BATCHES_FILE = "batches.csv"
MODEL_FILE = "model.pt"
DASHBOARD_FILE = "dashboard.png"
MOVIE_STEM = "movie"  # movie.gif or movie.mp4 (output.movie_format)
TEST_PREDICTIONS_FILE = "test_predictions.png"
ERROR_FILE = "error.txt"  # the traceback a failed run leaves beside its run.json
META_FILE = "run.json"
PROGRESS_FILE = "progress.json"
DIAGNOSES_DIR = "diagnoses"  # one figure per diagnosis: the signal behind it
RECORD_FILES = (JSON_NAME, NPZ_NAME, TENSORS_NAME)
TENSORBOARD_DIR = "tensorboard"


def run_dir(out: Path, name: str) -> Path:
    """Directory of run `name` in study output `out`."""
    return Path(out) / RUNS_DIR / name


def movie_file(fmt: str) -> str:
    """File name of a run's movie in format `fmt` (gif or mp4)."""
    return f"{MOVIE_STEM}.{fmt}"


def movie_path(directory: Path) -> Path | None:
    """The movie a run directory holds (GIF or MP4), or None."""
    for fmt in ("gif", "mp4"):
        path = Path(directory) / movie_file(fmt)
        if path.is_file():
            return path
    return None


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON file written by `write_json`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_run_dir(directory: Path) -> Path:
    """`directory` if it is a run directory; RecordError saying what it is instead."""
    directory = Path(directory)
    if not directory.exists():
        raise RecordError(
            f"{directory}: no such directory; expected a run directory (OUT/runs/NAME)"
        )
    if not directory.is_dir():
        raise RecordError(f"{directory}: not a directory; expected a run directory (OUT/runs/NAME)")
    if not (directory / CONFIG_FILE).is_file() and not (directory / JSON_NAME).is_file():
        runs = directory / RUNS_DIR
        hint = f"; it is a study directory: give one of {runs}/*" if runs.is_dir() else ""
        raise RecordError(
            f"{directory}: not a trainlab run directory (no {CONFIG_FILE} or {JSON_NAME}){hint}"
        )
    return directory


def read_meta(directory: Path) -> dict[str, Any] | None:
    """The final metadata of a run, or None if the run is unfinished or unreadable."""
    path = Path(directory) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return meta if meta.get("status") in FINISHED else None


def is_finished(directory: Path) -> bool:
    """True once the run's final metadata has been written."""
    return read_meta(directory) is not None


def run_meta(identity: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A run's final metadata (run.json): its identity (`Run.identity`), then `fields`."""
    return {**identity, **fields}


def failed_meta(identity: dict[str, Any], error: str) -> dict[str, Any]:
    """The final metadata of a run that failed: its training raised, or its worker died."""
    return run_meta(identity, status=FAILED, error=error, metrics={})


def write_progress(directory: Path, progress: dict[str, Any]) -> None:
    """A running run's progress (step, planned_steps, epoch, losses), with the time."""
    write_json(Path(directory) / PROGRESS_FILE, {**progress, "updated": time.time()})


def read_progress(directory: Path) -> dict[str, Any] | None:
    """The latest progress of a run that is training, or None (not started, or unreadable)."""
    try:
        return read_json(Path(directory) / PROGRESS_FILE)
    except (OSError, ValueError):
        return None
