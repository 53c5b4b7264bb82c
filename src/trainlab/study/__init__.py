"""A study: a TOML spec expanded into runs, and the runs executed.

`load_spec` reads and checks a spec (its grid, seeds, questions and figures)
before anything trains, and expands it into a `Study` of `Run`s. `run_study`
executes the unfinished ones into the study directory (layout in `studydir`)
with an `Executor` (local processes, or Ray), showing progress and calling an
optional hook while it works; it returns when they are done. It writes no report:
reporting is the next stage (`trainlab.report`), run by whoever called it.

The public names are imported from their modules on first use, so that a light module
(`studydir`) is imported without torch or pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module that defines it, imported on first use.
_HOMES: dict[str, str] = {
    "Executor": "executor",
    "default_jobs": "executor",
    "EXECUTORS": "executors",
    "make_executor": "executors",
    "FigureSpec": "figure_specs",
    "LocalExecutor": "local_executor",
    "Question": "questions",
    "ReportConfig": "questions",
    "StudyOutcome": "runner",
    "run_study": "runner",
    "with_synthetic_data": "runner",
    "DEMO_SPEC": "spec",
    "Study": "spec",
    "load_spec": "spec",
    "parse_overrides": "spec",
    "parse_spec": "spec",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """`name`, imported from its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_HOMES[name]}")
    value = globals()[name] = getattr(module, name)  # found without this call from now on
    return value


def __dir__() -> list[str]:
    """The module's names, the public ones before their first use too."""
    return sorted({*globals(), *__all__})
