"""What the report knows of each run: its files, read once per write, and its state.

A study that is running has run directories being written, so every read here
tolerates a missing file (the run has not got there yet) and reads only files that
are written atomically (run.json, config.json, progress.json): a run is finished
once its run.json exists, and its other files are complete by then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainlab.report.html.format import config_value
from trainlab.report.html.render import href
from trainlab.run import rundir

RUN_PAGES_DIR = "runs"  # OUT/report/runs/<run>.html
# Statuses a run has before it finishes, for the pages (a finished run has rundir.STATUSES):
RUNNING = "running"  # its progress.json says how far it is
STARTING = "starting"  # it has a directory but no progress yet (loading data, building)
QUEUED = "queued"  # not started; the study is running
NOT_STARTED = "not started"  # not started, and the study is not running (interrupted)
UNFINISHED = "unfinished"  # started, never finished, and the study is not running
SEVERITY_ORDER = ("critical", "error", "warning", "info")  # most severe first


@dataclass(frozen=True)
class Diagnosis:
    """One problem the run's monitor detected (an entry of run.json's "diagnoses")."""

    name: str
    severity: str
    explanation: str
    suggestion: str
    layer: str = ""
    first_step: int | None = None
    last_step: int | None = None
    evidence: tuple[tuple[str, str, str], ...] = ()  # (measured what, value vs limit, source)
    changes: tuple[tuple[str, str], ...] = ()  # (config key, value to try)
    figure: str = ""  # a file of the run directory that shows it, or ""
    caption: str = ""

    @property
    def label(self) -> str:
        """The kind in words: "dead_units" reads "dead units"."""
        return self.name.replace("_", " ")

    @property
    def severity_class(self) -> str:
        """A CSS class suffix from the severity (letters only)."""
        return re.sub(r"[^a-z]", "", self.severity.lower()) or "info"

    @property
    def steps(self) -> str:
        """Where in training it was seen, e.g. "steps 12 to 40" (empty when not said)."""
        first, last = self.first_step, self.last_step
        if first is not None and last is not None and last != first:
            return f"steps {first} to {last}"
        if first is not None or last is not None:
            return f"step {first if first is not None else last}"
        return ""


@dataclass(frozen=True)
class RunView:
    """A run as the report shows it: its files' contents and its state now."""

    name: str
    directory: Path | None  # None: the run has not started (no directory yet)
    status: str  # a rundir.STATUSES value, or RUNNING, STARTING, QUEUED, ...
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
        found = [_diagnosis(d) for d in entries if isinstance(d, dict)]
        return sorted(found, key=lambda d: severity_rank(d.severity))


def page_href(name: str) -> str:
    """The address of run `name`'s page from the index (OUT/report/index.html)."""
    return href(RUN_PAGES_DIR, f"{name}.html")


def read_runs(out: Path, study: dict[str, Any], *, running: bool) -> list[RunView]:
    """Every run of the study, in the spec's order: those of study.json, then any other
    run directory (e.g. of an earlier version of the spec)."""
    runs_dir = out / rundir.RUNS_DIR
    present = sorted(p.name for p in runs_dir.iterdir() if p.is_dir()) if runs_dir.is_dir() else []
    names = list(dict.fromkeys([*study.get("runs", []), *present]))
    return [_read_run(out, name, running=running, started=name in present) for name in names]


def severity_rank(severity: str) -> int:
    """Sort key of a severity: the known ones in SEVERITY_ORDER, unknown ones last."""
    key = severity.lower()
    return SEVERITY_ORDER.index(key) if key in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _read_run(out: Path, name: str, *, running: bool, started: bool) -> RunView:
    if not started:
        return RunView(name, None, QUEUED if running else NOT_STARTED)
    directory = rundir.run_dir(out, name)
    meta = rundir.read_meta(directory)
    config = _read_json(directory / rundir.CONFIG_FILE)
    if meta is not None:
        return RunView(name, directory, meta["status"], meta, config)
    if not running:
        return RunView(name, directory, UNFINISHED, None, config)
    progress = rundir.read_progress(directory)
    status = RUNNING if progress is not None else STARTING
    return RunView(name, directory, status, None, config, progress)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON file's object, or {} while it does not exist yet."""
    try:
        data = rundir.read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _diagnosis(entry: dict[str, Any]) -> Diagnosis:
    """A Diagnosis from a run.json entry (``trainlab.diagnose.Diagnosis.to_dict``); absent
    fields are empty, and steps may come as ``steps: [first, last]`` or as
    ``first_step`` / ``last_step``."""

    def text(key: str) -> str:
        value = entry.get(key)
        return "" if value is None else str(value)

    span = entry.get("steps")
    if isinstance(span, (list, tuple)) and len(span) == 2:
        first, last = _step(span[0]), _step(span[1])
    else:
        first, last = _step(entry.get("first_step")), _step(entry.get("last_step"))
    evidence = [e for e in entry.get("evidence") or [] if isinstance(e, dict)]
    changes = entry.get("changes")
    return Diagnosis(
        name=text("name") or "unnamed", severity=text("severity") or "info",
        explanation=text("explanation"), suggestion=text("suggestion"), layer=text("layer"),
        first_step=first, last_step=last,
        evidence=tuple(
            (str(e.get("quantity", "")),
             " ".join(_shown(e.get(k)) for k in ("value", "comparison", "threshold")).strip(),
             str(e.get("source") or ""))
            for e in evidence
        ),
        changes=tuple((str(k), config_value(v)) for k, v in changes.items())
        if isinstance(changes, dict) else (),
        figure=text("figure"), caption=text("caption"),
    )  # fmt: skip


def _step(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and value == value else None


def _shown(value: Any) -> str:
    """A number of a diagnosis's evidence (4 significant digits), or its text ("nan")."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.4g}"  # a limit of 0.01 reads 0.01, not 0.01000
    return "" if value is None else str(value)
