"""Monitoring: hooks that summarise weights and activations per training step."""

from trainlab.monitor.record import STATS, Record

__all__ = ["STATS", "Record"]
