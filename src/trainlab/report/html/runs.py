"""What the report knows of each run: its files, read once per write, and its state.

A study that is running has run directories being written, so every read here
tolerates a missing file (the run has not got there yet) and reads only files that
are written atomically (run.json, config.json, progress.json): a run is finished
once its run.json exists, and its other files are complete by then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainlab.diagnose import Diagnosis, most_serious_first
from trainlab.report.html.render import href
from trainlab.run import rundir
from trainlab.run.status import status_of
from trainlab.study import studydir

RUN_PAGES_DIR = "runs"  # OUT/report/runs/<run>.html


@dataclass(frozen=True)
class RunView:
    """A run as the report shows it: its files' contents and its state now."""

    name: str
    directory: Path | None  # None: the run has not started (no directory yet)
    status: str  # a status of trainlab.run.status
    meta: dict[str, Any] | None = None  # run.json: set once the run finished
    config: dict[str, Any] = field(default_factory=dict)  # config.json
    progress: dict[str, Any] | None = None  # progress.json of a run in flight

    @property
    def finished(self) -> bool:
        """The run has its final metadata."""
        return self.meta is not None

    def setting(self, section: str, key: str, default: Any = None) -> Any:
        """A value of the run's resolved config, e.g. ``setting("monitor", "val_size")``."""
        return self.config.get("config", {}).get(section, {}).get(key, default)

    @property
    def diagnoses(self) -> list[Diagnosis]:
        """The diagnoses of run.json, most severe first (none before the run finished)."""
        entries = (self.meta or {}).get("diagnoses") or []
        return most_serious_first(Diagnosis.from_dict(d) for d in entries if isinstance(d, dict))


def page_href(name: str) -> str:
    """The address of run `name`'s page from the index (OUT/report/index.html)."""
    return href(RUN_PAGES_DIR, f"{name}.html")


def read_runs(out: Path, study: dict[str, Any], *, running: bool) -> list[RunView]:
    """Every run of the study, in the spec's order: those of study.json, then any other
    run directory (e.g. of an earlier version of the spec)."""
    names, started = studydir.run_names(out, study)
    return [_read_run(out, name, running=running, started=name in started) for name in names]


def _read_run(out: Path, name: str, *, running: bool, started: bool) -> RunView:
    if not started:
        return RunView(name, None, status_of(None, started=False, progress=False,
                                             study_running=running))  # fmt: skip
    directory = rundir.run_dir(out, name)
    meta = rundir.read_meta(directory)
    config = _read_json(directory / rundir.CONFIG_FILE)
    progress = rundir.read_progress(directory) if meta is None and running else None
    status = status_of(meta, started=True, progress=progress is not None, study_running=running)
    return RunView(name, directory, status, meta, config, progress)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON file's object, or {} while it does not exist yet."""
    try:
        data = rundir.read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
