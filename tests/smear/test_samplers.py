"""The samplers of sktopo.smear (block pooling, label covers, point subsamples): their
draws and the adjoints of their maps."""

import numpy as np
import pytest

from sktopo.smear import BlockPooling, LabelCover, PointSubsample, block_pool
from sktopo.smear import _pool2d
from sktopo.smear._block_sampler import _MODES, check_block_offset
from sktopo.smear._random import as_generator, bits_uniforms, random_bits

CASES = [((16, 12), (4, 3)), ((9, 7), (2, 2)), ((10, 13), (3, 5)), ((6, 8, 4), (2, 2, 2))]
WEIGHTS = [("center", "normalized_uniform"), ("simplex", "normalized_uniform"),
           ("simplex", "dirichlet")]


def _weights(pooling, values, draw):
    """The weight of every pixel, by pulling back the unit vector of every block."""
    return pooling.pullback(np.ones(values.shape), draw)


def _shifted_pool(x, sizes, offset, w):
    """Reference: pool x with weights w over the grid shifted by offset (by padding)."""
    pooled_shape = tuple(-(-(n + o) // k) for n, o, k in zip(x.shape, offset, sizes))
    padded = tuple(p * k for p, k in zip(pooled_shape, sizes))
    inside = tuple(slice(o, o + n) for o, n in zip(offset, x.shape))
    X, Wt = np.zeros(padded), np.zeros(padded)
    X[inside], Wt[inside] = x, w
    valid = np.zeros(padded)
    valid[inside] = 1
    return block_pool(X, sizes, Wt), block_pool(valid, sizes, Wt)


def _xoshiro_words(seed, n_words, lanes=4):
    """Reference: ``lanes`` xoshiro256++ streams seeded by SplitMix64, word i from stream
    i % lanes (the layout documented in ``sktopo.smear._pool2d``), in Python ints."""
    mask = 2**64 - 1

    def splitmix():
        nonlocal seed
        seed = (seed + 0x9E3779B97F4A7C15) & mask
        z = seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    def rotl(v, k):
        return ((v << k) | (v >> (64 - k))) & mask

    states = [[splitmix() for _ in range(4)] for _ in range(lanes)]
    out = []
    for i in range(n_words):
        s0, s1, s2, s3 = states[i % lanes]
        out.append((rotl((s0 + s3) & mask, 23) + s0) & mask)
        t = (s1 << 17) & mask
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        states[i % lanes] = [s0, s1, s2, s3]
    return out


@pytest.mark.parametrize("seed", [0, 12345, 2**64 - 1])
def test_random_bits_are_the_documented_xoshiro_streams(seed):
    words = np.empty(40, dtype=np.uint64)
    _pool2d.fill_words(seed, words)
    assert words.tolist() == _xoshiro_words(seed, 40)


def test_random_bits_are_uniform_and_independent():
    bits = random_bits(12345, 200_000)
    assert bits.dtype == np.uint32 and bits.size >= 200_000
    high, low = bits_uniforms(bits[:200_000])
    for u in (high, low):
        assert 0 < u.min() and u.max() < 1
        assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    assert abs(np.corrcoef(high, low)[0, 1]) < 0.01
    assert abs(np.corrcoef(low[:-1], low[1:])[0, 1]) < 0.01
    assert not np.array_equal(random_bits(1, 1000), random_bits(2, 1000))
    np.testing.assert_array_equal(random_bits(7, 1000), random_bits(7, 1000))


@pytest.mark.parametrize("measure, sampling", WEIGHTS)
@pytest.mark.parametrize("shape, block", CASES)
@pytest.mark.parametrize("offset", ["random", 0])
def test_noiseless_approximate_is_the_shifted_block_pooling(shape, block, measure, sampling,
                                                            offset):
    x = np.random.default_rng(0).random(shape) * 100
    pooling = BlockPooling(block, measure, offset=offset, simplex_sampling=sampling)
    rng = as_generator(0)
    seen = set()
    for _ in range(12):
        values, draw = pooling.sample(x, rng)
        seen.add(draw.offset)
        w = _weights(pooling, values, draw)
        assert np.all(w > 0)                   # every pixel is in a block
        pooled, ones = _shifted_pool(x, draw.sizes, draw.offset, w)
        np.testing.assert_allclose(ones, 1.0, rtol=1e-12)          # convex weights
        np.testing.assert_allclose(values, pooled, rtol=1e-12)
    if offset == "random":
        assert len(seen) > 1
    else:
        assert seen == {(0,) * len(shape)}


@pytest.mark.parametrize("measure, sampling", WEIGHTS + [("vertex", "normalized_uniform")])
@pytest.mark.parametrize("shape, block", CASES)
def test_pullback_is_the_adjoint_of_the_pooling(shape, block, measure, sampling):
    # <pool(x), g> == <x, pullback(g)> for the drawn weights (eps = 0: a linear map),
    # dense and sparse (indices may repeat)
    rng = np.random.default_rng(1)
    x = rng.random(shape)
    pooling = BlockPooling(block, measure, simplex_sampling=sampling)
    gen = as_generator(3)
    for _ in range(5):
        values, draw = pooling.sample(x, gen)
        g = rng.standard_normal(values.shape)
        assert np.isclose(np.vdot(values, g), np.vdot(x, pooling.pullback(g, draw)))
        idx = rng.integers(0, values.size, 9)
        pix, vals = pooling.pullback((idx, g.ravel()[idx]), draw)
        dense = np.zeros(values.size)
        np.add.at(dense, idx, g.ravel()[idx])
        assert np.isclose(values.ravel() @ dense, x.ravel()[pix] @ vals)


@pytest.mark.parametrize("measure, sampling", WEIGHTS)
@pytest.mark.parametrize("eps", [0.0, 5.0])
@pytest.mark.parametrize("shape, block", CASES[:3] + [((64, 64), (4, 4))])
def test_compiled_pooling_matches_the_numpy_path(shape, block, measure, sampling, eps):
    # the 2-D kernel against the n-D numpy pooling of the same bits
    x = np.random.default_rng(0).random(shape) * 100
    pooling = BlockPooling(block, measure, eps=eps, simplex_sampling=sampling)
    mode = _MODES["center" if measure == "center" else sampling]
    for seed in range(4):
        values, draw = pooling.sample(x, np.random.default_rng(seed))
        expected, total = pooling._pool_nd(x, draw.bits[:x.size], draw.sizes, draw.offset,
                                           mode)
        np.testing.assert_allclose(values, expected, rtol=1e-12)
        np.testing.assert_allclose(draw.total, total, rtol=1e-12)


@pytest.mark.parametrize("measure", ["center", "simplex"])
@pytest.mark.parametrize("shape, block", CASES)
def test_noisy_approximate_is_the_pooled_image_plus_pooled_noise(measure, shape, block):
    rng = np.random.default_rng(0)
    x = rng.random(shape) * 100
    eps = 5.0
    pooling = BlockPooling(block, measure, eps=eps)
    gen = as_generator(1)
    diffs = []
    for _ in range(200):
        values, draw = pooling.sample(x, gen)
        w = _weights(pooling, values, draw)
        diffs.append(values - _shifted_pool(x, draw.sizes, draw.offset, w)[0])
    diffs = np.concatenate([d.ravel() for d in diffs])
    # pooled noise: a convex combination of uniforms in [-eps, eps], mean 0
    assert np.abs(diffs).max() <= eps * (1 + 1e-9)
    assert abs(diffs.mean()) < 0.05 * eps
    assert diffs.std() > 0.1 * eps


@pytest.mark.parametrize("shape, block", CASES)
def test_vertex_measure_picks_one_pixel_of_each_shifted_block(shape, block):
    x = np.random.default_rng(0).random(shape)
    pooling = BlockPooling(block, "vertex")
    gen = as_generator(0)
    for _ in range(10):
        values, draw = pooling.sample(x, gen)
        pix = draw.total.ravel()
        np.testing.assert_array_equal(values.ravel(), x.ravel()[pix])
        blocks = {tuple((c + o) // k for c, o, k in zip(p, draw.offset, draw.sizes))
                  for p in zip(*np.unravel_index(pix, shape))}
        assert len(blocks) == values.size


def test_block_offset_validation():
    assert check_block_offset("random", (4, 4)) == "random"
    assert check_block_offset(0, (4, 4)) == (0, 0)
    assert check_block_offset((1, 3), (4, 4)) == (1, 3)
    with pytest.raises(ValueError, match="offset"):
        check_block_offset((4, 0), (4, 4))
    with pytest.raises(ValueError, match="offset"):
        check_block_offset((1,), (4, 4))
    with pytest.raises(ValueError, match="offset"):
        check_block_offset("shifted", (4, 4))
    with pytest.raises(TypeError, match="offset"):
        check_block_offset(1.5, (4, 4))
    with pytest.raises(ValueError, match="offset"):
        BlockPooling(2, offset=(2, 0)).sample(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="eps"):
        BlockPooling(2, eps=-1.0).sample(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="measure"):
        BlockPooling(2, "median").sample(np.zeros((4, 4)))


@pytest.mark.parametrize("measure", ["center", "vertex", "simplex"])
def test_label_cover_pullback_is_the_adjoint(measure):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, (6, 7)) * 3          # any integers
    x = rng.random(labels.shape)
    cover = LabelCover(labels, measure)
    values, draw = cover.sample(x, 0)
    assert values.shape == (5,) and len(cover.nerve) > 0
    g = rng.standard_normal(5)
    assert np.isclose(values @ g, np.vdot(x, cover.pullback(g, draw)))
    pix, vals = cover.pullback((np.array([1, 1, 3]), g[[1, 1, 3]]), draw)
    assert np.isclose(values[1] * 2 * g[1] + values[3] * g[3], x.ravel()[pix] @ vals)


def test_point_subsample_pullback_is_the_adjoint():
    rng = np.random.default_rng(0)
    X = rng.random((20, 3))
    sub = PointSubsample(0.5, eps=0.1)
    points, draw = sub.sample(X, 0)
    assert points.shape == (10, 3)
    g = rng.standard_normal(points.shape)
    full = sub.pullback(g, draw)
    assert full.shape == X.shape and np.count_nonzero(full.any(axis=1)) == 10
    assert np.isclose(np.vdot(points - sub.sample(X, 0)[0] + X[draw[0]], g),
                      np.vdot(X, full))
