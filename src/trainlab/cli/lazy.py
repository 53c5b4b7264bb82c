"""Choices of a command-line option, imported when argparse first needs them.

`trainlab --help` builds every subcommand's parser to list them; the choices of some
options live in modules that import torch, pandas or matplotlib (the executors, the
dataset names, the frame spacings). A `LazyChoices` names where they live and imports
them only when that option is parsed or its command's help is printed. Give the option
a ``metavar`` too: without one, argparse lists the choices (importing them) as soon as
the option is added; ``%(choices)s`` in its help lists them when the help is printed.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from typing import Any


class LazyChoices(Sequence):
    """`module.name` (a sequence of strings), loaded on first use."""

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)
        self._values: tuple[Any, ...] | None = None

    def _load(self) -> tuple[Any, ...]:
        if self._values is None:
            module, name = self._where
            self._values = tuple(getattr(importlib.import_module(module), name))
        return self._values

    def __getitem__(self, index):  # type: ignore[override]
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, value: object) -> bool:
        return value in self._load()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._load())
