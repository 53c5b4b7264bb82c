"""Study specs: a TOML file with a base configuration and a grid, expanded into runs.

A spec has the `RunConfig` sections at top level (``seed``, ``[data]``,
``[model]``, ``[optim]``, ``[train]``, ``[monitor]``, ``[output]``,
``[resources]``), plus:

- ``name`` / ``description``: free text;
- ``[grid]``: axes whose levels expand to the cartesian product (or several
  ``[[grid]]`` tables: the runs are the union of their products). An axis is

  - ``"model.init" = ["he", "uniform"]`` (a dotted key; the axis is named by its
    last part, here ``init``),
  - ``std = { key = "data.standardize", values = { on = "feature", off = "none" } }``
    (labelled levels), or
  - ``reg = { levels = { none = {}, "l2-0.001" = { "optim.l2" = 0.001 } } }``
    (each level sets several keys);
- ``[[exclude]]``: tables of axis = level label; matching grid points are dropped;
- ``[[extra]]``: explicit extra runs, ``{ name = "...", set = { "optim.lr" = 0.1 } }``;
- ``[quick]``: dotted keys applied by ``--quick`` on top of the built-in shrinking.

Everything is validated before anything runs; errors name the file and the key.
"""

from __future__ import annotations

import itertools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainlab.config import RunConfig, replace_paths
from trainlab.errors import ConfigError, SpecError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEMO_SPEC = Path(__file__).with_name("demo.toml")  # the study `trainlab demo` runs

RUN_SECTIONS = ("seed", "data", "model", "optim", "train", "monitor", "output", "resources")
SPEC_KEYS = (*RUN_SECTIONS, "name", "description", "grid", "exclude", "extra", "quick")

# Caps applied by `--quick`: a smoke test of every run in seconds.
QUICK_CAPS: dict[str, int] = {
    "train.epochs": 1,
    "train.max_steps": 20,
    "data.train_size": 2_000,
    "data.val_size": 500,
    "monitor.val_size": 128,
}


@dataclass(frozen=True)
class Level:
    """One level of a grid axis: its label in run names and the keys it sets."""

    label: str
    sets: dict[str, Any]


@dataclass(frozen=True)
class Run:
    """One run of a study: a stable readable name, its config and the varied levels."""

    name: str
    config: RunConfig
    varied: dict[str, str] = field(default_factory=dict)  # axis -> level label


@dataclass(frozen=True)
class Study:
    """A parsed spec: its runs, axes (for factor effects) and where it came from."""

    name: str
    description: str
    path: Path
    axes: dict[str, list[Level]]
    runs: list[Run]
    base: RunConfig


def load_spec(path: str | Path, *, quick: bool = False, data_root: str | None = None) -> Study:
    """Read, validate and expand a study spec.

    Args:
        path: the TOML file.
        quick: shrink every run for a smoke test (see `QUICK_CAPS` and ``[quick]``).
        data_root: directory with the dataset files, overriding ``data.root``.

    Raises:
        SpecError: naming the file and key for any invalid value.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SpecError(f"{path}: no such spec file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from exc
    return parse_spec(raw, where=str(path), quick=quick, data_root=data_root)


def parse_spec(
    raw: dict[str, Any], *, where: str, quick: bool = False, data_root: str | None = None
) -> Study:
    """Validate and expand an already-parsed spec (see `load_spec`)."""
    try:
        return _expand(raw, where=where, quick=quick, data_root=data_root)
    except SpecError:
        raise
    except ConfigError as exc:  # raised by RunConfig validation; same message, spec type
        raise SpecError(str(exc)) from exc


def _expand(raw: dict[str, Any], *, where: str, quick: bool, data_root: str | None) -> Study:
    unknown = sorted(set(raw) - set(SPEC_KEYS))
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(SPEC_KEYS)}")
    base = RunConfig.from_dict({k: raw[k] for k in RUN_SECTIONS if k in raw}, where=where)
    if data_root:
        base = replace_paths(base, {"data.root": str(data_root)}, where=where)
    grids = raw.get("grid")
    if isinstance(grids, list):  # [[grid]]: several sub-grids, runs are their union
        grid_axes = [_parse_axes(g, where=f"{where}: grid[{i}]") for i, g in enumerate(grids)]
    else:
        grid_axes = [_parse_axes(grids, where=where)]
    axes = _merge_axes(grid_axes)
    excludes = _parse_excludes(raw.get("exclude", []), axes, where=where)
    quick_sets = _quick_overrides(raw.get("quick", {}), where=where) if quick else None

    runs: list[Run] = []
    for sub_axes in grid_axes:
        for combo in itertools.product(*sub_axes.values()) if sub_axes else [()]:
            varied = {axis: level.label for axis, level in zip(sub_axes, combo, strict=True)}
            if any(all(varied.get(a) == label for a, label in ex.items()) for ex in excludes):
                continue
            sets = {k: v for level in combo for k, v in level.sets.items()}
            runs.append(_make_run(base, varied, sets, quick_sets, where=where))
    for i, extra in enumerate(raw.get("extra", [])):
        runs.append(_parse_extra(base, extra, quick_sets, where=f"{where}: extra[{i}]"))
    if not runs:
        raise SpecError(f"{where}: the grid and its exclusions leave no runs")
    names = [run.name for run in runs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise SpecError(f"{where}: two runs are both named {duplicate!r}; make level labels unique")
    return Study(
        name=str(raw.get("name", Path(where).stem)),
        description=str(raw.get("description", "")),
        path=Path(where),
        axes=axes,
        runs=runs,
        base=base,
    )


def run_name(varied: dict[str, str]) -> str:
    """Stable, file-system safe name from the varied levels, e.g. ``init=he_bn=before``."""
    if not varied:
        return "base"
    return "_".join(f"{axis}={_safe(label)}" for axis, label in varied.items())


def _make_run(
    base: RunConfig, varied: dict[str, str], sets: dict[str, Any], quick: dict[str, Any] | None, *,
    where: str,
) -> Run:  # fmt: skip
    name = run_name(varied)
    config = replace_paths(base, sets, where=f"{where}: run {name}")
    if quick is not None:
        config = shrink(config, quick, where=f"{where}: run {name}")
    return Run(name=name, config=config, varied=varied)


def shrink(config: RunConfig, overrides: dict[str, Any], *, where: str) -> RunConfig:
    """Cap steps and data sizes for a smoke test (never enlarging), then apply ``[quick]``."""
    current = config.to_dict()
    caps = {}
    for key, cap in QUICK_CAPS.items():
        section, name = key.split(".")
        value = current[section][name]  # 0 means "no limit" for sizes and steps
        caps[key] = min(value, cap) if value else cap
    return replace_paths(config, {**caps, **overrides}, where=where)


def _parse_axes(grid: Any, *, where: str) -> dict[str, list[Level]]:
    if grid is None:
        return {}
    if not isinstance(grid, dict) or not grid:
        raise SpecError(f"{where}: [grid] is empty; give at least one axis or remove the table")
    axes: dict[str, list[Level]] = {}
    for key, spec in grid.items():
        if isinstance(spec, list):
            axis = key.rsplit(".", 1)[-1]
            levels = [Level(_label(v), {key: v}) for v in spec]
        elif isinstance(spec, dict) and "levels" in spec:
            _only(spec, {"levels"}, where=f"{where}: grid.{key}")
            if not isinstance(spec["levels"], dict):
                raise SpecError(f"{where}: grid.{key}.levels must be a table of label = {{...}}")
            axis = key
            levels = [
                Level(str(label), _sets(sets, where=f"{where}: grid.{key}.levels.{label}"))
                for label, sets in spec["levels"].items()
            ]
        elif isinstance(spec, dict) and "key" in spec:
            _only(spec, {"key", "values"}, where=f"{where}: grid.{key}")
            values = spec.get("values")
            axis = key
            if isinstance(values, dict):
                levels = [Level(str(label), {spec["key"]: v}) for label, v in values.items()]
            elif isinstance(values, list):
                levels = [Level(_label(v), {spec["key"]: v}) for v in values]
            else:
                raise SpecError(f"{where}: grid.{key}.values must be a list or a table")
        else:
            raise SpecError(
                f"{where}: grid.{key} must be a list of values, {{ key = ..., values = [...] }} "
                "or { levels = { label = { ... } } }"
            )
        if not levels:
            raise SpecError(f"{where}: grid.{key} has no levels")
        if axis in axes:
            raise SpecError(f"{where}: two grid axes are both named {axis!r}")
        labels = [level.label for level in levels]
        if len(set(labels)) != len(labels):
            raise SpecError(f"{where}: grid.{key} repeats a level: {labels}")
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
    if not isinstance(excludes, list):
        raise SpecError(f"{where}: exclude must be an array of tables ([[exclude]])")
    parsed = []
    for i, ex in enumerate(excludes):
        if not isinstance(ex, dict) or not ex:
            raise SpecError(f"{where}: exclude[{i}] must be a table of axis = level")
        for axis, label in ex.items():
            if axis not in axes:
                raise SpecError(f"{where}: exclude[{i}] names unknown axis {axis!r}")
            if _label(label) not in {level.label for level in axes[axis]}:
                raise SpecError(f"{where}: exclude[{i}].{axis} = {label!r} is not a level")
        parsed.append({axis: _label(label) for axis, label in ex.items()})
    return parsed


def _parse_extra(base: RunConfig, extra: Any, quick: dict[str, Any] | None, *, where: str) -> Run:
    if not isinstance(extra, dict):
        raise SpecError(f"{where} must be a table {{ name = ..., set = {{...}} }}")
    _only(extra, {"name", "set"}, where=where)
    sets = _sets(extra.get("set", {}), where=f"{where}.set")
    varied = {key.rsplit(".", 1)[-1]: _label(value) for key, value in sets.items()}
    run = _make_run(base, varied, sets, quick, where=where)
    if "name" in extra:
        return Run(name=_safe(str(extra["name"])), config=run.config, varied=varied)
    return run


def _quick_overrides(quick: Any, *, where: str) -> dict[str, Any]:
    return _sets(quick, where=f"{where}: quick")


def _sets(sets: Any, *, where: str) -> dict[str, Any]:
    if not isinstance(sets, dict):
        raise SpecError(f'{where} must be a table of dotted keys, e.g. {{ "optim.l2" = 0.001 }}')
    return _flatten(sets)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _only(table: dict[str, Any], allowed: set[str], *, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        allowed_keys = ", ".join(sorted(allowed))
        raise SpecError(f"{where}: unknown key {unknown[0]!r}; allowed: {allowed_keys}")


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value)
    return str(value)


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+\-]+", "-", label).strip("-") or "_"
