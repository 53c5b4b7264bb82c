"""Checks every table of a spec goes through: arrays of tables and their allowed keys."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from trainlab.errors import SpecError


def array_of_tables(raw: Any, key: str, *, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(location, table) for each table of ``[[key]]``; SpecError for anything else."""
    if not isinstance(raw, list):
        raise SpecError(f"{where}: {key} must be an array of tables ([[{key}]])")
    for i, table in enumerate(raw):
        at = f"{where}: {key}[{i}]"
        if not isinstance(table, dict):
            raise SpecError(f"{at} must be a table")
        yield at, table


def only_keys(table: dict[str, Any], allowed: Iterable[str], *, where: str) -> None:
    """SpecError naming the first key of `table` that is not `allowed`, and the allowed ones."""
    allowed = sorted(allowed)
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}")
