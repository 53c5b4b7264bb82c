"""Study specs: a TOML file with a base configuration and a grid, expanded into runs.

A spec has the `RunConfig` sections at top level (``seed``, ``[data]``,
``[model]``, ``[optim]``, ``[train]``, ``[monitor]``, ``[output]``,
``[diagnose]``, ``[resources]``), plus:

- ``name`` / ``description``: free text;
- ``repeats = N`` (seeds ``seed``, ``seed + 1``, ...) or ``seeds = [...]``: every
  grid point runs once per seed. A seed is a replicate, never a grid axis;
- ``[grid]``: axes whose levels expand to the cartesian product (or several
  ``[[grid]]`` tables, the sub-grids: the runs are the union of their products;
  a grid point two sub-grids share runs once). An axis is

  - ``"model.mlp.init" = ["he", "uniform"]`` (a dotted key; the axis is named by
    its last part, here ``init``),
  - ``std = { key = "data.standardize", values = { on = "feature", off = "none" } }``
    (labelled levels), or
  - ``reg = { levels = { none = {}, "l2-0.001" = { "optim.l2" = 0.001 } } }``
    (each level sets several keys);
- ``[[exclude]]``: tables of axis = level label; matching grid points are dropped;
- ``[[extra]]``: explicit extra runs, ``{ name = "...", set = { "optim.lr" = 0.1 } }``;
- ``[quick]``: dotted keys applied by ``--quick`` on top of the built-in shrinking;
- ``[report]`` and ``[[question]]``: how results are ranked and which comparisons
  the findings answer (`trainlab.study.questions`).

Everything is validated before anything runs, the data sizes of every run included
(against the dataset's headers: `trainlab.data.sizes`); errors name the file and the
key, the line where the text shows it, and the key meant when one is near or moved.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainlab.config import check_int64, check_paths, did_you_mean, keys_of, replace_paths
from trainlab.data.config import DataConfig
from trainlab.data.locate import locate
from trainlab.data.sizes import SplitSizes, check_sizes, split_sizes
from trainlab.errors import ConfigError, SpecError
from trainlab.run.config import RunConfig
from trainlab.run.identity import Run, level_label, run_name, safe_name
from trainlab.run.metrics import METRIC_COLUMNS
from trainlab.study.figure_specs import FigureSpec, parse_figures
from trainlab.study.questions import Question, ReportConfig, parse_questions, parse_report
from trainlab.study.spec_tables import SpecLines, array_of_tables, only_keys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEMO_SPEC = Path(__file__).with_name("demo.toml")  # the study `trainlab demo` runs

RUN_SECTIONS = ("seed", "data", "model", "optim", "train", "monitor", "output", "diagnose",
                "resources")  # fmt: skip
STUDY_KEYS = ("name", "description", "repeats", "seeds", "grid", "exclude", "extra", "quick",
              "report", "question", "figure")  # fmt: skip
SPEC_KEYS = (*RUN_SECTIONS, *STUDY_KEYS)

# Caps applied by `--quick`: a smoke test of every run in seconds.
QUICK_CAPS: dict[str, int] = {
    "train.epochs": 1,
    "train.max_steps": 20,
    "data.train_size": 2_000,
    "data.val_size": 500,
    "monitor.val_size": 128,
    "train.train_eval_size": 500,
}
# Names an axis may not take: the results table has columns of these names.
RESERVED_AXES = frozenset({"run", "point", "seed", "status", "stop_reason", "stop_step",
                           "kept_by", "diagnoses", "seconds", "error", "grids",
                           *METRIC_COLUMNS})  # fmt: skip
QUICK_MAX_SEEDS = 2  # --quick keeps two replicates: enough to exercise the statistics
# Most runs a spec may expand to: measured 0.25 ms to expand and check a run (20,000 runs
# in 5 s), so the largest study waits half a minute, not hours, before it starts.
MAX_RUNS = 100_000
EMPTY_SPEC = (
    "the spec is empty; a spec needs at least one table, e.g. the dataset "
    '([data] name = "mnist") and the settings to compare ([grid] "optim.lr" = [0.1, 0.01])'
)


@dataclass(frozen=True)
class Level:
    """One level of a grid axis: its label in run names and the keys it sets."""

    label: str
    sets: dict[str, Any]


@dataclass(frozen=True)
class Study:
    """A parsed spec: its runs, axes (for factor effects) and where it came from.

    Attributes:
        grids: the axes of each ``[[grid]]`` table, in order (one entry for ``[grid]``).
        axes: every axis of every sub-grid, each level listed once.
        seeds: the replicate seeds every grid point runs with.
        held: grid axes left out because ``--set`` gives their keys one value.
    """

    name: str
    description: str
    path: Path
    axes: dict[str, list[Level]]
    runs: list[Run]
    base: RunConfig
    grids: list[dict[str, list[Level]]] = field(default_factory=list)
    seeds: tuple[int, ...] = (0,)
    report: ReportConfig = field(default_factory=ReportConfig)
    questions: tuple[Question, ...] = ()
    figures: tuple[FigureSpec, ...] = ()
    held: tuple[str, ...] = ()

    def index(self) -> dict[str, Any]:
        """The study's description as saved in study.json."""
        return {
            "name": self.name,
            "description": self.description,
            "spec": str(self.path),
            "axes": {axis: [level.label for level in levels] for axis, levels in self.axes.items()},
            "grids": [list(axes) for axes in self.grids],
            "held": list(self.held),
            "seeds": list(self.seeds),
            "report": dataclasses.asdict(self.report),
            "questions": [q.to_dict() for q in self.questions],
            "figures": [f.to_dict() for f in self.figures],
            "runs": [run.name for run in self.runs],
        }


def load_spec(
    path: str | Path,
    *,
    quick: bool = False,
    data_root: str | None = None,
    overrides: dict[str, Any] | None = None,
    grid: int | None = None,
    repeats: int | None = None,
) -> Study:
    """Read, validate and expand a study spec.

    Args:
        path: the TOML file.
        quick: shrink every run for a smoke test (see `QUICK_CAPS` and ``[quick]``).
        data_root: directory with the dataset files, overriding ``data.root``.
        overrides: dotted keys set on every run after the grid (``--set``).
        grid: keep only this ``[[grid]]`` table (1-based; ``--grid``).
        repeats: replicates per grid point, replacing the spec's ``repeats``/``seeds``.

    Raises:
        SpecError: naming the file and key for any invalid value.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError as exc:
        raise SpecError(f"{path}: no such spec file") from exc
    except IsADirectoryError as exc:
        raise SpecError(f"{path}: is a directory; expected a spec file (TOML)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not a text file ({exc})") from exc
    return parse_spec(
        raw, where=str(path), quick=quick, data_root=data_root, overrides=overrides, grid=grid,
        repeats=repeats, text=text,
    )  # fmt: skip


def parse_spec(
    raw: dict[str, Any],
    *,
    where: str,
    quick: bool = False,
    data_root: str | None = None,
    overrides: dict[str, Any] | None = None,
    grid: int | None = None,
    repeats: int | None = None,
    text: str | None = None,
) -> Study:
    """Validate and expand an already-parsed spec (see `load_spec`); with the spec's `text`,
    errors about a ``[[question]]`` or ``[[figure]]`` name their line."""
    try:
        return _expand(raw, where=where, quick=quick, data_root=data_root,
                       overrides=overrides or {}, only_grid=grid, repeats=repeats,
                       lines=None if text is None else SpecLines(text))  # fmt: skip
    except SpecError:
        raise
    except ConfigError as exc:  # raised by RunConfig validation; same message, spec type
        raise SpecError(str(exc)) from exc


def _expand(
    raw: dict[str, Any], *, where: str, quick: bool, data_root: str | None,
    overrides: dict[str, Any], only_grid: int | None, repeats: int | None,
    lines: SpecLines | None,
) -> Study:  # fmt: skip
    if not raw:
        raise SpecError(f"{where}: {EMPTY_SPEC}")
    unknown = sorted(set(raw) - set(SPEC_KEYS))
    if unknown:
        hint = did_you_mean(unknown[0], [*STUDY_KEYS, *keys_of(RunConfig)])
        raise SpecError(
            f"{where}: unknown key {unknown[0]!r}" + (hint or f"; allowed: {', '.join(SPEC_KEYS)}")
        )
    check_paths(RunConfig, overrides, where="--set")
    for key in ("name", "description"):
        if key in raw and not isinstance(raw[key], str):
            raise SpecError(f"{where}: {key} = {raw[key]!r}; expected a string")
    base = RunConfig.from_dict({k: raw[k] for k in RUN_SECTIONS if k in raw}, where=where)
    if data_root:
        base = replace_paths(base, {"data.root": str(data_root)}, where=where)
    parsed_grids = _parse_grids(raw.get("grid"), where=where)
    grid_axes: list[dict[str, list[Level]] | None] = list(parsed_grids)
    if only_grid is not None:
        if not 1 <= only_grid <= len(grid_axes):
            raise SpecError(
                f"{where}: --grid {only_grid}: the spec has {len(grid_axes)} grid table(s); "
                f"expected 1 to {len(grid_axes)}"
            )
        grid_axes = [axes if i == only_grid - 1 else None for i, axes in enumerate(grid_axes)]
    grid_axes, held = _hold_set_axes(grid_axes, overrides)
    axes = _merge_axes([g for g in grid_axes if g is not None])
    # Exclusions name axes of any sub-grid; one naming an axis a point lacks never matches.
    excludes = _parse_excludes(raw.get("exclude", []), _merge_axes(parsed_grids), where=where)
    quick_sets = _sets(raw.get("quick", {}), where=f"{where}: quick")  # checked without --quick too
    seeds = _parse_seeds(raw, base.seed, where=where, repeats=repeats)
    if quick:
        seeds = seeds[:QUICK_MAX_SEEDS]
    shrunk = quick_sets if quick else None  # what _make_point applies after the caps
    name = raw.get("name", Path(where).stem)
    sizes = _DataSizes(quick=quick)
    extras = raw.get("extra", [])
    _check_run_count(grid_axes, len(extras) if isinstance(extras, list) else 0, len(seeds),
                     where=where)  # fmt: skip

    points: list[Run] = []
    for index, sub_axes in enumerate(grid_axes):
        if sub_axes is None:
            continue
        for combo in itertools.product(*sub_axes.values()) if sub_axes else [()]:
            varied = {axis: level.label for axis, level in zip(sub_axes, combo, strict=True)}
            if any(all(varied.get(a) == label for a, label in ex.items()) for ex in excludes):
                continue
            sets = {k: v for level in combo for k, v in level.sets.items()}
            run = _make_point(base, varied, sets, shrunk, overrides, sizes, where=where)
            points.append(dataclasses.replace(run, grids=(index,)))
    if only_grid is None:
        for at, extra in array_of_tables(raw.get("extra", []), "extra", where=where):
            points.append(_parse_extra(base, extra, shrunk, overrides, sizes, where=at))
    points = _merge_shared_points(points)
    if not points:
        raise SpecError(f"{where}: the grid and its exclusions leave no runs")
    names = [run.name for run in points]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise SpecError(f"{where}: two runs are both named {duplicate!r}; make level labels unique")
    report = parse_report(raw.get("report", {}), where=where)
    # Questions and figures are checked against the whole spec, then those about other
    # sub-grids than --grid's, or about axes --set holds, are left out (no runs answer them).
    narrowed = only_grid is not None or bool(held)
    questions = parse_questions(
        raw.get("question", []), _merge_axes(parsed_grids),
        None if narrowed else names, where=where, default_metric=report.rank_by, lines=lines,
    )  # fmt: skip
    figures = parse_figures(raw.get("figure", []), parsed_grids, where=where, lines=lines)
    if narrowed:
        questions = tuple(q for q in questions if _answerable(q, axes, names))
        figures = tuple(
            f for f in figures
            if f.grid in (None, (only_grid or 0) - 1) and not {f.panels, f.lines} & set(held)
        )  # fmt: skip
    _check_data_sizes(points, base, sizes, where=where)
    return Study(
        name=name,
        description=raw.get("description", ""),
        path=Path(where),
        axes=axes,
        runs=[_replicate(run, seed, len(seeds) > 1) for run in points for seed in seeds],
        base=base,
        grids=[g if g is not None else {} for g in grid_axes],  # --grid: the others empty
        seeds=tuple(seeds),
        report=report,
        questions=questions,
        figures=figures,
        held=held,
    )


def _hold_set_axes(
    grids: list[dict[str, list[Level]] | None], overrides: dict[str, Any]
) -> tuple[list[dict[str, list[Level]] | None], tuple[str, ...]]:
    """Each sub-grid without the axes whose every level sets only keys ``--set`` sets: the
    value given replaces the axis (which would otherwise vary nothing). Also their names."""
    kept, held = [], []
    for sub_axes in grids:
        if sub_axes is None:
            kept.append(None)
            continue
        fixed = [
            a
            for a, levels in sub_axes.items()
            if all(lv.sets.keys() <= overrides.keys() for lv in levels)
        ]
        held += [a for a in fixed if a not in held]
        kept.append({a: levels for a, levels in sub_axes.items() if a not in fixed})
    return kept, tuple(held)


def _answerable(question: Question, axes: dict[str, list[Level]], names: list[str]) -> bool:
    """Whether the runs of the chosen sub-grid hold every axis and run `question` names."""
    sides = (question.a, question.b)
    used = {axis for side in sides for axis in side.levels} | {question.along} - {None}
    return used <= set(axes) and all(side.run in (None, *names) for side in sides)


def _replicate(point: Run, seed: int, several: bool) -> Run:
    """The run of `point` with `seed` (named ``<point>_seed=K`` when there are several)."""
    name = f"{point.name}_seed={seed}" if several else point.name
    config = dataclasses.replace(point.config, seed=seed)
    return dataclasses.replace(point, name=name, config=config, point=point.name, seed=seed)


def _merge_shared_points(points: list[Run]) -> list[Run]:
    """One run per distinct config: a point two sub-grids share (e.g. the base settings)
    runs once, named by its first occurrence, with the levels and sub-grids of all."""
    merged: dict[str, Run] = {}
    for run in points:
        key = repr(run.config.to_dict())
        first = merged.get(key)
        if first is None:
            merged[key] = run
            continue
        varied = {**first.varied, **{a: v for a, v in run.varied.items() if a not in first.varied}}
        merged[key] = dataclasses.replace(first, varied=varied, grids=first.grids + run.grids)
    return list(merged.values())


def _make_point(
    base: RunConfig, varied: dict[str, str], sets: dict[str, Any], quick: dict[str, Any] | None,
    overrides: dict[str, Any], sizes: _DataSizes, *, where: str,
) -> Run:  # fmt: skip
    name = run_name(varied)
    config = replace_paths(base, {**sets, **overrides}, where=f"{where}: run {name}")
    if quick is not None:
        config = shrink(config, quick, where=f"{where}: run {name}", sizes=sizes(config.data))
    return Run(name=name, config=config, varied=varied)


def shrink(
    config: RunConfig, overrides: dict[str, Any], *, where: str, sizes: SplitSizes | None = None
) -> RunConfig:
    """Cap steps and data sizes for a smoke test (never enlarging), then apply ``[quick]``.

    With the `sizes` of the run's data, the caps also fit them, where ``[quick]`` does not
    set the key itself: the validation set takes at most half the split it is cut from
    (the rest stays a test set), ``train_size`` at most what is left for training (of the
    2,000 generated images, 1,500 beside 500 for validation).
    """
    current = config.to_dict()
    caps = {}
    for key, cap in QUICK_CAPS.items():
        section, name = key.split(".")
        value = current[section][name]  # 0 means "no limit" for sizes and steps
        caps[key] = min(value, cap) if value else cap
    shrunk = replace_paths(config, {**caps, **overrides}, where=where)
    if sizes is None:
        return shrunk
    data, fit = shrunk.data, {}
    if "data.val_size" not in overrides:
        fit["data.val_size"] = min(data.val_size, max(1, sizes.of(data.val_from) // 2))
    left = sizes.train - (
        fit.get("data.val_size", data.val_size) if data.val_from == "train" else 0
    )
    if "data.train_size" not in overrides and 0 < left < data.train_size:
        fit["data.train_size"] = left
    return replace_paths(shrunk, fit, where=where)


class _DataSizes:
    """The split sizes of each run's data, read once per dataset, root and kind."""

    def __init__(self, *, quick: bool) -> None:
        self.quick = quick
        self._known: dict[tuple[str, str, bool], SplitSizes] = {}

    def __call__(self, data: DataConfig) -> SplitSizes:
        key = (data.name, data.root, data.synthetic)
        if key not in self._known:
            generated = data.synthetic or (self.quick and quick_generates(data))
            self._known[key] = split_sizes(data.name, root=data.root or None, generated=generated)
        return self._known[key]


def quick_generates(data: DataConfig) -> bool:
    """Whether ``--quick`` trains a run with `data` on generated files: its dataset is not
    on this machine (`trainlab.study.runner.with_synthetic_data` switches it)."""
    return not data.synthetic and locate(data.name, "train", data.root or None) is None


def _check_data_sizes(points: list[Run], base: RunConfig, sizes: _DataSizes, *, where: str) -> None:
    """Each distinct data config of the runs against the sizes of its data; an error names
    the first run with it, unless that is the spec's own ``[data]``."""
    first: dict[DataConfig, Run] = {}
    for run in points:
        first.setdefault(run.config.data, run)
    for data, run in first.items():
        at = where if data == base.data else f"{where}: run {run.name}"
        check_sizes(data, sizes(data), where=f"{at} with --quick" if sizes.quick else at)


def _check_run_count(
    grids: list[dict[str, list[Level]] | None], extras: int, seeds: int, *, where: str
) -> None:
    """SpecError when the grid points (before exclusions) times the seeds exceed MAX_RUNS."""
    points = sum(math.prod(len(levels) for levels in g.values()) for g in grids if g is not None)
    if (points + extras) * seeds > MAX_RUNS:
        raise SpecError(
            f"{where}: {points + extras} grid points x {seeds} seeds = "
            f"{(points + extras) * seeds} runs; a study has at most {MAX_RUNS}: fewer levels "
            "or seeds, or several studies"
        )


def _parse_seeds(
    raw: dict[str, Any], base_seed: int, *, where: str, repeats: int | None
) -> list[int]:
    if repeats is not None:
        if repeats < 1:
            raise SpecError(f"--repeats {repeats}; expected >= 1")
        if repeats > MAX_RUNS:
            raise SpecError(f"--repeats {repeats}; a study has at most {MAX_RUNS} runs")
        return [base_seed + i for i in range(repeats)]
    if "repeats" in raw and "seeds" in raw:
        raise SpecError(f"{where}: give repeats or seeds, not both")
    if "seeds" in raw:
        seeds = raw["seeds"]
        integers = isinstance(seeds, list) and all(
            isinstance(s, int) and not isinstance(s, bool) for s in seeds
        )
        if not integers or not seeds:
            raise SpecError(f"{where}: seeds = {seeds!r}; expected a non-empty list of integers")
        for seed in seeds:
            check_int64(seed, where=where, key="seeds")
        if len(set(seeds)) != len(seeds):
            raise SpecError(f"{where}: seeds = {seeds!r} repeats a seed")
        return list(seeds)
    count = raw.get("repeats", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RUNS:
        raise SpecError(
            f"{where}: repeats = {count!r}; expected an integer >= 1 (and at most {MAX_RUNS}, "
            "the runs a study may have)"
        )
    return [base_seed + i for i in range(count)]


def _parse_grids(grids: Any, *, where: str) -> list[dict[str, list[Level]]]:
    if isinstance(grids, list):  # [[grid]]: several sub-grids, runs are their union
        return [_parse_axes(g, where=f"{where}: grid[{i}]") for i, g in enumerate(grids)]
    return [_parse_axes(grids, where=where)]


def _parse_axes(grid: Any, *, where: str) -> dict[str, list[Level]]:
    if grid is None:
        return {}
    if not isinstance(grid, dict) or not grid:
        raise SpecError(f"{where}: [grid] is empty; give at least one axis or remove the table")
    axes: dict[str, list[Level]] = {}
    for key, spec in grid.items():
        if isinstance(spec, list):
            axis = key.rsplit(".", 1)[-1]
            levels = [Level(level_label(v), {key: v}) for v in spec]
        elif isinstance(spec, dict) and "levels" in spec:
            only_keys(spec, {"levels"}, where=f"{where}: grid.{key}")
            if not isinstance(spec["levels"], dict):
                raise SpecError(f"{where}: grid.{key}.levels must be a table of label = {{...}}")
            axis = key
            levels = [
                Level(str(label), _sets(sets, where=f"{where}: grid.{key}.levels.{label}"))
                for label, sets in spec["levels"].items()
            ]
        elif isinstance(spec, dict) and "key" in spec:
            only_keys(spec, {"key", "values"}, where=f"{where}: grid.{key}")
            values = spec.get("values")
            axis = key
            if not isinstance(spec["key"], str):
                raise SpecError(f"{where}: grid.{key}.key = {spec['key']!r}; expected a dotted key")
            if isinstance(values, dict):
                levels = [Level(str(label), {spec["key"]: v}) for label, v in values.items()]
            elif isinstance(values, list):
                levels = [Level(level_label(v), {spec["key"]: v}) for v in values]
            else:
                raise SpecError(f"{where}: grid.{key}.values must be a list or a table")
        else:
            raise SpecError(
                f"{where}: grid.{key} must be a list of values, {{ key = ..., values = [...] }} "
                "or { levels = { label = { ... } } }"
            )
        if not levels:
            raise SpecError(f"{where}: grid.{key} has no levels")
        if axis == "seed":
            raise SpecError(
                f"{where}: grid axis 'seed': seeds are replicates, not a grid axis; use "
                "repeats = N or seeds = [...] at the top level"
            )
        if axis in RESERVED_AXES:
            raise SpecError(
                f"{where}: grid axis {axis!r} has the name of a results column; name the axis "
                f'yourself: {axis}_level = {{ key = "{key}", values = [...] }}'
            )
        if axis in axes:
            raise SpecError(f"{where}: two grid axes are both named {axis!r}")
        labels = [level.label for level in levels]
        if len(set(labels)) != len(labels):
            raise SpecError(f"{where}: grid.{key} repeats a level: {labels}")
        check_paths(RunConfig, {k for level in levels for k in level.sets}, where=f"{where}: grid")
        axes[axis] = levels
    return axes


def _merge_axes(grid_axes: list[dict[str, list[Level]]]) -> dict[str, list[Level]]:
    """All axes of all sub-grids; an axis in several sub-grids lists each label once."""
    merged: dict[str, list[Level]] = {}
    for sub_axes in grid_axes:
        for axis, levels in sub_axes.items():
            known = {level.label for level in merged.setdefault(axis, [])}
            merged[axis] += [level for level in levels if level.label not in known]
    return merged


def _parse_excludes(
    excludes: Any, axes: dict[str, list[Level]], *, where: str
) -> list[dict[str, str]]:
    parsed = []
    for at, ex in array_of_tables(excludes, "exclude", where=where):
        if not ex:
            raise SpecError(f"{at} must be a table of axis = level")
        for axis, label in ex.items():
            if axis not in axes:
                raise SpecError(f"{at} names unknown axis {axis!r}")
            if level_label(label) not in {level.label for level in axes[axis]}:
                raise SpecError(f"{at}.{axis} = {label!r} is not a level")
        parsed.append({axis: level_label(label) for axis, label in ex.items()})
    return parsed


def _parse_extra(
    base: RunConfig, extra: Any, quick: dict[str, Any] | None, overrides: dict[str, Any],
    sizes: _DataSizes, *, where: str,
) -> Run:  # fmt: skip
    if not isinstance(extra, dict):
        raise SpecError(f"{where} must be a table {{ name = ..., set = {{...}} }}")
    only_keys(extra, {"name", "set"}, where=where)
    sets = _sets(extra.get("set", {}), where=f"{where}.set")
    varied = {key.rsplit(".", 1)[-1]: level_label(value) for key, value in sets.items()}
    run = _make_point(base, varied, sets, quick, overrides, sizes, where=where)
    if "name" in extra:
        if not isinstance(extra["name"], str):
            raise SpecError(f"{where}.name = {extra['name']!r}; expected a string")
        return dataclasses.replace(
            run, name=safe_name(extra["name"]), point=safe_name(extra["name"])
        )
    return run


def _sets(sets: Any, *, where: str) -> dict[str, Any]:
    """A table of dotted keys of a run's config (a level, ``[quick]``, an extra's ``set``)."""
    if not isinstance(sets, dict):
        raise SpecError(f'{where} must be a table of dotted keys, e.g. {{ "optim.l2" = 0.001 }}')
    flat = _flatten(sets)
    check_paths(RunConfig, flat, where=where)
    return flat


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``--set key=value`` items as dotted keys and values; values are read as TOML
    (``30``, ``1e-3``, ``"adamw"``, ``[64, 64]``; a bare word is a string)."""
    sets: dict[str, Any] = {}
    for item in items:
        key, eq, text = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise SpecError(f"--set {item!r}: expected KEY=VALUE, e.g. --set train.epochs=30")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()  # a bare word such as adamw
        sets[key] = value
    return sets
