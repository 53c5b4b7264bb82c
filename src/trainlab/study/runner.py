"""Run a study into an output directory: skip finished runs, execute the rest, count them.

Resuming is the default: running the same spec into the same directory redoes
only runs without final metadata. The runner writes no report: its caller
rebuilds results, findings and figures from the run directories (`trainlab.report`),
so they always describe what is on disk.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from trainlab.atomic import atomic_write_bytes
from trainlab.errors import ConfigError
from trainlab.run import rundir
from trainlab.run.config import result_defining
from trainlab.run.identity import Run
from trainlab.run.status import FAILED
from trainlab.study import studydir
from trainlab.study.executor import Executor
from trainlab.study.local_executor import LocalExecutor
from trainlab.study.progress import StudyProgress
from trainlab.study.spec import Study, quick_generates


@dataclass(frozen=True)
class StudyOutcome:
    """What a call of `run_study` did: runs per final status, and those skipped as done."""

    statuses: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    failed: tuple[str, ...] = ()  # names of the runs whose training raised

    @property
    def executed(self) -> int:
        """Runs trained by this call."""
        return sum(self.statuses.values())


def run_study(
    study: Study,
    out: str | Path,
    *,
    executor: Executor | None = None,
    progress: bool = True,
    on_tick: Callable[[], None] | None = None,
) -> StudyOutcome:
    """Execute every unfinished run of `study` into `out`; return what happened.

    `on_tick`, if given, is called when the study starts and every few seconds while it
    runs (e.g. to keep a live report current); the caller writes the final report.
    """
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
    board = StudyProgress(study, out, todo, skipped=len(current), show=progress, on_tick=on_tick)
    failed: list[str] = []

    def finished_one(run: Run, meta: dict) -> None:
        board.finished(run, meta)
        if meta["status"] == FAILED:
            failed.append(run.name)

    with board:
        if on_tick is not None:
            on_tick()  # e.g. the live page exists, and refreshes itself, from the first second
        executor.execute(todo, out, finished_one)
    if progress:
        tqdm.write(f"{study.name}: {board.summary()}")
    statuses = Counter({k: n for k, n in board.counts.items() if k != "skipped"})
    return StudyOutcome(statuses=statuses, skipped=len(current), failed=tuple(failed))


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
    missing = sorted({r.config.data.name for r in study.runs if quick_generates(r.config.data)})
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
    index = out / studydir.STUDY_FILE
    if index.exists():
        previous = rundir.read_json(index)
        if previous.get("name") != study.name:
            raise ConfigError(
                f"{out} holds study {previous.get('name')!r}, not {study.name!r}; "
                "choose another --out directory"
            )
    out.mkdir(parents=True, exist_ok=True)
    if study.path.is_file():  # the spec travels with its results
        atomic_write_bytes(out / studydir.SPEC_FILE, study.path.read_bytes())
    rundir.write_json(index, study.index())
