"""Confirmation reruns: the top configurations of a study again, on seeds that chose nothing.

The best configuration of a study is chosen by the same seeds that measure it, so its
mean is optimistic (the winner's curse) and its lead over the others looks surer than
it is. Rerunning the top configurations on fresh seeds removes both: those seeds
selected nothing, so their means are unbiased. The confirmation is a study of its own,
in ``OUT/confirm`` (`studydir.CONFIRM_DIR`): the same saved configs as the original
runs, with new seeds (after the study's largest), reported apart from the seeds that
selected them. Run the same command again to resume it, or with more repeats to add
seeds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from trainlab.errors import ConfigError, RecordError
from trainlab.run import rundir
from trainlab.run.config import RunConfig
from trainlab.run.identity import Run
from trainlab.study import studydir
from trainlab.study.questions import ReportConfig
from trainlab.study.spec import Study


def fresh_seeds(study_seeds: Sequence[int], repeats: int) -> tuple[int, ...]:
    """`repeats` seeds after the study's largest: max + 1, max + 2, ..."""
    if repeats < 1:
        raise ConfigError(f"--repeats {repeats}; expected >= 1 fresh seed")
    start = max(study_seeds, default=-1) + 1
    return tuple(range(start, start + repeats))


def confirmation_study(
    out: str | Path, points: Sequence[str], runs: dict[str, str], repeats: int
) -> Study:
    """The study that reruns `points` of the study in `out` on `repeats` fresh seeds.

    Args:
        points: the configurations to confirm, best first.
        runs: for each point, one of its finished runs in `out`, whose saved config the
            reruns take (with a new seed).
    """
    out = Path(out)
    index = studydir.read_study(out)
    seeds = fresh_seeds(index.get("seeds", [0]), repeats)
    base = None
    planned = []
    for point in points:
        if point not in runs:
            raise ConfigError(f"{out}: configuration {point!r} has no finished run to confirm")
        config, varied = _saved(out, runs[point])
        base = base or config
        planned += [
            Run(
                f"{point}_seed={seed}",
                dataclasses.replace(config, seed=seed),
                varied,
                point=point,
                seed=seed,
            )  # fmt: skip
            for seed in seeds
        ]
    if base is None:
        raise ConfigError(f"{out}: no configuration to confirm")
    name = str(index.get("name", out.name))
    return Study(
        name=f"{name}-confirm",
        description=(
            f"The top {len(points)} configurations of {name} again, on fresh seeds "
            f"{', '.join(map(str, seeds))}: seeds that selected nothing."
        ),
        path=out / studydir.SPEC_FILE,
        axes={},
        runs=planned,
        base=base,
        seeds=seeds,
        report=ReportConfig(**index.get("report", {})),
    )


def _saved(out: Path, run: str) -> tuple[RunConfig, dict[str, str]]:
    """A finished run's saved config and varied levels."""
    path = rundir.run_dir(out, run) / rundir.CONFIG_FILE
    try:
        saved = rundir.read_json(path)
    except (OSError, ValueError) as error:
        raise RecordError(f"{path}: cannot read the run's config ({error})") from error
    return RunConfig.from_dict(saved["config"], where=str(path)), dict(saved.get("varied", {}))
