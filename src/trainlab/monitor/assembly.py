"""Assembly: what a Monitor captured, as a `Record` with the metadata a reader needs.

Activations get one row per optimizer step, from the last training forward before it
(`trainlab.monitor.forwards`), or one per forward when no step was taken; weights and
gradients have theirs already. The signals of a layer (its gradient's and its weight's)
and of a call site (its net values' and its outputs') are put side by side. The
metadata say what was captured and how, so a reader can tell "not captured" (absent,
NaN) from 0.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch

from trainlab.monitor.capture import Capture
from trainlab.monitor.config import MonitorConfig
from trainlab.monitor.forwards import take_rows
from trainlab.monitor.raw import Key
from trainlab.monitor.record import (
    ACTIVATION_SIGNALS,
    KINDS,
    LAYER_SIGNALS,
    QUANTILE_LEVELS,
    SATURATION_MARGIN,
    Record,
)
from trainlab.monitor.summary import SAMPLE_SIZE
from trainlab.monitor.tracks import DIRECT_LIMIT

ACTIVATION_KINDS = ("net_values", "outputs")  # captured per forward, kept per step


def assemble(capture: Capture, losses: np.ndarray) -> Record:
    """The record of `capture` (its pending steps summarised first) and of `losses`
    ((logged steps, 2): train, validation), padded with NaN to the steps taken; its
    ``meta`` is left to the caller (`record_meta`)."""
    capture.flush()
    sites = capture.sites
    record = Record()
    signals: dict[Key, np.ndarray] = {}
    for key, track in capture.tracks.items():
        kind, site = key[0], sites.name(key)
        rows = capture.map.step_rows(key[1:]) if kind in ACTIVATION_KINDS else None
        record.summaries(kind)[site] = take_rows(track.stats.numpy(), rows)
        record.quantiles.setdefault(kind, {})[site] = take_rows(track.levels.numpy(), rows)
        signals[key] = take_rows(track.signals.numpy(), rows)
    for watched in sites.params:
        weight = signals.get(("weights", watched.key, 0))
        if weight is None:
            continue
        grad = signals.get(("grads", watched.key, 0))
        if grad is None:
            grad = np.full((len(weight), 1), np.nan, np.float32)
        record.layer_signals[watched.key] = _columns([grad, weight])
    for key in signals:
        if key[0] == "net_values":
            outputs = signals.get(("outputs", *key[1:]), np.zeros((0, 1), np.float32))
            record.activation_signals[sites.name(key)] = _columns([signals[key], outputs])
    n_steps = max(capture.steps, len(losses))
    padded = np.full((n_steps, 2), np.nan, np.float32)
    padded[: len(losses)] = losses
    record.train_loss = padded[:, 0].copy()
    record.val_loss = padded[:, 1].copy()
    if capture.raw is not None:
        for key, values in capture.raw.values.items():
            rows = capture.map.step_rows(key[1:]) if key[0] in ACTIVATION_KINDS else None
            if rows is not None:
                values = [values[i] for i in rows if 0 <= i < len(values)]
            per_kind = record.tensors.setdefault(key[0], {})
            per_kind[sites.name(key)] = [v.cpu().numpy() for v in values]
    return record


def record_meta(
    capture: Capture, *, model: str, config: MonitorConfig, seed: int, notes: list[str],
    missing: dict[str, str], optimizers: list[torch.optim.Optimizer],
    counting: torch.optim.Optimizer | None,
) -> dict:  # fmt: skip
    """A record's ``meta``: what was watched, captured and said, and how.

    Args:
        capture: the Monitor's capture (and through it, its sites).
        model: the model's class name.
        config: the Monitor's config.
        seed: the seed of its fixed element samples.
        notes: what it says (`Notes.at_record`); `missing`: the signals not captured
            and why (`Notes.missing`).
        optimizers: the watched optimizers; `counting` the one whose steps count.
    """
    sites = capture.sites
    seen = {key[1] for key in capture.tracks if key[0] == "net_values"}
    layer_signals = [s for s in LAYER_SIGNALS if config.grads or s != "grad_norm"]
    meta = {
        "mode": config.mode,
        "model": model,
        "layers": {w.key: list(w.param.shape) for w in sites.params},
        "param_types": {w.key: w.module_type for w in sites.params},
        # the Linear and Conv weights among them, in model order: what the diagnoses
        # compare (their thresholds were measured on such layers)
        "weight_layers": [w.key for w in sites.params if w.layer],
        "tied": {w.key: list(w.names) for w in sites.params if len(w.names) > 1},
        "frozen": [w.key for w in sites.params if w.frozen],
        "params_not_recorded": dict(sites.skipped),
        "activations": {
            **{name: type(module).__name__ for module, name in sites.activations.items()},
            **{name: type(sites.modules[name]).__name__ for name in sites.functional},
        },
        "functional_sites": sorted(sites.functional),
        # the layer whose output a functional site took, where it was one
        "activation_inputs": {
            sites.name(("net_values", *site)): layer for site, layer in sites.inputs_of.items()
        },
        "calls_per_forward": dict(sites.max_calls),
        "optimizer_steps": capture.steps,
        "forward_passes": capture.map.forwards,
        "forwards_per_step": capture.map.per_step(),
        "optimizers": [type(opt).__name__ for opt in optimizers],
        "counting_optimizer": type(counting).__name__ if counting else None,
        "monitor_config": _config_meta(config),
        "grads": config.grads,
        "exact_limit": config.exact_limit,
        "summary_sample_size": SAMPLE_SIZE,
        # Larger tensors are read in the hook, and a weight's update norm is then
        # estimated from the sample (docs/monitor.md).
        "direct_limit": DIRECT_LIMIT,
        "summary_bytes_per_step": capture.summary_bytes_per_step,
        "seed": seed,
        "kinds": [kind for kind in KINDS if any(key[0] == kind for key in capture.tracks)],
        # What was captured, so a reader can tell "not captured" (absent, NaN) from 0.
        "quantile_levels": list(QUANTILE_LEVELS),
        "signals": {
            "layer": layer_signals if sites.params else [],
            "activation": list(ACTIVATION_SIGNALS) if seen else [],
        },
        "missing_signals": dict(missing),
        "notes": list(notes),
        "saturation_bounds": {name: sites.bounds[name] for name in sites.modules},
        "saturation_margin": SATURATION_MARGIN,
    }
    raw = capture.raw
    if raw is not None:
        meta.update(
            max_bytes=raw.max_bytes,
            raw_bytes=raw.nbytes,
            capture_stopped_at_step=raw.stopped_at,
        )
    if config.mode == "sample":
        meta["sample_size"] = raw.sample_size
        meta["sample_indices"] = {
            f"{family}/{name}#{call}": index.tolist()
            for (purpose, family, name, call, _), index in capture.indices.items()
            if purpose == "sample"
        }
    return meta


def _config_meta(config: MonitorConfig) -> dict:
    """The Monitor's config as JSON-ready data (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()}


def _columns(parts: list[np.ndarray]) -> np.ndarray:
    """Side by side, the shorter padded with NaN rows at the end (a step cut short)."""
    rows = max(len(part) for part in parts)
    out = np.full((rows, sum(part.shape[1] for part in parts)), np.nan, np.float32)
    column = 0
    for part in parts:
        out[: len(part), column : column + part.shape[1]] = part
        column += part.shape[1]
    return out
