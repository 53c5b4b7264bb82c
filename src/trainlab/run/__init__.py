"""One run: its config in, its directory out.

A `Run` is a grid point trained with one seed, carrying its resolved `RunConfig`.
`execute_run` trains it (data from `trainlab.run.splits`, model, fit with the
Monitor) and writes its directory, whose every file name lives in `rundir`; a run
counts as finished once its ``run.json`` is written, last. `run_metrics` turns its
History and Record into the numbers every table shares (`METRICS` defines each
once), `ProgressWriter` keeps ``progress.json`` current while it trains, and
`load_run` / `evaluate_run` read a finished run back. Nothing here knows of
studies or reports.
"""

from trainlab.run.config import ResourcesConfig, RunConfig, build_run_model, result_defining
from trainlab.run.execute import execute_run
from trainlab.run.identity import Run, level_label, run_name, safe_name
from trainlab.run.metrics import METRICS, Metric, run_metrics
from trainlab.run.progress import ProgressWriter
from trainlab.run.reload import LoadedRun, evaluate_run, load_run
from trainlab.run.splits import SplitsCache, ensure_run_data, load_run_splits

__all__ = [
    "METRICS",
    "LoadedRun",
    "Metric",
    "ProgressWriter",
    "ResourcesConfig",
    "Run",
    "RunConfig",
    "SplitsCache",
    "build_run_model",
    "ensure_run_data",
    "evaluate_run",
    "execute_run",
    "level_label",
    "load_run",
    "load_run_splits",
    "result_defining",
    "run_metrics",
    "run_name",
    "safe_name",
]
