"""One run: its config in, its directory out.

A `Run` is a grid point trained with one seed, carrying its resolved `RunConfig`.
`execute_run` trains it (data from `trainlab.run.splits`, model, fit with the
Monitor) and writes its directory, whose every file name lives in `rundir`; a run
counts as finished once its ``run.json`` is written, last. `run_metrics` turns its
History and Record into the numbers every table shares (`METRICS` defines each
once), `ProgressWriter` keeps ``progress.json`` current while it trains, and
`load_run` / `evaluate_run` read a finished run back. Nothing here knows of
studies or reports.

The public names are imported from their modules on first use, so that a light module
(`rundir`, `metrics`) is imported without torch or pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module that defines it, imported on first use.
_HOMES: dict[str, str] = {
    "ResourcesConfig": "config",
    "RunConfig": "config",
    "build_run_model": "config",
    "result_defining": "config",
    "execute_run": "execute",
    "Run": "identity",
    "level_label": "identity",
    "run_name": "identity",
    "safe_name": "identity",
    "METRICS": "metrics",
    "Metric": "metrics",
    "run_metrics": "metrics",
    "ProgressWriter": "progress",
    "LoadedRun": "reload",
    "evaluate_run": "reload",
    "load_run": "reload",
    "SplitsCache": "splits",
    "ensure_run_data": "splits",
    "load_run_splits": "splits",
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
