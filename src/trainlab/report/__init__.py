"""Reporting on a study: its directory in, conclusions and documents out.

`write_report` reads every run directory of a finished or running study into a
results table (`collect_results`), analyses it (`analyze`: configurations over
seeds, effects with their intervals, the best, the questions' answers, the
surprise, with one error budget per kind of claim; and the confirmation runs on
fresh seeds, `read_confirmation`; `analyze_study` does all three), and writes
``results.csv``, ``configs.csv``, ``findings.md`` and the figures;
`write_html_report` writes the browsable report from the same directory. Everything
here is a function of what is on disk, so it can run again at any time.

The public names are imported from their modules on first use: importing one module
does not import the others (pandas, matplotlib, Jinja2).
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module that defines it, imported on first use.
_HOMES: dict[str, str] = {
    "Confirmation": "analysis",
    "DataSource": "analysis",
    "Interaction": "analysis",
    "Reversal": "analysis",
    "StudyAnalysis": "analysis",
    "Surprise": "analysis",
    "analyze": "analysis",
    "analyze_study": "analysis",
    "Answer": "answers",
    "answer": "answers",
    "write_html_report": "html",
    "collect_results": "results",
    "configurations": "results",
    "read_confirmation": "results",
    "write_report": "writer",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """`name`, imported from its module on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_HOMES[name]}")
    value = globals()[name] = getattr(module, name)  # found without this call from now on
    return value


def __dir__() -> list[str]:
    """The module's names, the public ones before their first use too."""
    return sorted({*globals(), *__all__})
