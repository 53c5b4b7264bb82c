"""The one-sided Dunnett constant: the critical value of m comparisons with one reference.

Hsu's multiple comparisons with the best (MCB) compares each configuration with the
best of the others, and needs the constant d with

    P(max_i T_i <= d) = confidence,   T_i = (Z_i - Z_0) / (sqrt(2) S),

Z_0..Z_m independent standard normals (equal replicates: the m differences with the
reference are correlated 1/2) and S^2 ~ chi^2_df / df the pooled noise's scale.
Conditioning on Z_0 = z and S = s makes the T_i independent:

    P = E_S [ integral phi(z) Phi(z + sqrt(2) d s)^m dz ],

computed with Gauss-Hermite nodes over z and Gauss-Legendre nodes over the
probability scale of S (Dunnett 1955; Hsu 1996, ch. 4). For m = 1 it is the
one-sided t quantile.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import optimize, special, stats

from trainlab.errors import ConfigError
from trainlab.stats.table import check_confidence

NODES = 64  # quadrature nodes per dimension: the constant to ~1e-7 against scipy's t at m = 1


def one_sided_dunnett(m: int, df: float, confidence: float = 0.95) -> float:
    """The constant d of m one-sided comparisons with a common reference (correlation 1/2).

    df may be math.inf (a known noise scale). Raises ConfigError for m < 1 or df <= 0.
    """
    check_confidence(confidence)
    if m < 1:
        raise ConfigError(f"m must be a positive number of comparisons, got {m!r}")
    if not df > 0:
        raise ConfigError(f"df must be positive, got {df!r}")
    return _constant(int(m), float(df), float(confidence))


@functools.lru_cache(maxsize=256)
def _constant(m: int, df: float, confidence: float) -> float:
    if m == 1:
        return float(stats.t.ppf(confidence, df))
    z, z_weights = special.roots_hermitenorm(NODES)
    z_weights = z_weights / z_weights.sum()
    if math.isinf(df):
        scales, scale_weights = np.ones(1), np.ones(1)
    else:
        # S at Gauss-Legendre nodes of its probability scale: any df, whole or not.
        u, scale_weights = special.roots_legendre(NODES)
        scales = np.sqrt(stats.chi2.ppf((u + 1) / 2, df) / df)
        scale_weights = scale_weights / scale_weights.sum()

    def coverage(d: float) -> float:
        inner = special.ndtr(z[None, :] + math.sqrt(2) * d * scales[:, None]) ** m
        return float(scale_weights @ (inner @ z_weights))

    upper = 1.0
    while coverage(upper) < confidence:
        upper *= 2
    return float(optimize.brentq(lambda d: coverage(d) - confidence, 0.0, upper, xtol=1e-10))
