import pytest
import torch

from trainlab.data import Standardizer, flatten, random_crop, random_hflip, to_float
from trainlab.data.transforms import augment_crop_flip
from trainlab.errors import ConfigError


def test_to_float_scales_uint8_to_unit_interval():
    x = torch.tensor([[0, 51, 255]], dtype=torch.uint8)
    torch.testing.assert_close(to_float(x), torch.tensor([[0.0, 0.2, 1.0]]))
    with pytest.raises(ConfigError, match="expected torch.uint8"):
        to_float(x.float())


def test_flatten_keeps_batch_dimension():
    assert flatten(torch.zeros(5, 3, 4, 4)).shape == (5, 48)


@pytest.mark.parametrize("per", ["feature", "channel"])
def test_standardizer_matches_float64_reference(per):
    x = torch.rand(200, 3, 5, 5, generator=torch.Generator().manual_seed(0)) * 7 + 2
    s = Standardizer(per).fit(x)
    dims = (0,) if per == "feature" else (0, 2, 3)
    ref = x.double()
    expected = (ref - ref.mean(dims, keepdim=True)) / ref.std(dims, keepdim=True, unbiased=False)
    torch.testing.assert_close(s.transform(x).double(), expected, atol=1e-5, rtol=1e-5)
    assert s.mean.shape == ((3, 5, 5) if per == "feature" else (1, 3, 1, 1))


def test_constant_feature_is_centred_not_divided_by_zero():
    x = torch.rand(10, 2)
    x[:, 1] = 0.5
    out = Standardizer("feature").fit_transform(x)
    assert torch.isfinite(out).all()
    assert torch.equal(out[:, 1], torch.zeros(10))


def test_standardizer_errors():
    with pytest.raises(ConfigError, match="per = 'pixel'"):
        Standardizer("pixel")
    with pytest.raises(ConfigError, match="before fit"):
        Standardizer().transform(torch.zeros(2, 2))


def _shift(img: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Slow reference: `img` (C, H, W) moved down dy and right dx, zeros where uncovered."""
    out = torch.zeros_like(img)
    _, h, w = img.shape
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[:, i, j] = img[:, i - dy, j - dx]
    return out


def test_random_crop_is_a_shift_of_at_most_padding():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 3, 8, 8, generator=g) + 0.1  # positive, so zeros mark the padding
    out = random_crop(x, 2, torch.Generator().manual_seed(1))
    assert out.shape == x.shape
    shifts = set()
    for img, got in zip(x, out, strict=True):
        matches = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if torch.equal(got, _shift(img, dy, dx))
        ]
        assert len(matches) == 1
        shifts.add(matches[0])
    assert len(shifts) > 10  # offsets vary over the batch (25 possible)


def test_random_crop_is_reproducible_and_padding_zero_is_identity():
    x = torch.rand(16, 3, 8, 8)
    a = random_crop(x, 4, torch.Generator().manual_seed(5))
    b = random_crop(x, 4, torch.Generator().manual_seed(5))
    c = random_crop(x, 4, torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(random_crop(x, 0), x)
    with pytest.raises(ConfigError, match="padding = -1"):
        random_crop(x, -1)


def test_random_hflip_is_an_exact_mirror_or_identity():
    x = torch.rand(400, 3, 4, 5)
    out = random_hflip(x, torch.Generator().manual_seed(0))
    flipped = torch.tensor([torch.equal(o, i.flip(-1)) for o, i in zip(out, x, strict=True)])
    kept = torch.tensor([torch.equal(o, i) for o, i in zip(out, x, strict=True)])
    assert (flipped ^ kept).all()
    assert 150 < int(flipped.sum()) < 250  # p = 0.5
    assert torch.equal(random_hflip(x, p=1.0), x.flip(-1))
    assert torch.equal(random_hflip(x, p=0.0), x)
    again = random_hflip(x, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)


def test_crop_flip_transform_is_reproducible_per_generator():
    x = torch.rand(8, 3, 32, 32)
    t = augment_crop_flip(4)
    a = t(x, torch.Generator().manual_seed(0))
    assert torch.equal(a, t(x, torch.Generator().manual_seed(0)))
    assert a.shape == x.shape and not torch.equal(a, x)
