"""Diagnoses on real training runs: known pathologies, healthy runs, and the suggested fixes.

MLPs on Fashion-MNIST (the first 2,000 training samples unless said otherwise, 5,000
validation samples, inputs standardized per feature, batch 32), trained by
`trainlab.train.fit` with a Monitor recording gradients and signals. Each
pathology is a deliberately broken configuration with the diagnosis it must raise;
each healthy configuration must raise none. For each pathology the changes of the
diagnosis it raised (the expected one, else the first) are applied and the run
is diagnosed again: "cured" when that diagnosis is gone.

    .venv/bin/python benchmarks/diagnosis.py [--threads 1] [--only NAME ...]

Prints one table per group and the total time (a few minutes on two cores).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from trainlab.data import TensorLoader, load_splits
from trainlab.diagnose import Diagnosis, diagnose
from trainlab.diagnose.evidence import nanmedian, view
from trainlab.models import mlp
from trainlab.monitor import Monitor
from trainlab.train import EarlyStopping, MonitorLogger, fit

# Settings every run starts from, in config keys; "init.*" are this benchmark's knobs
# for a broken initialisation (scale the weights, set the hidden biases, zero all),
# replaced by any change of the model's init.
BASE: dict[str, Any] = {
    "model.mlp.hidden": (128, 64),
    "model.mlp.activation": "relu",
    "model.mlp.init": "default",
    "model.mlp.dropout": 0.0,
    "model.mlp.batch_norm": "none",
    "optim.name": "adam",
    "optim.lr": 1e-3,
    "optim.momentum": 0.0,
    "optim.weight_decay": 0.0,
    "train.epochs": 3,
    "train.max_steps": 0,
    "train.early_stopping": "none",
    "train.patience": 3,
    "data.train_size": 2_000,
}
HEALTHY: dict[str, Any] = {  # a sound protocol: trained to its best validation loss
    "model.mlp.init": "he", "train.epochs": 30, "train.early_stopping": "patience",
}  # fmt: skip
INIT_KNOBS = ("init.scale", "init.bias", "init.zero")


@dataclass(frozen=True)
class Setup:
    """One benchmark configuration: what is broken and what it must be diagnosed as."""

    name: str
    expected: str | None  # the diagnosis a pathology must raise; None: a healthy run
    about: str
    settings: dict[str, Any] = field(default_factory=dict)


PATHOLOGIES = (
    Setup("adam_lr10", "diverged", "Adam at lr 10", {"optim.lr": 10.0}),
    Setup("sgd_lr2", "diverged", "SGD at lr 2", {"optim.name": "sgd", "optim.lr": 2.0}),
    Setup("deep_relu_big_init", "exploding_gradients", "8 ReLU layers, He init x2.5, SGD 0.01",
          {"model.mlp.hidden": (64,) * 8, "model.mlp.init": "he", "init.scale": 2.5,
           "optim.name": "sgd", "optim.lr": 0.01}),
    Setup("adam_lr0.05", "lr_too_high", "Adam at lr 0.05", {"optim.lr": 0.05}),
    Setup("sgd_lr0.5", "lr_too_high", "SGD at lr 0.5", {"optim.name": "sgd", "optim.lr": 0.5}),
    Setup("adam_lr1e-7", "lr_too_low", "Adam at lr 1e-7", {"optim.lr": 1e-7}),
    Setup("sgd_lr1e-5", "lr_too_low", "SGD at lr 1e-5", {"optim.name": "sgd", "optim.lr": 1e-5}),
    Setup("deep_sigmoid_small_init", "vanishing_gradients", "10 sigmoid layers, init x0.1, SGD",
          {"model.mlp.hidden": (64,) * 10, "model.mlp.activation": "sigmoid",
           "init.scale": 0.1, "optim.name": "sgd", "optim.lr": 0.1}),
    Setup("relu_negative_bias", "dying_relu", "ReLU, hidden biases -3", {"init.bias": -3.0}),
    Setup("zero_init", "dying_relu", "ReLU, all weights and biases 0", {"init.zero": True}),
    Setup("tanh_big_init", "saturation", "tanh, init x8", {"model.mlp.activation": "tanh",
                                                          "init.scale": 8.0}),
    Setup("sigmoid_big_init", "saturation", "sigmoid, init x16",
          {"model.mlp.activation": "sigmoid", "init.scale": 16.0}),
    Setup("tiny_train_long", "overfitting", "256 samples, 512-256 units, 60 epochs",
          {"data.train_size": 256, "model.mlp.hidden": (512, 256), "train.epochs": 60}),
    Setup("too_short", "not_converged", "40 steps at lr 3e-4",
          {"optim.lr": 3e-4, "train.epochs": 1, "train.max_steps": 40}),
)  # fmt: skip

HEALTHY_RUNS = (
    Setup("adam_relu", None, "Adam 1e-3, ReLU, He init", HEALTHY),
    Setup("sgd_momentum", None, "SGD 0.01, momentum 0.9",
          {**HEALTHY, "optim.name": "sgd", "optim.lr": 0.01, "optim.momentum": 0.9}),
    Setup("sgd_plain", None, "SGD 0.1", {**HEALTHY, "optim.name": "sgd", "optim.lr": 0.1}),
    Setup("tanh_xavier", None, "Adam, tanh, Glorot init",
          {**HEALTHY, "model.mlp.activation": "tanh", "model.mlp.init": "xavier"}),
    Setup("gelu", None, "Adam, GELU, default init",
          {**HEALTHY, "model.mlp.activation": "gelu", "model.mlp.init": "default"}),
    Setup("leaky_relu", None, "Adam, LeakyReLU", {**HEALTHY, "model.mlp.activation": "leaky_relu"}),
    Setup("dropout", None, "256-128 units, dropout 0.3",
          {**HEALTHY, "model.mlp.hidden": (256, 128), "model.mlp.dropout": 0.3}),
    Setup("more_data", None, "5,000 samples, 256-128 units",
          {**HEALTHY, "model.mlp.hidden": (256, 128), "data.train_size": 5_000}),
)  # fmt: skip


# Healthy configurations added after the thresholds were set, as a check on them.
HELD_OUT = (
    Setup("sigmoid", None, "Adam, sigmoid, default init",
          {**HEALTHY, "model.mlp.activation": "sigmoid", "model.mlp.init": "default"}),
    Setup("batch_norm", None, "Adam, batch norm before ReLU",
          {**HEALTHY, "model.mlp.batch_norm": "before"}),
    Setup("three_layers", None, "256-128-64 units",
          {**HEALTHY, "model.mlp.hidden": (256, 128, 64)}),
    Setup("adam_3e-4", None, "Adam 3e-4", {**HEALTHY, "optim.lr": 3e-4}),
    Setup("weight_decay", None, "Adam, weight decay 1e-4", {**HEALTHY, "optim.weight_decay": 1e-4}),
    Setup("tanh_sgd", None, "SGD 0.05, tanh, Glorot init",
          {**HEALTHY, "model.mlp.activation": "tanh", "model.mlp.init": "xavier",
           "optim.name": "sgd", "optim.lr": 0.05}),
    Setup("sgd_10k", None, "10,000 samples, SGD 0.01 momentum 0.9",
          {**HEALTHY, "data.train_size": 10_000, "optim.name": "sgd", "optim.lr": 0.01,
           "optim.momentum": 0.9}),
)  # fmt: skip


def build(settings: dict[str, Any]) -> nn.Module:
    """The MLP of `settings`, with this benchmark's broken-init knobs applied."""
    torch.manual_seed(0)
    model = mlp(
        784, list(settings["model.mlp.hidden"]), 10, flatten=True,
        activation=settings["model.mlp.activation"], init=settings["model.mlp.init"],
        dropout=settings["model.mlp.dropout"], batch_norm=settings["model.mlp.batch_norm"],
    )  # fmt: skip
    with torch.no_grad():
        for module in model.modules():
            if not isinstance(module, nn.Linear):
                continue
            if "init.scale" in settings:
                module.weight.mul_(settings["init.scale"])
            if "init.bias" in settings and module is not model.output:
                module.bias.fill_(settings["init.bias"])
            if settings.get("init.zero"):
                module.weight.zero_()
                module.bias.zero_()
    return model


def train(settings: dict[str, Any], splits, *, measure: bool = False) -> list[Diagnosis]:
    """Train one configuration and diagnose it from its record and history (with
    `measure`, first print the numbers the rules compare with their thresholds)."""
    model = build(settings)
    name, lr = settings["optim.name"], settings["optim.lr"]
    if name == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=lr,
                                     weight_decay=settings["optim.weight_decay"])  # fmt: skip
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=settings["optim.momentum"],
                                    weight_decay=settings["optim.weight_decay"])  # fmt: skip
    monitor = Monitor(model, grads=True)
    callbacks = [MonitorLogger(monitor, val_size=512)]
    if settings["train.early_stopping"] == "patience":
        callbacks.append(EarlyStopping(patience=settings["train.patience"]))
    n = settings["data.train_size"]
    history = fit(
        model,
        TensorLoader(splits.train_x[:n], splits.train_y[:n], 32, shuffle=True, seed=0),
        TensorLoader(splits.val_x, splits.val_y, 1024, shuffle=False),
        optimizer,
        epochs=settings["train.epochs"],
        max_steps=settings["train.max_steps"] or None,
        callbacks=callbacks,
        progress=False,
        device="cpu",
    )
    monitor.detach()
    record = monitor.to_record()
    if measure:
        print("    measured: " + ", ".join(f"{k} {v:.3g}" for k, v in quantities(record, history)))
    return diagnose(record, history)


def quantities(record, history) -> list[tuple[str, float]]:
    """The numbers the rules compare with their thresholds, for the thresholds' sources."""
    run = view(record, history)
    late_med = [nanmedian(run.late(run.signal("update_ratio", name))) for name in run.layers]
    relative = [run.relative_gradient(name) for name in run.layers]
    late_rel = [nanmedian(run.late(r)) for r in relative]
    found = [
        ("late/first loss", run.late_loss() / run.initial_loss),
        ("max loss/first", float(np.nanmax(run.train_loss)) / run.initial_loss),
        ("update_ratio", nanmedian(late_med)),
        (
            "max grad/weight",
            max(float(np.nanmax(r)) if np.isfinite(r).any() else 0 for r in relative),
        ),
        ("first/last grad/weight", late_rel[0] / late_rel[-1] if late_rel[-1] else float("nan")),
    ]
    curve = run.val if run.val is not None else run.train
    if curve is not None and len(curve) >= 4:
        values = curve.values
        best = int(np.nanargmin(values))
        start = int(np.floor(0.75 * (len(values) - 1)))
        found += [
            ("final/lowest val", values[-1] / values[best]),
            (f"{curve.unit}s after min", len(values) - 1 - best),
            ("last-quarter fall", (values[start] - values[-1]) / values[start]),
        ]
    for site, kind in run.site_types.items():
        dead = run.late(run.signal("dead_frac", site))
        saturated = run.signal("saturated_frac", site)
        if kind in ("ReLU", "ReLU6"):
            found.append((f"{site} dead share", float(np.mean(dead >= 0.5))))
        if np.isfinite(saturated).any():
            found.append((f"{site} saturated at start", nanmedian(saturated[:10])))
            found.append((f"{site} saturated share", float(np.mean(run.late(saturated) >= 0.5))))
    return found


def apply(settings: dict[str, Any], diagnosis: Diagnosis) -> dict[str, Any]:
    """`settings` with the diagnosis's changes; a new init replaces the broken-init knobs."""
    changed = dict(settings)
    for key, value in diagnosis.changes:
        if key == "model.mlp.init":
            for knob in INIT_KNOBS:
                changed.pop(knob, None)
        changed[key] = value
    return changed


def _names(diagnoses: list[Diagnosis]) -> str:
    return ", ".join(f"{d.name}" + (f"({d.layer})" if d.layer else "") for d in diagnoses) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="setup names to run (default: all)")
    parser.add_argument(
        "--measure",
        action="store_true",
        help="print the numbers each rule compares with its thresholds",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    splits = load_splits("fashion-mnist", val_size=5_000, standardize="feature")
    wanted = set(args.only or ())

    print("Pathologies: detected with the expected name? Then its suggested change, re-run.")
    print(f"{'setup':24s} {'expected':20s} {'found':6s} change applied -> after")
    detected = cured = total = 0
    for setup in PATHOLOGIES:
        if wanted and setup.name not in wanted:
            continue
        total += 1
        settings = {**BASE, **setup.settings}
        found = train(settings, splits, measure=args.measure)
        hit = next((d for d in found if d.name == setup.expected), None)
        detected += hit is not None
        target = hit or (found[0] if found else None)
        change, after, again = "-", "-", []
        if target is not None and target.changes:
            change = ", ".join(f"{k}={v}" for k, v in target.changes)
            again = train(apply(settings, target), splits)
            gone = all(d.name != target.name for d in again)
            cured += gone
            after = "cured" if gone else "NOT cured"
        print(f"{setup.name:24s} {setup.expected:20s} {'yes' if hit else 'NO':6s} "
              f"{change} -> {after}")  # fmt: skip
        print(f"    {setup.about}; raised: {_names(found)}; after the change: {_names(again)}")
    print(f"detected {detected}/{total} with the expected name; the change cured {cured}/{total}")

    for title, group in (("Healthy runs", HEALTHY_RUNS), ("Held-out healthy runs", HELD_OUT)):
        print(f"\n{title}: every diagnosis raised (expected none)")
        clean = runs = 0
        for setup in group:
            if wanted and setup.name not in wanted:
                continue
            runs += 1
            found = train({**BASE, **setup.settings}, splits, measure=args.measure)
            clean += not found
            print(f"{setup.name:24s} {setup.about:40s} {_names(found)}")
            for d in found:
                evidence = "; ".join(
                    f"{e.quantity} = {e.value:.3g} {e.comparison} {e.threshold:g}"
                    for e in d.evidence
                )
                print(f"    {d.name} at {d.where()}: {evidence}")
        print(f"{clean}/{runs} without a diagnosis")
    print(f"\ntotal {time.perf_counter() - start:.0f} s ({torch.get_num_threads()} torch threads)")


if __name__ == "__main__":
    main()
