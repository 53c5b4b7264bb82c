"""A study: a TOML spec expanded into runs, and the runs executed.

`load_spec` reads and checks a spec (its grid, seeds, questions and figures)
before anything trains, and expands it into a `Study` of `Run`s. `run_study`
executes the unfinished ones into the study directory (layout in `studydir`)
with an `Executor` (local processes, or Ray), showing progress and calling an
optional hook while it works; it returns when they are done. It writes no report:
reporting is the next stage (`trainlab.report`), run by whoever called it.
"""

from trainlab.study.executor import Executor, default_jobs
from trainlab.study.executors import EXECUTORS, make_executor
from trainlab.study.figure_specs import FigureSpec
from trainlab.study.local_executor import LocalExecutor
from trainlab.study.questions import Question, ReportConfig
from trainlab.study.runner import StudyOutcome, run_study, with_synthetic_data
from trainlab.study.spec import DEMO_SPEC, Study, load_spec, parse_overrides, parse_spec

__all__ = [
    "DEMO_SPEC",
    "EXECUTORS",
    "Executor",
    "FigureSpec",
    "LocalExecutor",
    "Question",
    "ReportConfig",
    "Study",
    "StudyOutcome",
    "default_jobs",
    "load_spec",
    "make_executor",
    "parse_overrides",
    "parse_spec",
    "run_study",
    "with_synthetic_data",
]
