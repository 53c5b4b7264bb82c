"""How configuration dataclasses are declared, validated from data and saved.

Each concern has its own frozen dataclass beside the code that uses it
(`trainlab.data.DataConfig`, `trainlab.models.ModelConfig`, ...), declared with
the field helpers below; `build` turns a TOML/JSON table into one, checking
every key's type, range and choices, and `to_dict` turns it back. Errors name
where the data came from, the key, the bad value and what is allowed; an unknown
key is answered with the key meant: where it moved (a class's ``MOVED_KEYS``: earlier
dotted key -> the keys it became) or the nearest valid key.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import typing
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any, TypeVar

from trainlab.errors import ConfigError

T = TypeVar("T")

INT64_MAX = 2**63 - 1  # counts, sizes and seeds end up in torch/numpy 64-bit integers
# How alike an unknown key and a valid one must be to be offered (difflib's ratio):
# 0.8 for whole dotted keys ("model.mlp.hiden"), 0.7 for a name among its table's keys
# ("optimizer" for "optim"); below that, suggestions were unrelated keys in trials.
NEAR_WHOLE, NEAR_NAME = 0.8, 0.7


def choice(allowed: Iterable[str], *, default: str) -> Any:
    """A string field restricted to `allowed` (a registry's names, e.g. ``ACTIVATIONS``)."""
    allowed = tuple(allowed)
    if default not in allowed:  # pragma: no cover - a declaration mistake
        raise TypeError(f"default {default!r} is not one of {allowed}")
    return field(default=default, metadata={"choices": allowed})


def choices(allowed: Iterable[str], *, default: tuple[str, ...] = ()) -> Any:
    """A list-of-strings field whose items are restricted to `allowed`."""
    return field(default=default, metadata={"choices": tuple(allowed)})


def ints(default: tuple[int, ...], *, lo: int = 0) -> Any:
    """A list-of-integers field (layer widths, kernel sizes, ...), each item >= `lo`."""
    return field(default=default, metadata={"lo": lo})


def number(
    default: float | int, *, lo: float | None = None, hi: float | None = None,
    hi_open: bool = False,
) -> Any:  # fmt: skip
    """A numeric field with an allowed range; floats must be finite."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "hi_open": hi_open})


def build(cls: type[T], data: Any, *, where: str, prefix: str = "", root: type | None = None) -> T:
    """Build dataclass `cls` from a mapping, checking keys, types, choices and ranges.

    Nested dataclass fields take nested tables. A check across fields belongs in the
    class's ``__post_init__``, raising ConfigError; its message gets `where` prepended.
    `root` is the outermost class (default `cls`): an unknown key is looked up among its
    keys and moved keys, as `prefix` + name.
    """
    root = root or cls
    if not isinstance(data, dict):
        raise ConfigError(
            f"{where}: {prefix.rstrip('.') or 'config'} must be a table, got {data!r}"
        )
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = f"{prefix}{unknown[0]}"
        hint = did_you_mean(key, keys_of(root), moved=getattr(root, "MOVED_KEYS", {}))
        raise ConfigError(
            f"{where}: unknown key {key!r}" + (hint or f"; allowed: {', '.join(sorted(fields))}")
        )
    values: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            values[name] = build(hint, value, where=where, prefix=f"{key}.", root=root)
        else:
            values[name] = check_value(value, hint, fields[name].metadata, where=where, key=key)
    try:
        return cls(**values)
    except ConfigError as exc:  # a check across fields, in __post_init__
        raise ConfigError(f"{where}: {prefix}{exc}" if prefix else f"{where}: {exc}") from exc


def check_value(value: Any, hint: Any, meta: Any, *, where: str, key: str) -> Any:
    """`value` checked against a field's type `hint` and metadata; returns it normalised."""
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} = {value!r}; expected true or false")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} = {value!r}; expected a string")
        _check_choice(value, meta, where=where, key=key)
        return value
    if typing.get_origin(hint) is tuple:
        return _check_tuple(value, typing.get_args(hint)[0], meta, where=where, key=key)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key} = {value!r}; expected an integer")
        check_int64(value, where=where, key=key)
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: {key} = {value!r}; expected a number")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {key} = {value!r}; expected a finite number")
    else:  # pragma: no cover - a new field type needs a branch above
        raise TypeError(f"unsupported config field type {hint!r} for {key}")
    _check_range(value, meta, where=where, key=key)
    return value


def _check_choice(value: str, meta: Any, *, where: str, key: str) -> None:
    allowed = meta.get("choices")
    if allowed and value not in allowed:
        raise ConfigError(f"{where}: {key} = {value!r}; expected one of {', '.join(allowed)}")


def _check_tuple(value: Any, item: Any, meta: Any, *, where: str, key: str) -> tuple:
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{where}: {key} = {value!r}; expected a list")
    if item is str:
        if not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} = {value!r}; expected a list of strings")
        for v in value:
            _check_choice(v, meta, where=where, key=key)
        return tuple(value)
    lo = meta.get("lo", 0)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= lo for v in value):
        raise ConfigError(f"{where}: {key} = {value!r}; expected a list of integers >= {lo}")
    for v in value:
        check_int64(v, where=where, key=key)
    return tuple(value)


def check_int64(value: int, *, where: str, key: str) -> None:
    """ConfigError when integer `value` does not fit a signed 64-bit integer."""
    if value > INT64_MAX:
        raise ConfigError(f"{where}: {key} = {value}; too large: expected at most 2**63 - 1")
    if value < -INT64_MAX - 1:
        raise ConfigError(f"{where}: {key} = {value}; too small: expected at least -2**63")


def _check_range(value: float, meta: Any, *, where: str, key: str) -> None:
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and value < lo:
        raise ConfigError(f"{where}: {key} = {value!r}; expected >= {lo}")
    if hi is not None and (value >= hi if meta.get("hi_open") else value > hi):
        bound = f"< {hi}" if meta.get("hi_open") else f"<= {hi}"
        raise ConfigError(f"{where}: {key} = {value!r}; expected {lo} <= value {bound}")


def check_fields(config: Any) -> None:
    """Check and normalise (lists to tuples, ints to floats) every plain field of a config
    dataclass; called from ``__post_init__``, so a config built in Python is checked as
    one read from a file is."""
    hints = typing.get_type_hints(type(config))
    for f in dataclasses.fields(config):
        if not dataclasses.is_dataclass(hints[f.name]):
            value = getattr(config, f.name)
            checked = check_value(
                value, hints[f.name], f.metadata, where=type(config).__name__, key=f.name
            )
            object.__setattr__(config, f.name, checked)  # frozen: normalised once, here


def from_options(cls: type[T], **values: Any) -> T:
    """`cls(**values)` for a keyword API; an unknown keyword is a ConfigError naming the fields."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown option {unknown[0]!r}; expected one of {sorted(known)}")
    return cls(**values)


def to_dict(config: Any) -> dict[str, Any]:
    """A config dataclass as a plain nested dict (tuples as lists), as saved in JSON."""
    return _plain(dataclasses.asdict(config))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def replace_paths(config: T, sets: dict[str, Any], *, where: str) -> T:
    """`config` with dotted keys set, e.g. ``{"model.mlp.dropout": 0.5}``; validated once."""
    check_paths(type(config), sets, where=where)
    data = to_dict(config)
    for path, value in sets.items():
        *tables, name = path.split(".")
        node = data
        for table in tables:
            node = node[table]
        node[name] = value
    return build(type(config), data, where=where)


def check_paths(cls: type, paths: Iterable[str], *, where: str) -> None:
    """ConfigError for the first of `paths` that is not a dotted key of a value of `cls`
    (a table is not one), saying which key was meant where that is clear."""
    keys = keys_of(cls)
    for path in paths:
        if path in keys and keys[path]:
            continue
        if path in keys:  # a table
            inside = [k for k, leaf in keys.items() if leaf and k.startswith(f"{path}.")]
            raise ConfigError(
                f"{where}: unknown key {path!r}: it is a table; set one of its keys "
                f"({', '.join(inside)})"
            )
        hint = did_you_mean(path, keys, moved=getattr(cls, "MOVED_KEYS", {}))
        raise ConfigError(f"{where}: unknown key {path!r}{hint}")


def keys_of(cls: type) -> dict[str, bool]:
    """Every dotted key of config class `cls`, tables first, each -> whether it holds a
    value (True) or is a table (False): ``{"model": False, "model.kind": True, ...}``."""
    return dict(_keys(cls))


@functools.cache  # a study checks the keys of every run it expands
def _keys(cls: type) -> tuple[tuple[str, bool], ...]:
    keys: list[tuple[str, bool]] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        table = dataclasses.is_dataclass(hints[f.name])
        keys.append((f.name, not table))
        if table:
            keys += [(f"{f.name}.{k}", leaf) for k, leaf in _keys(hints[f.name])]
    return tuple(keys)


def did_you_mean(
    key: str, known: Iterable[str], *, moved: Mapping[str, tuple[str, ...]] | None = None
) -> str:
    """``"; did you mean `x`?"`` for an unknown dotted `key` among the `known` ones, or "".

    In order: the keys it moved to (`moved`); in a known table (or at the top), a near
    name among that table's keys (a key of another table may not apply: ``model.cnn.dropout``
    is no ``model.mlp.dropout``); in an unknown table, the nearest whole key; for a bare name
    with none near, the keys that end in it (``lr``: ``optim.lr``).
    """
    if moved and key in moved:
        return f"; it moved: did you mean {_either(moved[key])}?"
    known = list(known)
    table, _, name = key.rpartition(".")
    if not table or table in known:
        inside = {k.rpartition(".")[2]: k for k in known if k.rpartition(".")[0] == table}
        near = [inside[n] for n in difflib.get_close_matches(name, inside, n=2, cutoff=NEAR_NAME)]
        if not near and not table:
            near = [k for k in known if k.endswith(f".{name}")][:3]
    else:
        near = difflib.get_close_matches(key, known, n=2, cutoff=NEAR_WHOLE)
    return f"; did you mean {_either(near)}?" if near else ""


def _either(keys: Iterable[str]) -> str:
    return " or ".join(f"`{k}`" for k in keys)
