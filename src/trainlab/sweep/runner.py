"""Run a study into an output directory: skip finished runs, execute the rest, summarise.

Resuming is the default: running the same spec into the same directory redoes
only runs without final metadata. Results, findings and figures are rebuilt
from the run directories at the end, so they always describe what is on disk.
"""

from __future__ import annotations

import collections
import dataclasses
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from trainlab.atomic import atomic_write_bytes
from trainlab.data.locate import locate
from trainlab.errors import ConfigError
from trainlab.sweep import rundir
from trainlab.sweep.executors import Executor, LocalExecutor
from trainlab.sweep.report import write_report
from trainlab.sweep.spec import Run, Study


def run_study(
    study: Study,
    out: str | Path,
    *,
    executor: Executor | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Execute every unfinished run of `study` into `out` and write the report.

    Returns the results table (one row per run).
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
    counts = collections.Counter({"skipped": len(current)})
    bar = tqdm(
        total=len(study.runs), initial=counts["skipped"], desc=study.name, unit="run",
        disable=not progress, dynamic_ncols=True,
    )  # fmt: skip

    def on_result(run: Run, meta: dict) -> None:
        counts[meta["status"]] += 1
        bar.update(1)
        bar.set_postfix({k: v for k, v in counts.items() if v}, refresh=False)
        if meta["status"] == "failed":
            bar.write(f"{run.name}: failed: {meta.get('error', '')}")

    try:
        executor.execute(todo, out, on_result)
    finally:
        bar.close()
    return write_report(out)


def _same_config(out: Path, run: Run) -> bool:
    """Whether a finished run was trained with `run`'s config (where the data lives aside)."""
    try:
        saved = rundir.read_json(rundir.run_dir(out, run.name) / rundir.CONFIG_FILE)["config"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return _result_defining(saved) == _result_defining(run.config.to_dict())


def _result_defining(config: dict) -> dict:
    """A config's keys that determine a run's results: not its data root or Ray resources."""
    data = {key: value for key, value in config.get("data", {}).items() if key != "root"}
    return {**{k: v for k, v in config.items() if k != "resources"}, "data": data}


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
    names = [run.name for run in study.runs]
    if index.exists():
        previous = rundir.read_json(index)
        if previous.get("name") != study.name:
            raise ConfigError(
                f"{out} holds study {previous.get('name')!r}, not {study.name!r}; "
                "choose another --out directory"
            )
    out.mkdir(parents=True, exist_ok=True)
    if study.path.is_file():  # the spec travels with its results
        atomic_write_bytes(out / "spec.toml", study.path.read_bytes())
    rundir.write_json(
        index,
        {"name": study.name, "description": study.description, "spec": str(study.path),
         "axes": {axis: [level.label for level in levels] for axis, levels in study.axes.items()},
         "runs": names},
    )  # fmt: skip
