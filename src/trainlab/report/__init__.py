"""Reporting on a study: its directory in, conclusions and documents out.

`write_report` reads every run directory of a finished or running study into a
results table (`collect_results`), analyses it (`analyze`: configurations over
seeds, effects with their intervals, the best, the questions' answers, the
surprise, with one error budget per kind of claim; and the confirmation runs on
fresh seeds, `read_confirmation`), and writes ``results.csv``, ``configs.csv``,
``findings.md`` and the figures; `write_html_report` writes the browsable report
from the same directory. Everything here is a function of what is on disk, so it
can run again at any time.
"""

from trainlab.report.analysis import (
    Confirmation,
    DataSource,
    Interaction,
    Reversal,
    StudyAnalysis,
    Surprise,
    analyze,
)
from trainlab.report.answers import Answer, answer
from trainlab.report.html import write_html_report
from trainlab.report.results import collect_results, configurations, read_confirmation
from trainlab.report.writer import write_report

__all__ = [
    "Answer",
    "Confirmation",
    "DataSource",
    "Interaction",
    "Reversal",
    "StudyAnalysis",
    "Surprise",
    "analyze",
    "answer",
    "collect_results",
    "configurations",
    "read_confirmation",
    "write_html_report",
    "write_report",
]
