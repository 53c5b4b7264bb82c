"""Monitoring: hooks that summarise parameters and activations per training step."""

from trainlab.monitor.config import FUNCTIONAL, MODES, PARAMS, MonitorConfig
from trainlab.monitor.monitor import Monitor
from trainlab.monitor.notes import MonitorWarning
from trainlab.monitor.params import WEIGHT_TYPES
from trainlab.monitor.record import STATS, Record
from trainlab.monitor.sites import ACTIVATION_TYPES
from trainlab.monitor.summary import summarize

# The name the original course exercise gave this class; same dictionaries, same meaning.
TorchMonitor = Monitor

__all__ = [
    "ACTIVATION_TYPES",
    "FUNCTIONAL",
    "MODES",
    "PARAMS",
    "STATS",
    "WEIGHT_TYPES",
    "Monitor",
    "MonitorConfig",
    "MonitorWarning",
    "Record",
    "TorchMonitor",
    "summarize",
]
