"""Live diagnosis during fit(): the callback stops on chosen diagnoses; its config."""

import pytest
import torch
from torch import nn

from trainlab.config import build
from trainlab.data import TensorLoader
from trainlab.diagnose import DiagnoseCallback, DiagnoseConfig, build_diagnose_callback
from trainlab.errors import ConfigError
from trainlab.monitor import Monitor
from trainlab.train import MonitorLogger, fit


def _run(model: nn.Module, *, lr: float, stop_on=(), every: int = 20, steps: int = 60):
    """fit() for `steps` steps on random data, with a Monitor and a DiagnoseCallback."""
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(320, 20, generator=gen), torch.randint(0, 3, (320,), generator=gen)
    monitor = Monitor(model, grads=True)
    live = DiagnoseCallback(monitor, every=every, stop_on=stop_on)
    history = fit(
        model, TensorLoader(x, y, 32, seed=0), TensorLoader(x[:64], y[:64], 64, shuffle=False),
        torch.optim.Adam(model.parameters(), lr=lr), epochs=10, max_steps=steps,
        callbacks=[MonitorLogger(monitor, val_size=64), live], progress=False, device="cpu",
    )  # fmt: skip
    return history, live


def _dead_relu_net() -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 3))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every unit dead from the first step
    return model


def test_a_diagnosis_in_stop_on_stops_training_and_says_which_and_where():
    history, live = _run(_dead_relu_net(), lr=1e-3, stop_on=["dying_relu"])
    assert history.status == "stopped" and history.stop_step == 20
    assert history.stop_reason.startswith("diagnosis dying_relu at steps 11-20 in 1:")
    assert [d.name for d in live.diagnoses] == ["dying_relu"]


def test_diagnoses_not_in_stop_on_are_kept_not_acted_on():
    history, live = _run(_dead_relu_net(), lr=1e-3)
    assert history.status == "completed" and history.n_steps == 60
    assert [(d.name, d.layer, d.steps) for d in live.diagnoses] == [("dying_relu", "1", (31, 60))]


def test_a_live_divergence_ends_the_run_as_diverged():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 3))
    history, _ = _run(model, lr=1e4, stop_on=["diverged"], every=10)
    assert history.status == "diverged"
    assert history.stop_reason.startswith("diagnosis diverged at steps")
    assert history.stop_step == 10


@pytest.mark.parametrize(
    "options, message",
    [({"stop_on": ["dead"]}, "unknown diagnosis 'dead'"), ({"every": 0}, "every = 0")],
)
def test_bad_callback_arguments_are_refused(options, message):
    with pytest.raises(ConfigError, match=message):
        DiagnoseCallback(Monitor(nn.Linear(2, 2)), **options)


def test_config_from_a_spec_table_checks_the_names_against_the_registry():
    config = build(DiagnoseConfig, {"stop_on": ["diverged", "dying_relu"], "every": 50},
                   where="spec.toml", prefix="diagnose.")  # fmt: skip
    assert config.stop_on == ("diverged", "dying_relu") and config.every == 50
    with pytest.raises(ConfigError, match=r"spec.toml: diagnose.stop_on = 'dead'; expected one "
                                          r"of diverged, exploding_gradients"):  # fmt: skip
        build(DiagnoseConfig, {"stop_on": ["dead"]}, where="spec.toml", prefix="diagnose.")
    with pytest.raises(ConfigError, match="stop_on"):
        DiagnoseConfig(stop_on=("dead",))  # checked from Python too


def test_builder_gives_a_callback_only_when_enabled_monitored_and_asked_to_stop():
    monitor = Monitor(nn.Linear(2, 2))
    callback = build_diagnose_callback(DiagnoseConfig(stop_on=("diverged",), every=7), monitor)
    assert callback.monitor is monitor and callback.every == 7
    assert callback.stop_on == ("diverged",)
    stop = ("diverged",)
    assert build_diagnose_callback(DiagnoseConfig(enabled=False, stop_on=stop), monitor) is None
    assert build_diagnose_callback(DiagnoseConfig(stop_on=stop), None) is None
    assert build_diagnose_callback(DiagnoseConfig(), monitor) is None  # nothing to stop on
