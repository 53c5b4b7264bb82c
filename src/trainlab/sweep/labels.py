"""How grid levels and runs are named: labels from spec values, file-system safe names."""

from __future__ import annotations

import re
from typing import Any


def level_label(value: Any) -> str:
    """The label of a grid level given by its value: ``0.001``, ``on``/``off``, ``128x64``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value)
    return str(value)


def safe_name(label: str) -> str:
    """`label` with every run of characters other than letters, digits, ``.+-`` as one ``-``."""
    return re.sub(r"[^A-Za-z0-9.+\-]+", "-", label).strip("-") or "_"
