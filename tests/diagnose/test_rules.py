"""Each rule on scripted runs (Records and Histories written by hand, one signal at a
time): a case just inside and one just outside each threshold, and the edge cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from trainlab.diagnose import RULES, diagnose
from trainlab.errors import ConfigError
from trainlab.monitor.record import (
    ACTIVATION_SIGNALS,
    LAYER_SIGNALS,
    STAT_INDEX,
    STATS,
    Record,
)
from trainlab.train.history import History

SHAPE = (10, 10)  # every scripted layer: 100 weights
LAYERS = ("hidden1", "hidden2", "output")


def healthy_loss(steps: int) -> np.ndarray:
    """A training loss falling from 2.3 to a plateau at 0.3 by the middle of the run."""
    return 0.3 + 2.0 * np.exp(-np.arange(steps) / (steps / 10))


def record(
    steps: int = 100,
    *,
    loss: np.ndarray | None = None,
    val: np.ndarray | None = None,
    grad: dict[str, np.ndarray] | float = 0.1,
    weight: dict[str, np.ndarray] | float = 1.0,
    ratio: dict[str, np.ndarray] | float = 1e-3,
    nonfinite: dict[str, np.ndarray] | None = None,
    sites: dict[str, str] | None = None,
    dead: dict[str, np.ndarray] | float = 0.0,
    saturated: dict[str, np.ndarray] | float = math.nan,
    grads: bool = True,
    layers: tuple[str, ...] = LAYERS,
) -> Record:
    """A Record of `steps` steps; each signal a number (every layer, every step), or per
    layer an array over steps. Defaults: a healthy run of three layers and one ReLU."""
    sites = {"hidden1.act": "ReLU"} if sites is None else sites
    rec = Record(
        train_loss=np.asarray(healthy_loss(steps) if loss is None else loss, np.float32),
        val_loss=np.full(steps, np.nan, np.float32) if val is None else np.asarray(val, np.float32),
        meta={
            "layers": {name: list(SHAPE) for name in layers},
            "activations": dict(sites),
            "grads": grads,
            "signals": {
                "layer": [s for s in LAYER_SIGNALS if grads or s != "grad_norm"],
                "activation": list(ACTIVATION_SIGNALS),
            },
        },
    )
    for name in layers:
        w = _per_step(weight, name, steps)
        columns = [
            _per_step(grad, name, steps) if grads else np.full(steps, np.nan),
            w,
            _per_step(ratio, name, steps) * w,
            _per_step(ratio, name, steps),
        ]
        rec.layer_signals[name] = np.stack(columns, axis=1).astype(np.float32)
        stats = np.zeros((steps + 1, len(STATS)), np.float32)
        stats[:, STAT_INDEX["std"]] = np.concatenate([[w[0]], w]) / math.sqrt(math.prod(SHAPE))
        if nonfinite and name in nonfinite:
            stats[1:, STAT_INDEX["nonfinite_frac"]] = nonfinite[name]
        rec.weights[name] = stats
    for site in sites:
        rec.activation_signals[site] = np.stack(
            [_per_step(dead, site, steps), _per_step(saturated, site, steps)], axis=1
        ).astype(np.float32)
    return rec


def history(
    val: list[float],
    train: list[float] | None = None,
    *,
    steps_per_epoch: int = 10,
    lr: float = 1e-3,
    status: str = "completed",
) -> History:
    """A History of len(val) epochs of `steps_per_epoch` steps each."""
    train = train if train is not None else list(np.linspace(1.0, 0.2, len(val)))
    epochs, batches = [], []
    for e, (v, t) in enumerate(zip(val, train, strict=True), start=1):
        epochs.append({"epoch": e, "train_loss": t, "val_loss": v, "lr": lr})
        for i in range(steps_per_epoch):
            step = (e - 1) * steps_per_epoch + i + 1
            batches.append({"step": step, "epoch": e, "loss": t, "grad_norm": 1.0})
    return History(epochs=epochs, batches=batches, status=status)


def _per_step(value: dict[str, np.ndarray] | float, name: str, steps: int) -> np.ndarray:
    if isinstance(value, dict):
        value = value.get(name, 0.0)
    return np.broadcast_to(np.asarray(value, np.float64), (steps,)).copy()


N = 100  # steps of a scripted run; the late part is steps 51-100
LATE = slice(N // 2, N)


def _late(value: float, early: float) -> np.ndarray:
    """`early` on the first half of the run, `value` on the late half."""
    series = np.full(N, early)
    series[LATE] = value
    return series


def _flat(level: float) -> np.ndarray:
    """A loss starting at 2.3 and staying at `level` x 2.3 from step 2."""
    loss = np.full(N, 2.3 * level)
    loss[0] = 2.3
    return loss


def _share_dead(share: float, level: float = 0.6) -> np.ndarray:
    """dead_frac at `level` on `share` of the late steps, 0 elsewhere."""
    dead = np.zeros(N)
    late_steps = np.arange(N // 2, N)
    dead[late_steps[: round(share * len(late_steps))]] = level
    return dead


def _falling(epochs: int, last_quarter_drop: float) -> list[float]:
    """Validation losses per epoch flat at 1.0, then falling by `last_quarter_drop` over
    the last quarter, each epoch a new minimum."""
    start = int(np.floor(0.75 * (epochs - 1)))
    val = list(np.linspace(1.3, 1.0, start + 1))
    return val + list(np.linspace(1.0, 1.0 - last_quarter_drop, epochs - start)[1:])


def _overfit(gl: float, after: int, *, train_falls: bool = True) -> dict:
    val = [1.0, 0.8, 0.6, 0.5] + list(np.linspace(0.5, 0.5 * (1 + gl), after + 1)[1:])
    train = list(np.linspace(1.0, 0.1, len(val)))
    if not train_falls:
        train = train[:4] + [train[3] * 1.1] * after
    return {"val": val, "train": train}


CASES = [
    # (case id, record options, history options (None: no History), diagnoses expected)
    ("healthy", {}, None, set()),
    ("healthy with history", {}, {"val": [1.0, 0.8, 0.7, 0.65, 0.64, 0.66, 0.65]}, set()),
    # diverged: an infinite loss, non-finite weights, fit's status, or 100x the first loss
    ("inf loss", {"loss": np.where(np.arange(N) == 60, np.inf, healthy_loss(N))}, None,
     {"diverged"}),
    ("nan loss alone is not logged", {"loss": np.where(np.arange(N) > 90, np.nan,
                                                       healthy_loss(N))}, None, set()),
    ("nan weights", {"nonfinite": {"hidden2": _late(0.3, 0.0)}}, None, {"diverged"}),
    ("fit says diverged (no not_converged)", {}, {"val": [1.0, 0.9, 0.8, 0.7],
                                                  "status": "diverged"},
     {"diverged"}),
    ("loss 101x", {"loss": np.where(np.arange(N) == 5, 2.3 * 101, healthy_loss(N))}, None,
     {"diverged"}),
    ("loss 99x", {"loss": np.where(np.arange(N) == 5, 2.3 * 99, healthy_loss(N))}, None,
     set()),
    # lr_too_high: update_ratio above 5e-3 and the loss not halved (or risen 2x)
    ("ratio 6e-3 loss 0.6x", {"ratio": 6e-3, "loss": _flat(0.6)}, None, {"lr_too_high"}),
    ("ratio 4e-3 loss 0.6x", {"ratio": 4e-3, "loss": _flat(0.6)}, None, set()),
    ("ratio 6e-3 loss 0.4x", {"ratio": 6e-3, "loss": _flat(0.4)}, None, set()),
    ("ratio 6e-3 val risen 2.1x", {"ratio": 6e-3}, {"val": [1.0, 0.5, 0.6, 0.8, 1.05]},
     {"lr_too_high"}),
    ("ratio 6e-3 val risen 1.9x", {"ratio": 6e-3}, {"val": [1.0, 0.5, 0.6, 0.8, 0.95]},
     set()),
    # lr_too_low: update_ratio below 1e-4, a flat loss (> 0.9x), a gradient that is there
    ("ratio 9e-5 flat", {"ratio": 9e-5, "loss": _flat(0.95)}, None, {"lr_too_low"}),
    ("ratio 1.1e-4 flat", {"ratio": 1.1e-4, "loss": _flat(0.95)}, None, set()),
    ("ratio 9e-5 falling 0.85x", {"ratio": 9e-5, "loss": _flat(0.85)}, None, set()),
    ("ratio 9e-5 no gradient", {"ratio": 9e-5, "loss": _flat(0.95), "grad": 9e-4}, None,
     set()),
    ("ratio 9e-5 grads not captured", {"ratio": 9e-5, "loss": _flat(0.95), "grads": False},
     None, {"lr_too_low"}),
    ("ratio 0: a dead network", {"ratio": 0.0, "loss": _flat(0.95)}, None, set()),
    # vanishing_gradients: first / last layer relative gradient below 1e-2
    ("first/last 0.009", {"grad": {"hidden1": 0.0009, "hidden2": 0.05, "output": 0.1}}, None,
     {"vanishing_gradients"}),
    ("first/last 0.011", {"grad": {"hidden1": 0.0011, "hidden2": 0.05, "output": 0.1}}, None,
     set()),
    ("no grads: update ratios", {"grads": False, "ratio": {"hidden1": 9e-6, "hidden2": 1e-4,
                                                           "output": 1e-3}}, None,
     {"vanishing_gradients"}),
    ("nothing flows at the top", {"grad": 0.0, "ratio": 0.0}, None, set()),
    # exploding_gradients: gradient norm above 100x the weight norm
    ("gradient 101x", {"grad": {"hidden2": np.where(np.arange(N) == 40, 101.0, 0.1)}}, None,
     {"exploding_gradients"}),
    ("gradient 99x", {"grad": {"hidden2": np.where(np.arange(N) == 40, 99.0, 0.1)}}, None,
     set()),
    # dying_relu: dead_frac >= 0.5 on >= 80 % of the late steps, ReLU only
    ("dead on 84% of late steps", {"dead": {"hidden1.act": _share_dead(0.84)}}, None,
     {"dying_relu"}),
    ("dead on 76% of late steps", {"dead": {"hidden1.act": _share_dead(0.76)}}, None, set()),
    ("dead 0.49 everywhere", {"dead": 0.49}, None, set()),
    ("GELU is not dying", {"dead": 0.9, "sites": {"hidden1.act": "GELU"}}, None, set()),
    # saturation: saturated from the first 10 steps and on >= 80 % of the late steps
    ("saturated 0.6 from the start", {"saturated": 0.6, "sites": {"h.act": "Tanh"}}, None,
     {"saturation"}),
    ("saturated 0.45 at the start", {"saturated": {"h.act": _late(0.6, 0.45)},
                                     "sites": {"h.act": "Tanh"}}, None, set()),
    ("saturated late only 76%", {"saturated": {"h.act": np.r_[np.full(50, 0.6),
                                                              _share_dead(0.76)[50:]]},
                                 "sites": {"h.act": "Tanh"}}, None, set()),
    # overfitting: GL > 10 % after >= 5 epochs above the minimum, train loss falling
    ("GL 11% over 6 epochs", {}, _overfit(0.11, 6), {"overfitting"}),
    ("GL 9% over 6 epochs", {}, _overfit(0.09, 6), set()),
    ("GL 20% over 4 epochs", {}, _overfit(0.2, 4), set()),
    ("GL 20% train not falling", {}, _overfit(0.2, 6, train_falls=False), set()),
    # not_converged: the last point the best, > 5 % below the last quarter's start
    ("falling 6% at the end", {}, {"val": _falling(12, 0.06)}, {"not_converged"}),
    ("falling 4% at the end", {}, {"val": _falling(12, 0.04)}, set()),
    ("fell, then rose at the end", {}, {"val": _falling(12, 0.06)[:-1] + [0.97]}, set()),
]  # fmt: skip


@pytest.mark.parametrize(
    "record_options, history_options, expected",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rules_on_scripted_runs(record_options, history_options, expected):
    rec = record(N, **record_options)
    hist = None
    if history_options is not None:
        options = dict(history_options)
        steps_per_epoch = N // len(options["val"])
        hist = history(options.pop("val"), options.pop("train", None),
                       steps_per_epoch=steps_per_epoch, **options)  # fmt: skip
    found = diagnose(rec, hist)
    assert {d.name for d in found} == expected, [(d.name, d.evidence) for d in found]


def test_every_diagnosis_names_its_evidence_threshold_and_change():
    found = diagnose(record(N, ratio=9e-5, loss=_flat(0.95)), history([1.0] * 4, lr=1e-3))
    (low,) = found
    assert low.name == "lr_too_low" and low.severity == "warning" and low.layer is None
    assert low.steps == (51, 100)
    assert low.changes == (("optim.lr", 0.01),)  # 1e-3 x (1e-3 / 9e-5), one digit
    assert "optim.lr = 0.01" in low.suggestion and low.explanation.endswith(".")
    ratio = low.evidence[0]
    assert ratio.value == pytest.approx(9e-5) and ratio.comparison == "<"
    assert ratio.threshold == 1e-4 and "Karpathy" in ratio.source
    text = json.dumps([d.to_dict() for d in found], allow_nan=False)
    assert json.loads(text)[0]["changes"] == {"optim.lr": 0.01}


def test_non_finite_evidence_is_json_ready():
    found = diagnose(record(N, loss=np.where(np.arange(N) == 60, np.inf, healthy_loss(N))))
    assert found[0].steps == (61, 100)
    data = json.loads(json.dumps(found[0].to_dict(), allow_nan=False))
    assert data["evidence"][0]["value"] == 1 and data["evidence"][0]["threshold"] == 0


def test_diagnoses_come_most_serious_first():
    found = diagnose(record(N, dead=0.9, grad={"hidden2": np.where(np.arange(N) == 40, 500, 0.1)}))
    assert [d.name for d in found] == ["exploding_gradients", "dying_relu"]


@pytest.mark.parametrize("steps", [1, 2])
def test_a_run_of_one_or_two_steps(steps):
    assert diagnose(record(steps)) == []
    nan_weights = record(steps, nonfinite={"hidden1": np.ones(steps)})
    assert [d.name for d in diagnose(nan_weights)] == ["diverged"]


def test_nan_in_a_layer_or_no_activations_or_no_signals_is_skipped_not_crashed():
    nan_layer = record(N, grad={"hidden2": np.nan}, weight={"hidden2": np.nan},
                       ratio={"hidden2": np.nan})  # fmt: skip
    assert diagnose(nan_layer) == []
    assert diagnose(record(N, sites={})) == []  # a model without activations
    bare = record(N)
    bare.layer_signals.clear()
    bare.activation_signals.clear()
    bare.meta.pop("signals")
    assert diagnose(bare) == []
    assert [d.name for d in diagnose(record(N, ratio=0.0, loss=_flat(0.95)), None)] == []


def test_without_a_record_or_without_a_history():
    assert diagnose(None, None) == []
    hist = history([1.0, 0.9, 0.95, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8])
    assert [d.name for d in diagnose(None, hist)] == ["overfitting"]


def test_rules_can_be_chosen_and_unknown_names_are_refused():
    rec = record(N, dead=0.9, ratio=9e-5, loss=_flat(0.95))
    assert {d.name for d in diagnose(rec)} == {"dying_relu", "lr_too_low"}
    assert [d.name for d in diagnose(rec, rules=["dying_relu"])] == ["dying_relu"]
    with pytest.raises(ConfigError, match="unknown diagnosis 'dead'"):
        diagnose(rec, rules=["dead"])


def test_registry_lists_each_rule_once_with_what_it_needs():
    assert list(RULES) == [
        "diverged", "exploding_gradients", "vanishing_gradients", "dying_relu", "saturation",
        "lr_too_high", "lr_too_low", "overfitting", "not_converged",
    ]  # fmt: skip
    assert all(rule.name == name and rule.summary for name, rule in RULES.items())
    assert math.isnan(record(N).signal("saturated_frac", "hidden1.act")[0])


@pytest.mark.parametrize(
    ("first_step", "blamed"),
    [(1, ("model.mlp.init", "he")), (2, ("optim.lr", 1e-4))],
)
def test_a_gradient_exploding_at_the_first_step_blames_the_init_later_the_rate(first_step, blamed):
    # Step 1's gradient is that of the network as initialised; from step 2 on an
    # update has moved the weights, so an explosion there is the step's size.
    spike = np.where(np.arange(N) == first_step - 1, 500.0, 0.1)
    found = diagnose(record(N, grad={"output": spike}), history([1.0, 0.8], lr=1e-3))
    (exploding,) = [d for d in found if d.name == "exploding_gradients"]
    assert exploding.steps == (first_step, first_step)
    assert exploding.changes == (blamed,)


def test_units_dead_at_the_first_step_blame_the_init_killed_later_the_rate():
    born_dead = diagnose(record(N, dead=0.9), history([1.0, 0.8], lr=1e-3))
    killed = diagnose(record(N, dead=_late(0.9, 0.0)), history([1.0, 0.8], lr=1e-3))
    assert [d.changes for d in born_dead] == [(("model.mlp.init", "he"),)]
    assert [d.changes for d in killed] == [(("optim.lr", 1e-4),)]


def test_every_rule_takes_its_name_and_severity_from_the_registry_only():
    import inspect

    from trainlab.diagnose import RULES, SEVERITIES

    for name, rule in RULES.items():
        assert rule.name == name and rule.severity in SEVERITIES
        source = inspect.getsource(rule.check)
        assert "severity" not in source and f'name="{name}"' not in source


def test_a_diagnosis_survives_run_json_and_reads_the_same_everywhere():
    import json

    from trainlab.diagnose import Diagnosis, Evidence, Threshold

    d = Diagnosis(
        "exploding_gradients", "error", "fc1", (3, 9),
        (Evidence.of("gradient / weight", float("inf"), ">", Threshold(100.0, "measured")),),
        "The gradient dwarfs the weights.", "Lower the rate.", (("optim.lr", 1e-3),),
        figure="diagnoses/1_exploding_gradients.png", caption="What the monitor saw.",
    )  # fmt: skip
    back = Diagnosis.from_dict(json.loads(json.dumps(d.to_dict())))
    assert back == d
    assert back.where() == "steps 3-9 in fc1" and back.label == "exploding gradients"
    assert back.evidence[0].test() == "inf > 100"


def test_exploding_and_diverged_suggest_one_rate_for_one_run_at_lr_1e4():
    from trainlab.diagnose import loss_rules
    from trainlab.diagnose.evidence import RunView
    from trainlab.diagnose.gradient_rules import exploding_gradients
    from trainlab.monitor.record import LAYER_SIGNALS

    n = 20
    signals = np.full((n, len(LAYER_SIGNALS)), np.nan)
    signals[:, LAYER_SIGNALS.index("grad_norm")] = [1.0] + [1e6] * (n - 1)  # after step 1
    loss = np.geomspace(2.0, 1e9, n)
    run = RunView(
        n_steps=n, train_loss=loss, layers=["fc"], layer_signals={"fc": signals},
        weight_before={"fc": np.ones(n)}, captured=frozenset({"grad_norm"}), lr=1e4,
        optimizer="adam",
    )  # fmt: skip
    (exploding,) = exploding_gradients(run)
    (diverged,) = loss_rules.diverged(run)
    assert exploding.changes == diverged.changes == (("optim.lr", 1e-3),)
