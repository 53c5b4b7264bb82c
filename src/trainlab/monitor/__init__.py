"""Monitoring: hooks that summarise weights and activations per training step."""

from trainlab.monitor.monitor import ACTIVATION_TYPES, WEIGHT_TYPES, Monitor
from trainlab.monitor.record import STATS, Record
from trainlab.monitor.summary import summarize

# The name the original course exercise gave this class; same dictionaries, same meaning.
TorchMonitor = Monitor

__all__ = [
    "ACTIVATION_TYPES",
    "STATS",
    "WEIGHT_TYPES",
    "Monitor",
    "Record",
    "TorchMonitor",
    "summarize",
]
