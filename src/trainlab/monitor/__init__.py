"""Monitoring: hooks that summarise parameters and activations per training step.

The public names are imported from their modules on first use, so that `record`
(the Record and its file names) is imported without torch.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module that defines it, imported on first use.
_HOMES: dict[str, str] = {
    "FUNCTIONAL": "config",
    "MODES": "config",
    "PARAMS": "config",
    "MonitorConfig": "config",
    "Monitor": "monitor",
    "TorchMonitor": "monitor",  # its name in the original course exercise
    "MonitorWarning": "notes",
    "WEIGHT_TYPES": "params",
    "STATS": "record",
    "Record": "record",
    "ACTIVATION_TYPES": "sites",
    "summarize": "summary",
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
