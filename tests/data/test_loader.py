import pytest
import torch

from trainlab.data import TensorLoader, augment_crop_flip
from trainlab.errors import ConfigError


def _data(n: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.arange(n, dtype=torch.float32)[:, None].expand(n, 3).contiguous()  # row i is i
    return x, torch.arange(n)


def _epoch(loader) -> list[torch.Tensor]:
    return [yb for _, yb in loader]


@pytest.mark.parametrize(("n", "batch", "batches"), [(100, 32, 4), (96, 32, 3), (5, 8, 1)])
def test_every_sample_exactly_once_per_epoch(n, batch, batches):
    x, y = _data(n)
    loader = TensorLoader(x, y, batch, seed=0)
    assert len(loader) == batches
    for _ in range(2):
        pairs = list(loader)
        assert len(pairs) == batches
        assert all(torch.equal(xb[:, 0].long(), yb) for xb, yb in pairs)  # x and y stay paired
        assert torch.equal(torch.cat([yb for _, yb in pairs]).sort().values, torch.arange(n))
        assert [len(yb) for _, yb in pairs][:-1] == [batch] * (batches - 1)


def test_order_is_reproducible_and_changes_each_epoch():
    a, b, c = (TensorLoader(*_data(), 10, seed=s) for s in (7, 7, 8))
    first_a, first_b, first_c = torch.cat(_epoch(a)), torch.cat(_epoch(b)), torch.cat(_epoch(c))
    assert torch.equal(first_a, first_b)
    assert not torch.equal(first_a, first_c)
    second_a = torch.cat(_epoch(a))
    assert not torch.equal(first_a, second_a)
    assert torch.equal(second_a, torch.cat(_epoch(b)))
    a.set_epoch(0)  # resuming replays an epoch's order exactly
    assert torch.equal(torch.cat(_epoch(a)), first_a)


def test_no_shuffle_keeps_stored_order():
    loader = TensorLoader(*_data(10), 4, shuffle=False)
    assert [yb.tolist() for yb in _epoch(loader)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last_skips_the_short_batch():
    loader = TensorLoader(*_data(100), 32, drop_last=True)
    sizes = [len(yb) for yb in _epoch(loader)]
    assert len(loader) == 3 and sizes == [32, 32, 32]


def test_transform_gets_each_batch_and_a_reproducible_generator():
    seen = []

    def noisy(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        seen.append(len(xb))
        return xb + torch.rand(xb.shape, generator=generator)

    x, y = _data(20)
    batches = [xb for xb, _ in TensorLoader(x, y, 8, transform=noisy, seed=1)]
    again = [xb for xb, _ in TensorLoader(x, y, 8, transform=noisy, seed=1)]
    assert seen == [8, 8, 4, 8, 8, 4]
    assert all(torch.equal(a, b) for a, b in zip(batches, again, strict=True))
    assert not torch.equal(torch.cat(batches).sort(0).values, x)  # the transform was applied
    assert torch.equal(x, _data(20)[0])  # and did not touch the stored tensor


def test_batches_are_copies_not_views_of_the_data():
    x, y = _data(8)
    loader = TensorLoader(x, y, 4, shuffle=False)
    for xb, _ in loader:
        xb.zero_()
    assert torch.equal(loader.x, _data(8)[0])


def test_device_argument_moves_the_tensors_once():
    loader = TensorLoader(*_data(6), 4, device="cpu")
    assert loader.x.device.type == "cpu" and loader.y.device.type == "cpu"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"batch_size": 0}, "batch_size = 0"), ({"batch_size": 2.5}, "batch_size = 2.5")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        TensorLoader(*_data(6), **kwargs)
    with pytest.raises(ConfigError, match="x has 6 samples but y has 5"):
        TensorLoader(torch.zeros(6, 2), torch.zeros(5))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_batches_equal_cpu_batches_for_the_same_seed():
    x, y = torch.rand(50, 3, 8, 8), torch.arange(50)
    kwargs = {"seed": 3, "transform": augment_crop_flip(2)}
    cpu = list(TensorLoader(x, y, 16, **kwargs))
    gpu = list(TensorLoader(x, y, 16, device="cuda", **kwargs))
    assert gpu[0][0].device.type == "cuda"
    for (xc, yc), (xg, yg) in zip(cpu, gpu, strict=True):
        assert torch.equal(xc, xg.cpu()) and torch.equal(yc, yg.cpu())


def test_empty_inputs_are_refused_and_drop_last_can_yield_nothing():
    with pytest.raises(ConfigError, match="no samples"):
        TensorLoader(torch.zeros(0, 3), torch.zeros(0))
    loader = TensorLoader(torch.zeros(5, 3), torch.zeros(5), batch_size=8, drop_last=True)
    assert len(loader) == 0 and list(loader) == []
