"""Jupyter display of trainlab objects: ``%load_ext trainlab`` (or this module).

Registers HTML formatters, so a cell ending in a `Record` or a `History` shows its
summary table, figures and (for a History) the per-epoch table. The renderers
themselves are plain functions of `trainlab.viz.notebook`. Needs IPython, which
the ``notebook`` extra installs.
"""

from __future__ import annotations

from typing import Any

from trainlab.viz.notebook import history_html, record_html

# (module, class name) -> renderer; registered by name, so nothing is imported until shown
FORMATTERS = {
    ("trainlab.monitor.record", "Record"): record_html,
    ("trainlab.train.history", "History"): history_html,
}


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext``: show Records and Histories as HTML in this kernel."""
    html = ipython.display_formatter.formatters["text/html"]
    for (module, name), render in FORMATTERS.items():
        html.for_type_by_name(module, name, render)
