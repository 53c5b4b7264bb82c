"""Studies: a TOML spec expanded into runs, executed in parallel, analysed and reported.

The pieces, in the order a study goes through them: `load_spec` (spec.py) ->
`run_study` (runner.py, with an `Executor`) -> `execute_run` (run.py) per run ->
`write_report` (report.py: tables, `analyze`, findings, figures) ->
`write_html_report` (html_report.py). `load_run` / `evaluate_run` (runs.py) read a
finished run back; rundir.py is the one home of every file name.
"""

from trainlab.sweep.analysis import StudyAnalysis, analyze
from trainlab.sweep.config import ResourcesConfig, RunConfig, build_run_model
from trainlab.sweep.executor import Executor, default_jobs
from trainlab.sweep.executors import EXECUTORS, make_executor
from trainlab.sweep.local_executor import LocalExecutor
from trainlab.sweep.metrics import METRICS, Metric
from trainlab.sweep.results import collect_results, configurations
from trainlab.sweep.run import execute_run, load_run_splits
from trainlab.sweep.runner import run_study, with_synthetic_data
from trainlab.sweep.runs import LoadedRun, evaluate_run, load_run
from trainlab.sweep.spec import DEMO_SPEC, Run, Study, load_spec, parse_overrides, parse_spec

__all__ = [
    "DEMO_SPEC",
    "EXECUTORS",
    "METRICS",
    "Executor",
    "LoadedRun",
    "LocalExecutor",
    "Metric",
    "ResourcesConfig",
    "Run",
    "RunConfig",
    "Study",
    "StudyAnalysis",
    "analyze",
    "build_run_model",
    "collect_results",
    "configurations",
    "default_jobs",
    "evaluate_run",
    "execute_run",
    "load_run",
    "load_run_splits",
    "load_spec",
    "make_executor",
    "parse_overrides",
    "parse_spec",
    "run_study",
    "with_synthetic_data",
]
