"""Checks every table of a spec goes through: arrays of tables, their allowed keys, and
the line of a key in the spec's text, so an error can name it (``s.toml:42: ...``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from trainlab.errors import SpecError

_ARRAY_HEADER = re.compile(r"\s*\[\[\s*([^\[\]]+?)\s*\]\]")  # [[question]]
_TABLE_HEADER = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]")  # [report], [question.a]


class SpecLines:
    """Where the tables of an array (``[[question]]``) and their keys sit in a spec's text:
    tomllib gives the values, not their lines. Lines inside multi-line strings are skipped;
    an array written inline (``question = [{...}]``) has no lines to name."""

    def __init__(self, text: str) -> None:
        self._headers: list[tuple[int, str, bool]] = []  # (line, dotted name, is [[array]])
        self._keys: list[tuple[int, str]] = []  # (line, text) of the other lines
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is None:
                array = _ARRAY_HEADER.match(line)
                table = None if array else _TABLE_HEADER.match(line)
                if array or table:
                    name = _unquote((array or table).group(1))
                    self._headers.append((number, name, bool(array)))
                else:
                    self._keys.append((number, line))
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 and in_string in (None, quote):
                    in_string = None if in_string else quote

    def of(self, table: str, index: int, key: str | None = None) -> int | None:
        """The line of `key` in the `index`-th (0-based) ``[[table]]``: where it is set, or
        its ``[table.key]`` header; else the ``[[table]]`` line itself; None when the text
        has no such table."""
        starts = [n for n, name, array in self._headers if array and name == table]
        if index >= len(starts):
            return None
        start = starts[index]
        later = [(n, name) for n, name, _ in self._headers if n > start]
        end = next((n for n, name in later if not name.startswith(f"{table}.")), None)
        inner = [(n, name) for n, name in later if end is None or n < end]  # [table.a] ...
        if key is None:
            return start
        header = next((n for n, name in inner if name == f"{table}.{key}"), None)
        if header is not None:
            return header
        body_end = inner[0][0] if inner else end  # the table's own keys come first
        quoted = "|".join(re.escape(form) for form in (key, f'"{key}"', f"'{key}'"))
        pattern = re.compile(rf"\s*(?:{quoted})\s*[.=]")
        return next(
            (n for n, line in self._keys
             if start < n and (body_end is None or n < body_end) and pattern.match(line)),
            start,
        )  # fmt: skip


@dataclass(frozen=True)
class TableAt:
    """One table of an array of tables, for messages: ``s.toml: question[1]``; `key` also
    names the key's line where the spec's text is known: ``s.toml:42: question[1].margin``."""

    where: str
    table: str
    index: int
    lines: SpecLines | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.table}[{self.index}]"

    def key(self, key: str) -> str:
        """``where:LINE: table[i].key`` (``where: table[i].key`` when the line is unknown)."""
        line = self.lines.of(self.table, self.index, key.split(".")[0]) if self.lines else None
        place = f"{self.where}:{line}" if line else self.where
        return f"{place}: {self.table}[{self.index}].{key}"


def array_of_tables(
    raw: Any, key: str, *, where: str, lines: SpecLines | None = None
) -> Iterator[tuple[TableAt, dict[str, Any]]]:
    """(location, table) for each table of ``[[key]]``; SpecError for anything else."""
    if not isinstance(raw, list):
        raise SpecError(f"{where}: {key} must be an array of tables ([[{key}]])")
    for i, table in enumerate(raw):
        at = TableAt(where, key, i, lines)
        if not isinstance(table, dict):
            raise SpecError(f"{at} must be a table")
        yield at, table


def only_keys(table: dict[str, Any], allowed: Iterable[str], *, where: str) -> None:
    """SpecError naming the first key of `table` that is not `allowed`, and the allowed ones."""
    allowed = sorted(allowed)
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}")


def _unquote(dotted: str) -> str:
    """A header's dotted name without quotes or spaces: ``"question" . a`` -> ``question.a``."""
    return ".".join(part.strip().strip("\"'") for part in dotted.split("."))
