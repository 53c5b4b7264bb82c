"""Diagnoses: named problems found in a run's Record and History, with the numbers behind
them and a change to try; pure functions of stored data, runnable live as a callback."""

from trainlab.diagnose.config import DiagnoseConfig, build_diagnose_callback
from trainlab.diagnose.diagnosis import (
    SEVERITIES,
    Diagnosis,
    Evidence,
    Finding,
    Threshold,
    most_serious_first,
    severity_rank,
)
from trainlab.diagnose.live import DiagnoseCallback
from trainlab.diagnose.rules import RULES, Rule, diagnose, skipped

__all__ = [
    "RULES",
    "SEVERITIES",
    "DiagnoseCallback",
    "DiagnoseConfig",
    "Diagnosis",
    "Evidence",
    "Finding",
    "Rule",
    "Threshold",
    "build_diagnose_callback",
    "diagnose",
    "most_serious_first",
    "severity_rank",
    "skipped",
]
