"""Statistics over seeds: every comparison of a study with its uncertainty from seed noise.

Pure functions over a runs table (one row per run: configuration id, seed, axis levels,
metrics, status); see each module for its rules.
"""

from trainlab.stats.best import STANDING_WORDS, BestSet, best_set
from trainlab.stats.compare import Comparison, compare
from trainlab.stats.contrasts import (
    Contrast,
    PooledNoise,
    bonferroni_confidence,
    config_means,
    linear_contrast,
    pooled_noise,
)
from trainlab.stats.effects import (
    AXIS_VERDICT_WORDS,
    axis_verdicts,
    interactions,
    is_clear,
    main_effects,
    sign_reversals,
)
from trainlab.stats.formatting import (
    format_estimate,
    format_plus_minus,
    format_to_noise,
    noise_decimals,
    round_to_noise,
)
from trainlab.stats.planning import noise_upper_bound, repeats_needed
from trainlab.stats.replicates import Estimate, config_table, t_interval
from trainlab.stats.table import usable_runs

__all__ = [
    "AXIS_VERDICT_WORDS",
    "STANDING_WORDS",
    "BestSet",
    "Comparison",
    "Contrast",
    "Estimate",
    "PooledNoise",
    "axis_verdicts",
    "best_set",
    "bonferroni_confidence",
    "compare",
    "config_means",
    "config_table",
    "format_estimate",
    "format_plus_minus",
    "format_to_noise",
    "interactions",
    "is_clear",
    "linear_contrast",
    "main_effects",
    "noise_decimals",
    "noise_upper_bound",
    "pooled_noise",
    "repeats_needed",
    "round_to_noise",
    "sign_reversals",
    "t_interval",
    "usable_runs",
]
