"""Monitoring: hooks that summarise weights and activations per training step."""

from trainlab.monitor.config import MonitorConfig, build_monitor
from trainlab.monitor.monitor import ACTIVATION_TYPES, MODES, WEIGHT_TYPES, Monitor
from trainlab.monitor.record import STATS, Record
from trainlab.monitor.summary import summarize

# The name the original course exercise gave this class; same dictionaries, same meaning.
TorchMonitor = Monitor

__all__ = [
    "ACTIVATION_TYPES",
    "MODES",
    "STATS",
    "WEIGHT_TYPES",
    "Monitor",
    "MonitorConfig",
    "Record",
    "TorchMonitor",
    "build_monitor",
    "summarize",
]
