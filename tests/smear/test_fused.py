import numpy as np
import pytest

from sktopo.smear import _fused, block_pool
from sktopo.smear._fused import _BlockSampler, bits_uniforms, check_block_offset, random_bits
from sktopo.smear._random import as_generator

CASES = [((16, 12), (4, 3)), ((9, 7), (2, 2)), ((10, 13), (3, 5)), ((6, 8, 4), (2, 2, 2))]
WEIGHTS = [("center", "normalized_uniform"), ("simplex", "normalized_uniform"),
           ("simplex", "dirichlet")]


def _weights(sampler, values, ctx, size):
    """The weight of every pixel, by pulling back the unit vector of every block."""
    w = np.zeros(size)
    idx, vals = sampler.pullback(np.arange(values.size), np.ones(values.size), ctx)
    np.add.at(w, idx, vals)
    return w


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
    i % lanes (the layout documented in ``sktopo.smear._sampling``), in Python ints."""
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


@pytest.mark.skipif(_fused._sampling is None, reason="needs the compiled extension")
@pytest.mark.parametrize("seed", [0, 12345, 2**64 - 1])
def test_random_bits_are_the_documented_xoshiro_streams(seed):
    words = np.empty(40, dtype=np.uint64)
    _fused._sampling.fill_words(seed, words)
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
    # a different seed gives other bits, the same seed the same
    assert not np.array_equal(random_bits(1, 1000), random_bits(2, 1000))
    np.testing.assert_array_equal(random_bits(7, 1000), random_bits(7, 1000))


@pytest.mark.parametrize("measure, sampling", WEIGHTS)
@pytest.mark.parametrize("shape, block", CASES)
@pytest.mark.parametrize("offset", ["random", 0])
def test_noiseless_approximate_is_the_shifted_block_pooling(shape, block, measure, sampling,
                                                            offset):
    x = np.random.default_rng(0).random(shape) * 100
    s = _BlockSampler(shape, block, measure, sampling, 0.0, block_offset=offset)
    s.start(x.ravel().copy())
    rng = as_generator(0)
    seen = set()
    for _ in range(12):
        values, ctx = s.sample(rng)
        seen.add(ctx[0])
        w = _weights(s, values, ctx, x.size).reshape(shape)
        assert np.all(w > 0)                   # every pixel is in a block
        pooled, ones = _shifted_pool(x, s.sizes, ctx[0], w)
        np.testing.assert_allclose(ones, 1.0, rtol=1e-6)          # convex weights
        np.testing.assert_allclose(values, pooled, rtol=1e-6)
    if offset == "random":
        assert len(seen) > 1
    else:
        assert seen == {(0,) * len(shape)}


@pytest.mark.parametrize("measure, sampling", WEIGHTS)
@pytest.mark.parametrize("shape, block", CASES[:3])
def test_pullback_is_the_adjoint_of_the_pooling(shape, block, measure, sampling):
    # <pool(x), g> == <x, pullback(g)> for the drawn weights (eps = 0: a linear map)
    rng = np.random.default_rng(1)
    x = rng.random(shape)
    s = _BlockSampler(shape, block, measure, sampling, 0.0)
    s.start(x.ravel().copy())
    gen = as_generator(3)
    for _ in range(5):
        values, ctx = s.sample(gen)
        g = rng.standard_normal(values.size)
        idx, vals = s.pullback(np.arange(values.size), g, ctx)
        assert np.isclose(values.ravel() @ g, x.ravel()[idx] @ vals, rtol=1e-9)


@pytest.mark.skipif(_fused._sampling is None, reason="compiled sampler not built")
@pytest.mark.parametrize("measure, sampling", WEIGHTS)
@pytest.mark.parametrize("eps", [0.0, 5.0])
@pytest.mark.parametrize("shape, block", CASES[:3] + [((64, 64), (4, 4))])
def test_compiled_pooling_matches_the_numpy_path(shape, block, measure, sampling, eps):
    x = np.random.default_rng(0).random(shape) * 100
    fast = _BlockSampler(shape, block, measure, sampling, eps)
    slow = _BlockSampler(shape, block, measure, sampling, eps)
    assert fast.compiled
    slow.compiled = False
    fast.start(x.ravel().copy())
    slow.start(x.ravel().copy())
    # one generator each: the compiled sampler draws an approximate one call ahead
    rng_fast, rng_slow = np.random.default_rng(0), np.random.default_rng(0)
    for seed in range(4):
        a, ca = fast.sample(rng_fast)
        b, cb = slow.sample(rng_slow)
        assert ca[0] == cb[0]
        np.testing.assert_allclose(a, b, rtol=1e-6)
        idx = np.random.default_rng(seed).permutation(a.size)[:7]
        vals = np.random.default_rng(seed).random(7)
        ia, va = fast.pullback(idx, vals, ca)
        ib, vb = slow.pullback(idx, vals, cb)
        oa, ob = np.argsort(ia, kind="stable"), np.argsort(ib, kind="stable")
        np.testing.assert_array_equal(ia[oa], ib[ob])
        np.testing.assert_allclose(va[oa], vb[ob], rtol=1e-6)


@pytest.mark.skipif(_fused._sampling is None, reason="needs the compiled extension")
@pytest.mark.parametrize("prefetch", [False, True])
@pytest.mark.parametrize("measure, sampling", WEIGHTS)
def test_incremental_approximate_is_the_pooling_of_the_moved_iterate(measure, sampling,
                                                                     prefetch):
    # the block sums of x0 + h corrected by the moved pixels (a few, then more than a
    # quarter: x pooled directly) equal the pooling of x + h with the same bits
    shape, block = (16, 12), (4, 3)
    rng = np.random.default_rng(0)
    x0 = rng.random(shape) * 100
    x = x0.ravel().copy()
    order = rng.permutation(x.size)
    s = _BlockSampler(shape, block, measure, sampling, 5.0)
    s.start(x, prefetch=prefetch)
    gen = np.random.default_rng(1)
    try:
        for n_moved in [0, 3, 10, 40, 60, 120, 192]:
            act = order[:n_moved].astype(np.int64)
            x[act] = x0.ravel()[act] + rng.normal(size=n_moved)
            s.update(act, x[act])
            values, (offset, bits, total) = s.sample(gen)
            expected, expected_total = np.empty_like(values), np.empty_like(values)
            _fused._sampling.pool2d(x.reshape(shape), *s.sizes, *offset, s.eps, s.mode, bits,
                                    expected, expected_total)
            np.testing.assert_allclose(values, expected, rtol=1e-12)
            np.testing.assert_array_equal(total, expected_total)
    finally:
        s.close()


@pytest.mark.parametrize("measure", ["center", "simplex"])
@pytest.mark.parametrize("shape, block", CASES)
def test_noisy_approximate_is_the_pooled_image_plus_pooled_noise(measure, shape, block):
    rng = np.random.default_rng(0)
    x = rng.random(shape) * 100
    eps = 5.0
    s = _BlockSampler(shape, block, measure, "normalized_uniform", eps)
    s.start(x.ravel().copy())
    gen = as_generator(1)
    diffs = []
    for _ in range(200):
        values, ctx = s.sample(gen)
        w = _weights(s, values, ctx, x.size).reshape(shape)
        diffs.append(values - _shifted_pool(x, s.sizes, ctx[0], w)[0])
    diffs = np.concatenate([d.ravel() for d in diffs])
    # pooled noise: a convex combination of uniforms in [-eps, eps], mean 0
    assert np.abs(diffs).max() <= eps * (1 + 1e-5)
    assert abs(diffs.mean()) < 0.05 * eps
    assert diffs.std() > 0.1 * eps


@pytest.mark.parametrize("shape, block", CASES)
def test_vertex_measure_picks_one_pixel_of_each_shifted_block(shape, block):
    x = np.random.default_rng(0).random(shape)
    s = _BlockSampler(shape, block, "vertex", "normalized_uniform", 0.0)
    s.start(x.ravel().copy())
    gen = as_generator(0)
    for _ in range(10):
        values, pix = s.sample(gen)
        np.testing.assert_array_equal(values.ravel(), x.ravel()[pix])
        # one pixel per block of a grid shifted by some offset: the blocks of the chosen
        # pixels under that offset are all distinct and cover the pooled grid
        coords = np.unravel_index(pix, shape)
        fits = [o for o in np.ndindex(*s.sizes)
                if tuple(-(-(n + oo) // k) for n, oo, k in zip(shape, o, s.sizes))
                == values.shape and len({tuple((c + oo) // k for c, oo, k in
                                              zip(p, o, s.sizes))
                                        for p in zip(*coords)}) == values.size]
        assert fits


def test_block_offset_validation():
    assert check_block_offset("random", (4, 4)) == "random"
    assert check_block_offset(0, (4, 4)) == (0, 0)
    assert check_block_offset((1, 3), (4, 4)) == (1, 3)
    with pytest.raises(ValueError, match="block_offset"):
        check_block_offset((4, 0), (4, 4))
    with pytest.raises(ValueError, match="block_offset"):
        check_block_offset((1,), (4, 4))
    with pytest.raises(ValueError, match="block_offset"):
        check_block_offset("shifted", (4, 4))
    with pytest.raises(TypeError, match="block_offset"):
        check_block_offset(1.5, (4, 4))


@pytest.mark.skipif(_fused._sampling is None, reason="needs the compiled extension")
def test_prefetcher_thread_computes_what_the_inline_path_computes():
    # jobs posted to the worker and waited for at once (so that either thread may run
    # them), after a pause (the worker sleeps) or back to back: the same words and sums
    import time

    sampling = _fused._sampling
    x0 = np.random.default_rng(0).random((20, 18)) * 10
    act = np.random.default_rng(1).permutation(x0.size)[:40].astype(np.int64)
    buffers = {}
    for threaded in (False, True):
        p = sampling.Prefetcher(x0, threaded)
        assert p.threaded == threaded
        out = []
        try:
            for job in range(60):
                words = np.empty(_fused.n_words(x0.size), dtype=np.uint64)
                oy, ox = job % 3, job % 4
                shape = (-(-(20 + oy) // 3), -(-(18 + ox) // 4))
                sums, total = np.empty(shape), np.empty(shape)
                known = np.empty(act.size, dtype=np.float32)
                blocks = np.empty(act.size, dtype=np.int32)
                p.submit(job, words, True, 3, 4, oy, ox, 2.0, 1 + job % 2, sums, total, act,
                         known, blocks)
                if job % 20 == 19:
                    time.sleep(0.005)
                p.wait()
                out.append((words, sums, total, known, blocks))
        finally:
            p.close()
        p.close()   # twice is fine
        buffers[threaded] = out
    for a, b in zip(buffers[False], buffers[True]):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
