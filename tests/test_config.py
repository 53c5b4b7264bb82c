"""The config machinery: fields checked by type, range and choices, from data or Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from trainlab.config import (
    build,
    check_fields,
    check_paths,
    choice,
    choices,
    did_you_mean,
    from_options,
    ints,
    keys_of,
    number,
    replace_paths,
    to_dict,
)
from trainlab.errors import ConfigError


@dataclass(frozen=True)
class Inner:
    rate: float = number(0.1, lo=0.0, hi=1.0, hi_open=True)
    kind: str = choice(("a", "b"), default="a")

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class Outer:
    count: int = number(1, lo=1)
    widths: tuple[int, ...] = ints((4,), lo=1)
    tags: tuple[str, ...] = choices(("x", "y"))
    flag: bool = False
    inner: Inner = Inner()

    MOVED_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {"rate": ("inner.rate",)}

    def __post_init__(self) -> None:
        check_fields(self)


def test_build_checks_nested_tables_and_normalises():
    config = build(Outer, {"count": 3, "widths": [8, 2], "tags": ["y"], "inner": {"rate": 0}},
                   where="f.toml")  # fmt: skip
    assert config == Outer(count=3, widths=(8, 2), tags=("y",), inner=Inner(rate=0.0))
    assert isinstance(config.inner.rate, float) and isinstance(config.widths, tuple)
    assert to_dict(config) == {"count": 3, "widths": [8, 2], "tags": ["y"], "flag": False,
                               "inner": {"rate": 0.0, "kind": "a"}}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"count": 0}, r"f\.toml: count = 0; expected >= 1"),
        ({"count": 1.5}, r"count = 1\.5; expected an integer"),
        ({"count": True}, r"count = True; expected an integer"),
        ({"flag": 1}, r"flag = 1; expected true or false"),
        ({"widths": [0]}, r"widths = \[0\]; expected a list of integers >= 1"),
        ({"widths": 4}, r"widths = 4; expected a list"),
        ({"tags": ["z"]}, r"tags = 'z'; expected one of x, y"),
        ({"inner": {"rate": 1.0}}, r"inner\.rate = 1\.0; expected 0\.0 <= value < 1\.0"),
        ({"inner": {"rate": float("nan")}}, r"inner\.rate = nan; expected a finite number"),
        ({"inner": {"rate": float("inf")}}, r"inner\.rate = inf; expected a finite number"),
        ({"inner": {"kind": "c"}}, r"inner\.kind = 'c'; expected one of a, b"),
        ({"inner": 3}, r"inner must be a table"),
        ({"nope": 1}, r"unknown key 'nope'; allowed: count, flag, inner, tags, widths"),
        ({"inner": {"nope": 1}}, r"unknown key 'inner\.nope'; allowed: kind, rate"),
        ({"count": 2**63}, r"count = 9223372036854775808; too large: expected at most 2\*\*63 - 1"),
        ({"count": -(2**63) - 1}, r"count = -9223372036854775809; too small: expected at least"),
        ({"widths": [2**64]}, r"widths = 18446744073709551616; too large"),
        ({"rate": 0.5}, r"unknown key 'rate'; it moved: did you mean `inner\.rate`\?"),
        ({"inner": {"rat": 0.5}}, r"unknown key 'inner\.rat'; did you mean `inner\.rate`\?"),
        ({"inr": {}}, r"unknown key 'inr'; did you mean `inner`\?"),
    ],
)
def test_bad_values_name_the_file_the_key_and_what_is_allowed(data, message):
    with pytest.raises(ConfigError, match=message):
        build(Outer, data, where="f.toml")


def test_configs_built_in_python_are_checked_as_those_read_from_files():
    with pytest.raises(ConfigError, match=r"Inner: rate = -1\.0; expected >= 0\.0"):
        Inner(rate=-1.0)
    with pytest.raises(ConfigError, match="unknown option 'speed'; expected one of"):
        from_options(Inner, speed=3)
    assert from_options(Inner, kind="b").kind == "b"


def test_replace_paths_sets_dotted_keys_and_validates_once():
    config = replace_paths(Outer(), {"inner.rate": 0.5, "count": 2}, where="grid")
    assert config.inner.rate == 0.5 and config.count == 2
    with pytest.raises(ConfigError, match="grid: unknown key 'inner.speed'"):
        replace_paths(Outer(), {"inner.speed": 1}, where="grid")
    with pytest.raises(ConfigError, match="grid: unknown key 'inner'"):
        replace_paths(Outer(), {"inner": 1}, where="grid")


def test_keys_of_a_config_list_tables_and_values_by_dotted_path():
    assert keys_of(Outer) == {"count": True, "widths": True, "tags": True, "flag": True,
                              "inner": False, "inner.rate": True, "inner.kind": True}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("rate", "; it moved: did you mean `inner.rate`?"),  # the moved table first
        ("inner.rat", "; did you mean `inner.rate`?"),  # a near name in a known table
        ("inner.count", ""),  # a key of another table is not offered inside this one
        ("inr.rate", "; did you mean `inner.rate`?"),  # an unknown table: the whole key
        ("kind", "; did you mean `inner.kind`?"),  # a bare name: the keys ending in it
        ("colour", ""),  # nothing near
    ],
)
def test_did_you_mean_offers_the_key_meant_or_nothing(key, hint):
    assert did_you_mean(key, keys_of(Outer), moved=Outer.MOVED_KEYS) == hint


def test_check_paths_accepts_values_and_names_tables_and_unknown_keys():
    check_paths(Outer, ["count", "inner.rate"], where="--set")
    with pytest.raises(
        ConfigError,
        match=r"^--set: unknown key 'inner': it is a table; set one "
        r"of its keys \(inner\.rate, inner\.kind\)$",
    ):
        check_paths(Outer, ["inner"], where="--set")
    with pytest.raises(ConfigError, match=r"^--set: unknown key 'rate'; it moved: did you mean"):
        check_paths(Outer, ["rate"], where="--set")
