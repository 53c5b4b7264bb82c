"""Run a study into an output directory: skip finished runs, execute the rest, summarise.

Resuming is the default: running the same spec into the same directory redoes
only runs without final metadata. Results, findings and figures are rebuilt
from the run directories at the end, so they always describe what is on disk.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from tqdm.auto import tqdm

from trainlab.atomic import atomic_write_bytes
from trainlab.data.locate import locate
from trainlab.errors import ConfigError
from trainlab.sweep import rundir
from trainlab.sweep.analysis import StudyAnalysis
from trainlab.sweep.config import result_defining
from trainlab.sweep.executor import Executor
from trainlab.sweep.html import write_html_report
from trainlab.sweep.local_executor import LocalExecutor
from trainlab.sweep.progress import StudyProgress
from trainlab.sweep.report import write_report
from trainlab.sweep.spec import Run, Study


def run_study(
    study: Study,
    out: str | Path,
    *,
    executor: Executor | None = None,
    progress: bool = True,
    html: bool = False,
) -> StudyAnalysis:
    """Execute every unfinished run of `study` into `out` and write the report (and, with
    `html`, the HTML report); returns the study's analysis."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a directory; choose another --out")
    executor = executor or LocalExecutor()
    finished = [run for run in study.runs if rundir.is_finished(rundir.run_dir(out, run.name))]
    current = {run.name for run in finished if _same_config(out, run)}
    todo = [run for run in study.runs if run.name not in current]
    executor.check(todo)
    _claim(out, study)
    if len(finished) > len(current):
        tqdm.write(
            f"{len(finished) - len(current)} finished run(s) in {out} were trained with "
            "another config than the spec now gives: they are run again"
        )
    live = functools.partial(write_html_report, out) if html else None
    board = StudyProgress(study, out, todo, skipped=len(current), show=progress, on_tick=live)
    with board:
        if live is not None:
            live()  # the page exists, and refreshes itself, from the first second
        executor.execute(todo, out, board.finished)
    if progress:
        tqdm.write(f"{study.name}: {board.summary()}")
    analysis = write_report(out)
    if live is not None:
        live()  # the final page: the study is no longer running, it stops refreshing
    return analysis


def _same_config(out: Path, run: Run) -> bool:
    """Whether a finished run was trained with `run`'s config (where the data lives and
    what Ray is asked for aside; the thread count counts: it changes the numbers)."""
    try:
        saved = rundir.read_json(rundir.run_dir(out, run.name) / rundir.CONFIG_FILE)["config"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return result_defining(saved) == result_defining(run.config.to_dict())


def with_synthetic_data(study: Study) -> tuple[Study, list[str]]:
    """Switch runs whose dataset is not on this machine to generated data (for ``--quick``).

    Returns the study and the names of the datasets that were replaced.
    """
    missing = sorted(
        {r.config.data.name for r in study.runs
         if not r.config.data.synthetic
         and locate(r.config.data.name, "train", r.config.data.root or None) is None}
    )  # fmt: skip
    if not missing:
        return study, []
    runs = [
        dataclasses.replace(
            run, config=dataclasses.replace(
                run.config, data=dataclasses.replace(run.config.data, synthetic=True))
        ) if run.config.data.name in missing else run
        for run in study.runs
    ]  # fmt: skip
    return dataclasses.replace(study, runs=runs), missing


def _claim(out: Path, study: Study) -> None:
    """Create `out` for `study`, or check that an existing `out` holds the same study."""
    index = out / rundir.STUDY_FILE
    if index.exists():
        previous = rundir.read_json(index)
        if previous.get("name") != study.name:
            raise ConfigError(
                f"{out} holds study {previous.get('name')!r}, not {study.name!r}; "
                "choose another --out directory"
            )
    out.mkdir(parents=True, exist_ok=True)
    if study.path.is_file():  # the spec travels with its results
        atomic_write_bytes(out / rundir.SPEC_FILE, study.path.read_bytes())
    rundir.write_json(index, study.index())
