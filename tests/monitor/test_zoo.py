"""A zoo of the ways people write networks and loops, each checked for what the Monitor
records, what it says it cannot see, and that the dashboard and movie draw its record.

Styles: functional activations (the PyTorch MNIST example network), every functional
activation and its in-place form, an activation module (not counted twice), a block
reused with functional activations, a small transformer (tied embedding, LayerNorm,
MultiheadAttention, a bare positional Parameter), gradient accumulation, autocast,
frozen layers, two optimizers, torch.compile, a model with no activation at all, a
model moved to another device, and a long run's memory.
"""

from __future__ import annotations

import gc
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import trainlab
from trainlab.diagnose import diagnose, skipped
from trainlab.monitor import Monitor, MonitorWarning, Record, summarize
from trainlab.monitor.record import N_ROW_FLOATS, STAT_INDEX
from trainlab.viz import dashboard, make_movie, movie_steps

MEAN, MAX = STAT_INDEX["mean"], STAT_INDEX["max"]


class ExampleNet(nn.Module):
    """The PyTorch MNIST example network, scaled down (12x12 inputs, fewer channels):
    activations written as functions, as in most tutorials."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(128, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.conv1(x)  # (B, 4, 10, 10)
        x = F.relu(x)
        x = self.conv2(x)  # (B, 8, 8, 8)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)  # (B, 8, 4, 4)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)  # (B, 128)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


class Block(nn.Module):
    """Attention and a GELU MLP, pre-norm, residual."""

    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class TinyGPT(nn.Module):
    """Token embedding tied to the output layer, a learned positional Parameter."""

    def __init__(self, vocab: int = 20, d: int = 16, heads: int = 2, layers: int = 2) -> None:
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, d)
        self.pos_emb = nn.Parameter(torch.zeros(1, 8, d))
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok_emb.weight

    def forward(self, idx):
        x = self.tok_emb(idx) + self.pos_emb[:, : idx.shape[1]]  # (B, T, d)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))  # (B, T, vocab)


def _images(n: int = 64, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 12, 12, generator=gen), torch.randint(0, 10, (n,), generator=gen)


def _train_example(monitor_options: dict, steps: int = 6):
    torch.manual_seed(0)
    model = ExampleNet()
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    monitor = trainlab.watch(model, opt, **monitor_options)
    x, y = _images()
    inputs = []  # what each F.relu saw, per step
    for step in range(steps):
        xb, yb = x[step * 8 : (step + 1) * 8], y[step * 8 : (step + 1) * 8]
        with torch.no_grad():
            inputs.append(model.conv1(xb))
        loss = F.nll_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss)
    return model, monitor, inputs


def _renders(record: Record, tmp_path) -> None:
    """The dashboard and a three-frame movie draw the record."""
    fig = dashboard(record, figsize=(10, 7), dpi=40)
    assert fig.axes and record.meta["model"] in fig.texts[0].get_text()
    out = make_movie(record, tmp_path / "zoo.gif", figsize=(10, 7), dpi=30, frames=3)
    assert len(movie_steps(out)) == min(3, record.n_steps)


def test_functional_relus_of_the_example_network_are_recorded_per_call_site(tmp_path):
    """Regression: F.relu activations were not recorded, and nothing said so."""
    _, monitor, inputs = _train_example({"mode": "full"})
    record = monitor.to_record()
    sites = ["forward.relu#0", "forward.relu#1", "forward.relu#2"]
    assert list(record.net_values) == sites and list(record.outputs) == sites
    assert record.meta["activations"] == {"forward.relu": "ReLU"}
    assert record.meta["activation_inputs"] == dict(
        zip(sites, ["conv1", "conv2", "fc1"], strict=True)
    )
    for step in (0, 5):  # the input of the first F.relu is conv1's output, exactly
        net = record.tensors["net_values"]["forward.relu#0"][step]
        np.testing.assert_allclose(net, inputs[step].numpy(), rtol=1e-6)
        np.testing.assert_array_equal(
            record.tensors["outputs"]["forward.relu#0"][step], np.maximum(net, 0)
        )
    assert record.activation_signals["forward.relu#2"].shape == (6, 2)
    assert set(record.weights) == {"conv1", "conv2", "fc1", "fc2"}
    _renders(record, tmp_path)


def test_functional_sites_are_summarised_like_module_ones():
    """The summary of a functional site equals that of the same tensor captured whole."""
    _, summary, inputs = _train_example({"mode": "summary"}, steps=3)
    record = summary.to_record()
    for step in range(3):
        expected = summarize(inputs[step]).numpy()
        np.testing.assert_allclose(record.net_values["forward.relu#0"][step], expected,
                                   rtol=1e-5, atol=1e-6)  # fmt: skip
    assert record.meta["signals"]["activation"] == ["dead_frac", "saturated_frac"]


class Applied(nn.Module):
    """fc1 -> fn -> fc2, fn any callable on a tensor."""

    def __init__(self, fn) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.fc1 = nn.Linear(6, 5)
        self.fc2 = nn.Linear(5, 3)
        self.fn = fn

    def forward(self, x):
        return self.fc2(self.fn(self.fc1(x)))


@pytest.mark.parametrize(
    "fn, name, kind, reference",
    [
        (F.relu, "relu", "ReLU", F.relu),
        (torch.relu, "relu", "ReLU", F.relu),
        (lambda h: h.relu(), "relu", "ReLU", F.relu),
        (lambda h: F.relu(h, inplace=True), "relu", "ReLU", F.relu),
        (torch.relu_, "relu", "ReLU", F.relu),
        (lambda h: h.relu_(), "relu", "ReLU", F.relu),
        (lambda h: F.leaky_relu(h, 0.2), "leaky_relu", "LeakyReLU", lambda h: F.leaky_relu(h, 0.2)),
        (F.leaky_relu_, "leaky_relu", "LeakyReLU", F.leaky_relu),
        (F.gelu, "gelu", "GELU", F.gelu),
        (lambda h: F.gelu(h, approximate="tanh"), "gelu", "GELU",
         lambda h: F.gelu(h, approximate="tanh")),
        (F.silu, "silu", "SiLU", F.silu),
        (F.elu, "elu", "ELU", F.elu),
        (F.elu_, "elu", "ELU", F.elu),
        (torch.tanh, "tanh", "Tanh", torch.tanh),
        (lambda h: h.tanh_(), "tanh", "Tanh", torch.tanh),
        (torch.sigmoid, "sigmoid", "Sigmoid", torch.sigmoid),
        (torch.sigmoid_, "sigmoid", "Sigmoid", torch.sigmoid),
        (F.softplus, "softplus", "Softplus", F.softplus),
    ],
)  # fmt: skip
def test_every_functional_activation_and_its_inplace_form_is_seen(fn, name, kind, reference):
    model = Applied(fn)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt, mode="full")
    x = torch.randn(4, 6)
    with torch.no_grad():
        before = model.fc1(x)  # the input, before an in-place form overwrites it
    model(x).sum().backward()
    opt.step()
    record = monitor.to_record()
    site = f"forward.{name}"
    assert list(record.net_values) == [site]
    assert record.meta["activations"][site] == kind
    np.testing.assert_allclose(record.tensors["net_values"][site][0], before.numpy(), rtol=1e-6)
    np.testing.assert_allclose(record.tensors["outputs"][site][0], reference(before).numpy(),
                               rtol=1e-5, atol=1e-7)  # fmt: skip
    bounded = kind in ("Tanh", "Sigmoid")
    assert (record.meta["saturation_bounds"][site] is not None) == bounded


def test_an_activation_modules_own_functional_call_is_not_counted_twice():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2), nn.Tanh())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt, functional="on")
    for _ in range(3):
        model(torch.randn(3, 4)).sum().backward()
        opt.step()
    record = monitor.to_record()
    assert list(record.net_values) == ["1", "3"] and record.meta["functional_sites"] == []


class Twice(nn.Module):
    """One residual block used twice per forward, with a functional ReLU inside."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.block = nn.Linear(5, 5)
        self.out = nn.Linear(5, 2)

    def forward(self, x):
        for _ in range(2):
            x = x + F.relu(self.block(x))
        return self.out(x)


def test_a_reused_block_numbers_its_functional_calls_the_same_way_every_step():
    model = Twice()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt)
    for _ in range(4):
        model(torch.randn(3, 5)).sum().backward()
        opt.step()
    record = monitor.to_record()
    assert list(record.net_values) == ["forward.relu#0", "forward.relu#1"]
    assert all(len(v) == 4 for v in record.net_values.values())
    assert record.meta["calls_per_forward"]["forward.relu"] == 2


def _train_gpt(steps: int = 4, **options):
    torch.manual_seed(0)
    model = TinyGPT()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    monitor = Monitor(model, optimizer=opt, **options)
    for _ in range(steps):
        idx = torch.randint(0, 20, (4, 8))
        loss = F.cross_entropy(model(idx).reshape(-1, 20), idx.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss)
    return model, monitor


def test_every_learning_parameter_of_a_transformer_is_recorded_or_listed(tmp_path):
    """Regression: the tied embedding was recorded under the output layer's name only;
    in_proj_weight, the LayerNorm weights and the positional Parameter were missing."""
    model, monitor = _train_gpt()
    record = monitor.to_record()
    assert "tok_emb=head" in record.weights and "head" not in record.weights
    assert record.meta["tied"] == {"tok_emb=head": ["tok_emb.weight", "head.weight"]}
    assert record.meta["param_types"]["tok_emb=head"] == "Embedding"
    # the diagnoses compare Linear weights only (their thresholds were measured on them)
    assert record.meta["weight_layers"] == [
        "tok_emb=head", "blocks.0.attn.out_proj", "blocks.0.fc1", "blocks.0.fc2",
        "blocks.1.attn.out_proj", "blocks.1.fc1", "blocks.1.fc2",
    ]  # fmt: skip
    for key in ("pos_emb", "blocks.0.attn.in_proj_weight", "blocks.1.ln2", "ln_f"):
        assert np.isfinite(record.weights[key]).all() and np.isfinite(record.grads[key]).all()
    recorded = {n for names in record.meta["tied"].values() for n in names}
    modules = dict(model.named_modules())
    recorded |= {
        f"{key}.weight" if key in modules else key
        for key in record.weights
        if key not in record.meta["tied"]
    }
    skipped = set(record.meta["params_not_recorded"])
    names = {n for n, p in model.named_parameters(remove_duplicate=False) if p.requires_grad}
    assert names == recorded | skipped and not recorded & skipped
    assert all("bias" in n for n in skipped)
    assert any("tok_emb=head" in note for note in record.meta["notes"])
    assert list(record.net_values) == ["blocks.0.forward.gelu", "blocks.1.forward.gelu"]
    # the tied weight's gradient is the sum of both uses, recorded once
    grad = model.tok_emb.weight.grad
    assert record.grads["tok_emb=head"][-1, MEAN] == pytest.approx(grad.mean().item(), abs=1e-9)
    _renders(record, tmp_path)


@pytest.mark.parametrize(
    "options, recorded",
    [
        ({"params": "layers"},  # the tied matrix is also the Linear head's weight
         {"tok_emb=head", "blocks.0.attn.out_proj", "blocks.0.fc1", "blocks.0.fc2"}),
        ({"param_filter": ("Embedding", "*.in_proj_weight")},
         {"tok_emb=head", "blocks.0.attn.in_proj_weight"}),
    ],
)  # fmt: skip
def test_the_parameter_scope_and_filter_choose_what_is_recorded(options, recorded):
    _, monitor = _train_gpt(steps=1, **options)
    keys = {k for k in monitor.to_record().weights if not k.startswith("blocks.1")}
    assert keys == recorded


def test_a_filter_matching_nothing_is_said():
    with pytest.warns(MonitorWarning, match=r"param_filter \['nothing\*'\] matched no parameter"):
        Monitor(TinyGPT(), param_filter=("nothing*",))


def test_gradient_accumulation_keeps_the_last_forward_of_each_step(tmp_path):
    torch.manual_seed(0)
    model = ExampleNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    monitor = Monitor(model, optimizer=opt, mode="full")
    x, y = _images()
    last = []
    for step in range(3):
        opt.zero_grad()
        for micro in range(4):  # 4 micro-batches of 4 per optimizer step
            i = (step * 4 + micro) * 4
            with torch.no_grad():
                conv1 = model.conv1(x[i : i + 4])
            (F.nll_loss(model(x[i : i + 4]), y[i : i + 4]) / 4).backward()
        last.append(conv1)
        opt.step()
        monitor.log_losses(0.0)
    record = monitor.to_record()
    assert record.meta["forwards_per_step"] == {"min": 4, "max": 4, "mean": 4.0}
    assert record.meta["forward_passes"] == 12 and record.meta["optimizer_steps"] == 3
    assert any("4-4 training forwards per optimizer step" in n for n in record.meta["notes"])
    assert record.net_values["forward.relu#0"].shape[0] == 3  # one row per step
    for step in range(3):
        net = record.tensors["net_values"]["forward.relu#0"][step]
        np.testing.assert_allclose(net, last[step].numpy(), rtol=1e-6)
    assert len(monitor.net_values["forward.relu#0"]) == 12  # the live view keeps every forward
    _renders(record, tmp_path)


def test_a_site_missed_by_a_step_is_nan_there_not_shifted():
    """Control flow: a branch taken on some steps only keeps its rows at those steps."""

    class Branchy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.step = 0

        def forward(self, x):
            self.step += 1
            h = self.fc(x)
            return torch.tanh(h) if self.step % 2 else h

    model = Branchy()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt, functional="on")
    for _ in range(5):
        model(torch.randn(2, 3)).sum().backward()
        opt.step()
    rows = monitor.to_record().net_values["forward.tanh"][:, MEAN]
    assert np.isfinite(rows[[0, 2, 4]]).all() and np.isnan(rows[[1, 3]]).all()


def test_autocast_bfloat16_is_summarised_in_float32(tmp_path):
    torch.manual_seed(0)
    model = ExampleNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    monitor = Monitor(model, optimizer=opt)
    x, y = _images()
    seen = []
    for step in range(3):
        xb, yb = x[step * 8 : (step + 1) * 8], y[step * 8 : (step + 1) * 8]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            with torch.no_grad():
                seen.append(model.conv1(xb))
            loss = F.nll_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss)
    record = monitor.to_record()
    assert seen[0].dtype == torch.bfloat16
    for step in range(3):  # conv1's bfloat16 output, summarised in float32
        assert record.net_values["forward.relu#0"][step, MAX] == seen[step].float().max().item()
        np.testing.assert_allclose(record.net_values["forward.relu#0"][step, MEAN],
                                   seen[step].float().mean().item(), rtol=1e-5)  # fmt: skip
    assert all(v.dtype == np.float32 for v in record.net_values.values())
    _renders(record, tmp_path)


def test_frozen_layers_have_nan_gradients_and_are_said():
    torch.manual_seed(0)
    model = ExampleNet()
    for p in model.conv1.parameters():
        p.requires_grad_(False)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01)
    monitor = Monitor(model, optimizer=opt)
    x, y = _images()
    for _ in range(2):
        F.nll_loss(model(x[:8]), y[:8]).backward()
        opt.step()
    record = monitor.to_record()
    assert np.isnan(record.grads["conv1"]).all() and np.isfinite(record.grads["conv2"]).all()
    assert np.isnan(record.signal("grad_norm", "conv1")).all()
    assert record.signal("update_norm", "conv1").max() == 0.0
    assert record.meta["frozen"] == ["conv1"]
    assert any("do not learn" in n and "conv1" in n for n in record.meta["notes"])


def test_two_optimizers_are_both_watched_and_each_step_shows_both_updates():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    first = torch.optim.SGD(model[0].parameters(), lr=0.1)
    second = torch.optim.Adam(model[2].parameters(), lr=0.01)
    monitor = Monitor(model, optimizer=[first, second])
    after = []
    for _ in range(3):
        model(torch.randn(5, 4)).square().sum().backward()
        first.step()
        second.step()  # after the step was counted: its update rewrites that step's row
        first.zero_grad()
        second.zero_grad()
        after.append(model[2].weight.detach().clone())
    record = monitor.to_record()
    assert record.n_steps == 3 and record.meta["optimizers"] == ["SGD", "Adam"]
    assert record.meta["counting_optimizer"] == "SGD"
    for step in range(3):
        assert record.weights["2"][step + 1, MEAN] == pytest.approx(after[step].mean().item())
    assert np.all(record.signal("update_norm", "2") > 0)


def _compiled_run(order: str):
    torch.manual_seed(0)
    model = Applied(F.relu)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    if order == "plain":
        monitor, run = Monitor(model, optimizer=opt), model
    elif order == "attach then compile":
        monitor = Monitor(model, optimizer=opt)
        run = torch.compile(model, backend="eager")
    else:
        run = torch.compile(model, backend="eager")
        monitor = Monitor(run, optimizer=opt)
    gen = torch.Generator().manual_seed(1)
    for _ in range(4):
        loss = run(torch.randn(4, 6, generator=gen)).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss)
    return monitor.to_record()


@pytest.mark.parametrize("order", ["attach then compile", "compile then attach"])
def test_a_compiled_model_records_what_the_plain_one_does(order):
    plain, compiled = _compiled_run("plain"), _compiled_run(order)
    assert list(compiled.weights) == ["fc1", "fc2"]  # no "_orig_mod." in the names
    for kind in ("weights", "grads", "net_values", "outputs"):
        assert set(plain.summaries(kind)) == set(compiled.summaries(kind))
        for name, rows in plain.summaries(kind).items():
            np.testing.assert_allclose(compiled.summaries(kind)[name], rows, rtol=1e-5)


def test_a_model_without_activations_says_so_after_ten_forwards():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt)
    with pytest.warns(MonitorWarning, match="no activation modules or functional activations "
                      "seen in 10 training forwards"):  # fmt: skip
        for _ in range(10):
            model(torch.randn(2, 3)).sum().backward()
            opt.step()
    record = monitor.to_record()
    assert record.meta["signals"]["activation"] == []
    assert "10 training forwards" in record.meta["missing_signals"]["dead_frac"]
    # the diagnoses that need activations say they were skipped, and why
    why = skipped(record)
    assert set(why) == {"dying_relu", "saturation"}
    assert why["dying_relu"] == (
        "needs dead_frac: no activation modules or functional activations seen in 10 "
        "training forwards"
    )
    diagnose(record)  # the others run


def test_the_activation_diagnoses_run_on_functional_relus():
    _, monitor, _ = _train_example({}, steps=4)
    record = monitor.to_record()
    assert skipped(record) == {}
    dead = {f"forward.relu#{i}": record.signal("dead_frac", f"forward.relu#{i}") for i in range(3)}
    assert all(np.isfinite(v).all() for v in dead.values())


def test_functional_capture_stops_on_auto_when_none_is_seen():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    monitor = Monitor(model)
    for _ in range(12):
        model(torch.randn(2, 3)).sum().backward()
    assert not monitor._hooks.functional and not monitor._hooks._leaf_handles
    assert any("functional capture stopped" in n for n in monitor.to_record().meta["notes"])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a second device")
def test_a_model_moved_to_another_device_after_attaching_goes_on_recording():
    torch.manual_seed(0)
    model = ExampleNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)  # .cuda() keeps the Parameters
    monitor = Monitor(model, optimizer=opt)
    x, y = _images()
    for step in range(4):
        if step == 2:
            model.cuda()
        device = next(model.parameters()).device
        loss = F.nll_loss(model(x[:8].to(device)), y[:8].to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss)
    record = monitor.to_record()
    assert record.n_steps == 4 and record.weights["fc1"].shape[0] == 5
    for kind in ("weights", "grads", "net_values"):
        assert all(np.isfinite(v).all() for v in record.summaries(kind).values())
    assert np.isfinite(record.signal("update_norm", "fc1")).all()  # across the move too


def test_memory_per_step_is_stated_and_holds_over_a_long_run():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    monitor = Monitor(model, optimizer=opt)
    x, y = torch.randn(4, 2), torch.randn(4, 1)
    held = {}
    for step in range(1, 4097):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss)
        if step in (1024, 4096):
            monitor._capture.flush()
            held[step] = monitor.nbytes
    per_step = monitor.summary_bytes_per_step
    # 2 weights + 2 grads + net values and outputs of one site: 6 tensors of
    # N_ROW_FLOATS floats, 3 + 1 + 1 + 1 signals, 2 losses, 8 bytes of the step map
    assert per_step == 4 * (6 * N_ROW_FLOATS + 2 * 3 + 2 * 1 + 2 * 1 + 2) + 8
    assert monitor.to_record().meta["summary_bytes_per_step"] == per_step
    # storage doubles when full: between 1x and 2x of what the steps need, plus blocks
    assert held[4096] - held[1024] <= 2 * per_step * 4096


@pytest.mark.slow
def test_summary_memory_stays_flat_over_100k_steps():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    monitor = Monitor(model, optimizer=opt)
    x, y = torch.randn(4, 2), torch.randn(4, 1)
    objects = {}
    for step in range(1, 100_001):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss)
        if step in (10_000, 100_000):
            gc.collect()
            objects[step] = len(gc.get_objects())
    assert objects[100_000] <= objects[10_000] + 200  # no Python object per step
    assert monitor.nbytes <= 2 * monitor.summary_bytes_per_step * 100_000 + 2**20
    assert monitor.to_record().n_steps == 100_000


def test_describe_says_what_is_watched_and_what_is_not():
    model = ExampleNet()
    text = trainlab.watch(model, torch.optim.SGD(model.parameters(), lr=0.1)).describe()
    assert "parameters ('weights'): conv1, conv2, fc1, fc2; and their gradients" in text
    assert "activation modules: none" in text
    assert "4 parameters not recorded, a bias" in text


def test_watch_is_the_monitor_in_one_line():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        monitor = trainlab.watch(model, torch.optim.SGD(model.parameters(), lr=0.1), grads=False)
    assert isinstance(monitor, Monitor) and not monitor.grads and monitor.config.params == "weights"
