"""DiagnoseConfig: which diagnoses run live and which stop a run, and its builder."""

from __future__ import annotations

from dataclasses import dataclass

from trainlab.config import check_fields, choices, number
from trainlab.diagnose.live import EVERY, DiagnoseCallback
from trainlab.diagnose.rules import RULES
from trainlab.monitor.monitor import Monitor


@dataclass(frozen=True)
class DiagnoseConfig:
    """The ``[diagnose]`` table of a spec: live diagnosis during training."""

    enabled: bool = True
    every: int = number(EVERY, lo=1)  # steps between live diagnoses
    stop_on: tuple[str, ...] = choices(RULES)  # diagnoses that end the run, e.g. ["diverged"]

    def __post_init__(self) -> None:
        check_fields(self)


def build_diagnose_callback(
    config: DiagnoseConfig, monitor: Monitor | None
) -> DiagnoseCallback | None:
    """The live DiagnoseCallback `config` describes; None when disabled or not monitored."""
    if not config.enabled or monitor is None:
        return None
    return DiagnoseCallback(monitor, every=config.every, stop_on=config.stop_on)
