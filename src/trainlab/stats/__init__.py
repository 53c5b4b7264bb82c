"""Statistics over seeds: every comparison of a study with its uncertainty from seed noise.

Pure functions over a runs table (one row per run: configuration id, seed, axis levels,
metrics, status); see each module for its rules, and `multiplicity` for how a report
keeps one error budget per kind of claim.
"""

from trainlab.stats.best import STANDING_WORDS, BestSet, best_set
from trainlab.stats.compare import Comparison, compare
from trainlab.stats.contrasts import (
    Contrast,
    FTest,
    PooledNoise,
    config_means,
    contrast_test,
    linear_contrast,
    pooled_noise,
)
from trainlab.stats.dunnett import one_sided_dunnett
from trainlab.stats.effects import (
    ALPHA,
    AXIS_VERDICT_WORDS,
    axis_tests,
    axis_verdicts,
    interaction_tests,
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
from trainlab.stats.multiplicity import bonferroni_confidence, distinct_claims, holm
from trainlab.stats.noise import NoiseCheck, unequal_noise
from trainlab.stats.planning import noise_upper_bound, repeats_needed
from trainlab.stats.replicates import Estimate, config_table, t_interval
from trainlab.stats.table import usable_runs

__all__ = [
    "ALPHA",
    "AXIS_VERDICT_WORDS",
    "STANDING_WORDS",
    "BestSet",
    "Comparison",
    "Contrast",
    "Estimate",
    "FTest",
    "NoiseCheck",
    "PooledNoise",
    "axis_tests",
    "axis_verdicts",
    "best_set",
    "bonferroni_confidence",
    "compare",
    "config_means",
    "config_table",
    "contrast_test",
    "distinct_claims",
    "format_estimate",
    "format_plus_minus",
    "format_to_noise",
    "holm",
    "interaction_tests",
    "interactions",
    "is_clear",
    "linear_contrast",
    "main_effects",
    "noise_decimals",
    "noise_upper_bound",
    "one_sided_dunnett",
    "pooled_noise",
    "repeats_needed",
    "round_to_noise",
    "sign_reversals",
    "t_interval",
    "unequal_noise",
    "usable_runs",
]
