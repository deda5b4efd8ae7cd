"""Fused samplers of approximates for the STUMP hot path (private).

Each sampler draws one approximate of the current iterate and pulls a *sparse* gradient
on the approximate (few critical cells) back to a sparse gradient on the input, with as
few passes over the input as possible:

* block pooling (``"center"``, ``"simplex"``): each pixel's noise and weight come from 32
  random bits (16 each, see :func:`random_bits`; one 64-bit seed drawn from the
  optimizer's generator per approximate) and one pass over the pixels adds them into the
  sums of its block. The
  block grid is shifted by a random offset per approximate (or a fixed one, see
  :class:`_BlockSampler`). The 2-D pass is compiled (``sktopo.smear._sampling``); other
  dimensions, or a missing extension, take the numpy path, which draws the same bits.
* block pooling ``"vertex"``: the pooled value of a block is ``x[v] + h[v]`` at one random
  pixel ``v``, so the noise is drawn at the pooled resolution (one uniform per block), which
  is the same distribution, and nothing is done at full resolution.
* covers (labels), point subsamples, and the identity (vanilla backpropagation, or noise
  only) in float64.

A sampler is used as ``start(x, n_slots)``, then per step ``sample(rng, slot)`` ->
``(values, ctx)``, ``pullback(idx, vals, ctx)`` -> ``(flat_idx, flat_vals)`` and
``update(moved, new_x, start_x)`` after the optimizer moved the iterate: the pixels that
ever moved, in the order they first moved, their values and their values in ``x0``.

With one approximate per step, the 2-D block pooling is incremental: the random bits of
the next approximate and the block sums of ``x0 + h`` with them do not depend on ``x``, so
a job computes them ahead (in a worker thread, ``start(..., prefetch=True)``, or inline:
the same numbers), and the step adds ``u * (x - x0)`` over the moved pixels (see
``_BlockSampler._sample_incremental`` and ``sktopo.smear._sampling.Prefetcher``). With
the mse fidelity and a loss kernel with compiled terms, the optimizer runs the whole step
in one compiled call instead (``_BlockSampler.step_engine``: the same arithmetic, so the
same run).
"""

from numbers import Integral

import numpy as np

from ._cover import check_labels, cover_nerve
from ._pooling import check_block_size

from . import _sampling

__all__ = []

_MODES = {"center": 0, "normalized_uniform": 1, "dirichlet": 2}
# the prefetch worker (see sktopo.smear._sampling.Prefetcher.settle): it is stopped when
# the average wait for it over about 64 steps passes _MAX_WAIT seconds (blobs: 2-10 us with
# a free core, with bursts to 50-60 us; about 300 us with the other core taken by another
# process), each wait counted for at most _WAIT_CAP (a virtual CPU descheduled once for a
# few milliseconds, common on a shared host, does not stop a worker that keeps up with
# every other step); every _PERIOD steps the other mode (worker or inline jobs) is
# measured for 80 steps, and the faster is kept
_MAX_WAIT = 200e-6
_WAIT_CAP = 2e-3
_PERIOD = 4000


def random_bits(seed, n, out=None):
    """32 random bits for each of ``n`` pixels (uint32), from the 64-bit ``seed``.

    The words of ``sktopo.smear._sampling.fill_words`` (interleaved xoshiro256++ streams),
    which the compiled pooling reads. ``out``:
    a buffer of ``n_words(n)`` uint64 to fill.
    """
    words = np.empty(n_words(n), dtype=np.uint64) if out is None else out
    _sampling.fill_words(seed, words)
    return words.view(np.uint32)


def n_words(n):
    """64-bit words holding 32 bits for each of ``n`` pixels: a multiple of the 4 lanes."""
    return -(-n // 8) * 4


def bits_uniforms(bits):
    """The noise and weight uniforms of each pixel's bits: ``(k + 1/2) / 2**16`` for the
    high and the low 16 bits, in (0, 1)."""
    high = ((bits >> 16).astype(np.float64) + 0.5) / 2**16
    low = ((bits & 0xFFFF).astype(np.float64) + 0.5) / 2**16
    return high, low


def check_block_offset(block_offset, sizes):
    """``"random"``, or the offset of the block grid as a tuple ``0 <= o < k`` per axis."""
    if isinstance(block_offset, str):
        if block_offset == "random":
            return "random"
        raise ValueError("The 'block_offset' parameter must be 'random', an int or a tuple "
                         f"of ints, got {block_offset!r}.")
    def is_int(v):
        return isinstance(v, (Integral, np.integer)) and not isinstance(v, bool)

    if is_int(block_offset):
        offsets = (block_offset,) * len(sizes)
    else:
        try:
            offsets = tuple(block_offset)
        except TypeError:
            raise TypeError("The 'block_offset' parameter must be 'random', an int or a "
                            f"tuple of ints, got {block_offset!r}.") from None
    if (len(offsets) != len(sizes) or not all(is_int(o) for o in offsets)
            or any(not 0 <= o < k for o, k in zip(offsets, sizes))):
        raise ValueError(f"The 'block_offset' parameter must be 'random' or ints in "
                         f"[0, block_size) (block_size {sizes}), one per axis, got "
                         f"{block_offset!r}.")
    return tuple(int(o) for o in offsets)


class _IdentitySampler:
    """No pooling: the approximate is ``x + h`` (or ``x`` itself when ``eps == 0``)."""

    def __init__(self, eps, shape):
        self.eps = eps
        self.shape = tuple(shape)

    def start(self, x, n_slots=1):
        # a view of the optimizer's own flat iterate (updated in place) in the input shape
        self.x = x.reshape(self.shape)

    def sample(self, rng, slot=0):
        if self.eps == 0:
            return self.x, None
        h = rng.random(self.shape)
        h *= 2 * self.eps
        h -= self.eps
        h += self.x
        return h, None

    def pullback(self, idx, vals, ctx):
        return idx, vals

    def update(self, idx, new, start=None):
        pass  # self.x is the optimizer's array


def _head(buffer, ny, nx):
    """The first ``ny * nx`` entries of a flat buffer as a C-contiguous (ny, nx) array."""
    return buffer[:ny * nx].reshape(ny, nx)


class _BlockSampler:
    """Block pooling of an image over a randomly shifted block grid (see the module docstring).

    With offset ``o`` (one per axis, ``0 <= o < k``), pixel ``p`` is in block
    ``(p + o) // k``: the first and last blocks along an axis may be partial (they pool
    their real pixels only) and the pooled shape is ``ceil((n + o) / k)``. ``"random"``
    draws the offset uniformly per approximate; a tuple fixes it (zeros: the STUMP paper's
    grid).
    """

    def __init__(self, shape, block_size, measure, simplex_sampling, eps,
                 block_offset="random"):
        self.image_shape = tuple(shape)
        self.sizes = check_block_size(block_size, shape)
        self.measure = measure
        self.mode = _MODES["center" if measure == "center" else simplex_sampling]
        self.eps = float(eps)
        self.offset = check_block_offset(block_offset, self.sizes)
        self.compiled = _sampling is not None and len(shape) == 2 and measure != "vertex"
        self.cells = int(np.prod(self.sizes))      # pixels of a whole block
        self.random_offset = self.offset == "random"

    def start(self, x, n_slots=1, prefetch=False):
        self.x = x                                   # the optimizer's flat float64 iterate
        self.image = x.reshape(self.image_shape)
        # one approximate per step: the incremental path (see _sample_incremental)
        self.incremental = self.compiled and n_slots == 1
        if self.incremental:
            self.x0 = x.copy()
            self.act = np.empty(0, dtype=np.int64)
            self.x_act, self.x0_act = np.empty(0), np.empty(0)
            # two sets of buffers (bits, block sums, weight totals, then the weights and
            # blocks of the moved pixels): the job of the next approximate fills one while
            # the current approximate uses the other; the sums hold the largest pooled
            # shape, over the offsets
            size = int(np.prod([-(-(n + k - 1) // k)
                                for n, k in zip(self.image_shape, self.sizes)]))
            self.buffers = [(np.empty(n_words(x.size), dtype=np.uint64), np.empty(size),
                             np.empty(size), np.empty(x.size, dtype=np.float32),
                             np.empty(x.size, dtype=np.int32)) for _ in range(2)]
            self.next = None
            self.prefetcher = _sampling.Prefetcher(self.x0.reshape(self.image_shape),
                                                   bool(prefetch), _MAX_WAIT, _WAIT_CAP,
                                                   _PERIOD)
        elif self.compiled:
            self.words = [np.empty(n_words(x.size), dtype=np.uint64) for _ in range(n_slots)]

    def step_engine(self, x, kernel, alpha, learning_rate, beta1, beta2, adam_eps,
                    prefetch, bounds=(-np.inf, np.inf)):
        """The compiled step (``sktopo.smear._sampling.BlockStep``) of this sampler, the
        mse fidelity and Adam (its values clipped to ``bounds``), for a loss kernel with
        compiled terms; None when it does not apply (the step then runs in Python, with
        the same numbers)."""
        from ..persistence._cubical import _MAX_PADDED_SIZE

        largest = [-(-(n + k - 1) // k) for n, k in zip(self.image_shape, self.sizes)]
        if (not self.compiled or getattr(kernel, "norms", None) is None
                or not hasattr(_sampling, "BlockStep")
                or (largest[0] + 2) * (largest[1] + 2) >= _MAX_PADDED_SIZE):
            return None
        self.x = x
        self.incremental = False
        return _sampling.BlockStep(
            x, x.copy(), self.image_shape, self.sizes,
            None if self.random_offset else self.offset, self.eps, self.mode,
            bool(prefetch), kernel.full, kernel.superlevel, kernel.norms, kernel.side,
            float(alpha), float(learning_rate), float(beta1), float(beta2), float(adam_eps),
            _MAX_WAIT, _WAIT_CAP, _PERIOD, float(bounds[0]), float(bounds[1]))

    def close(self):
        """Stop the worker thread of the incremental path, if any."""
        if getattr(self, "prefetcher", None) is not None:
            self.prefetcher.close()
            self.prefetcher = None

    def _draw(self, rng):
        """The grid offset and the seed of the pixels' bits, from 2 raw words."""
        seed, word = rng.bit_generator.random_raw(2).tolist()
        if self.random_offset:
            # 16 bits per axis: (bits * k) >> 16 is uniform in 0 .. k - 1 up to 2**-16
            offset = tuple((((word >> (16 * a)) & 0xFFFF) * k) >> 16
                           for a, k in enumerate(self.sizes))
        else:
            offset = self.offset
        return offset, seed

    def _pooled_shape(self, offset):
        return tuple(-(-(n + o) // k) for n, o, k in zip(self.image_shape, offset, self.sizes))

    def _submit(self, rng, k):
        """Draw the next approximate and start its job in buffer ``k``."""
        offset, seed = self._draw(rng)
        ny, nx = self._pooled_shape(offset)
        words, sums, total, known, blocks = self.buffers[k]
        # few moved pixels: pool x0 now and correct later; many: pool x itself later
        incremental = 4 * self.act.size <= self.x.size
        act = self.act if incremental else self.act[:0]
        self.prefetcher.submit(seed, words, incremental, *self.sizes, *offset, self.eps,
                               self.mode, _head(sums, ny, nx), _head(total, ny, nx), act,
                               known[:act.size], blocks[:act.size])
        return offset, (ny, nx), k, act.size if incremental else None

    def _sample_incremental(self):
        """The next approximate, from the job of the prefetcher: the block sums of
        ``x0 + h`` (x-independent, so computed ahead, in a worker thread when
        ``prefetch``), corrected by the pixels that moved, ``u * (x - x0)``; or, when
        more than a quarter of the pixels moved, the pooling of ``x`` with the job's
        bits. The same arithmetic with or without the worker."""
        offset, (ny, nx), k, n_known = self.next
        # (the worker may be stopped or started here, see Prefetcher.settle)
        self.prefetcher.wait()
        words, sums, total, known, blocks = self.buffers[k]
        bits = words.view(np.uint32)
        total = _head(total, ny, nx)
        pooled = np.empty((ny, nx))
        if n_known is not None:
            # the active set only grows: its first n_known pixels are the job's
            _sampling.finish2d(_head(sums, ny, nx), total, self.act, self.x_act,
                               self.x0_act, known[:n_known], blocks[:n_known],
                               self.image_shape[1],
                               *self.sizes, *offset, self.mode, bits, pooled)
        else:
            _sampling.pool2d(self.image, *self.sizes, *offset, self.eps, self.mode, bits,
                             pooled, total)
        return pooled, (offset, bits, total)

    def sample(self, rng, slot=0):
        if self.incremental:
            if self.next is None:
                self.next = self._submit(rng, 0)
            out = self._sample_incremental()
            # the job of the next approximate runs while this one is paired
            self.next = self._submit(rng, 1 - self.next[2])
            return out
        offset, seed = self._draw(rng)
        pooled_shape = self._pooled_shape(offset)
        if self.measure == "vertex":
            return self._sample_vertex(rng, offset, pooled_shape)
        if self.compiled:
            pooled = np.empty(pooled_shape)
            total = np.empty(pooled_shape)
            bits = random_bits(seed, self.x.size, self.words[slot])
            _sampling.pool2d(self.image, *self.sizes, *offset, self.eps, self.mode, bits,
                             pooled, total)
            # the bits stay valid until the next sample of this slot
            return pooled, (offset, bits, total)
        return self._sample_numpy(seed, offset, pooled_shape)

    def _sample_numpy(self, seed, offset, pooled_shape):
        if self.mode == 0 and self.eps == 0:
            bits = None
            u = np.ones(self.image_shape)
        else:
            bits = random_bits(seed, self.x.size)[:self.x.size]
            hi = bits_uniforms(bits)[0]
            u = self._weights(bits).reshape(self.image_shape)
        values = self.image
        if self.eps > 0:
            values = values + (2 * self.eps * hi - self.eps).reshape(self.image_shape)
        padded_shape = tuple(p * k for p, k in zip(pooled_shape, self.sizes))
        inside = tuple(slice(o, o + n) for o, n in zip(offset, self.image_shape))
        U = np.zeros(padded_shape)
        U[inside] = u
        T = np.zeros(padded_shape)
        T[inside] = u * values
        split = tuple(d for p, k in zip(pooled_shape, self.sizes) for d in (p, k))
        axes = tuple(range(1, 2 * len(pooled_shape), 2))
        total = U.reshape(split).sum(axis=axes)
        pooled = T.reshape(split).sum(axis=axes) / total
        return pooled, (offset, bits, total)

    def _weights(self, bits):
        """The weights of pixels from their bits, as the compiled pooling computes them."""
        if self.mode == 0:
            return np.ones(bits.shape)
        u = (((bits & 0xFFFF).astype(np.float64) + 0.5) / 2**16).astype(np.float32)
        return (-np.log(u) if self.mode == 2 else u).astype(np.float64)

    def _sample_vertex(self, rng, offset, pooled_shape):
        # one pixel uniform in each block's box of real pixels, axis by axis
        coords = []
        for axis, (n, o, k, p) in enumerate(zip(self.image_shape, offset, self.sizes,
                                                 pooled_shape)):
            lo = np.maximum(np.arange(p) * k - o, 0)
            hi = np.minimum(np.arange(1, p + 1) * k - o, n)
            shape = [1] * len(pooled_shape)
            shape[axis] = p
            draw = rng.random(pooled_shape)
            coords.append(lo.reshape(shape) + (draw * (hi - lo).reshape(shape)).astype(np.intp))
        pix = np.ravel_multi_index(coords, self.image_shape)
        values = self.x[pix]
        if self.eps > 0:
            values = values + (rng.random(pooled_shape) * (2 * self.eps) - self.eps)
        return values, pix.ravel()

    def pullback(self, idx, vals, ctx):
        """Sparse gradient on pooled blocks ``idx`` -> sparse gradient on pixels."""
        if self.measure == "vertex":
            return ctx[idx], vals
        offset, bits, total = ctx
        if self.compiled:
            n = len(idx) * self.cells
            out_idx = np.empty(n, dtype=np.int64)
            out_val = np.empty(n)
            if idx.dtype != np.int64:
                idx = idx.astype(np.int64)
            if vals.dtype != np.float64:
                vals = vals.astype(np.float64)
            (h, w), (ky, kx), (oy, ox) = self.image_shape, self.sizes, offset
            n = _sampling.pullback2d(idx, vals, h, w, ky, kx, oy, ox, self.mode, bits, total,
                                     out_idx, out_val)
            return out_idx[:n].astype(np.intp, copy=False), out_val[:n]
        # numpy: the pixels of every block, clipped to the image
        blocks = np.unravel_index(idx, total.shape)
        cells = np.indices(self.sizes).reshape(len(self.sizes), -1)
        coords = [b[:, None] * k - o + c[None, :]
                  for b, k, o, c in zip(blocks, self.sizes, offset, cells)]
        keep = np.ones(coords[0].shape, dtype=bool)
        for c, n in zip(coords, self.image_shape):
            keep &= (c >= 0) & (c < n)
        coords = [c[keep] for c in coords]
        pix = np.ravel_multi_index(coords, self.image_shape)
        g = np.broadcast_to((vals / total.ravel()[idx])[:, None], keep.shape)[keep]
        return pix, g if bits is None else g * self._weights(bits[pix])

    def update(self, idx, new, start=None):
        # self.x is the optimizer's array; the incremental path reads the moved pixels
        # ``idx`` (only ever extended at the end: the weights of the ones known when the
        # next job was posted are gathered by the job), ``new`` their values and
        # ``start`` their values in x0 (default gathered from it)
        if self.incremental:
            self.act = idx if idx.dtype == np.int64 else idx.astype(np.int64)
            self.x_act = new
            self.x0_act = self.x0[idx] if start is None else start


class _CoverSampler:
    """Pooling over a label cover; the approximate lives on the nerve (float64)."""

    def __init__(self, labels, measure, simplex_sampling, eps, connectivity="full"):
        self.labels, self.n_regions = check_labels(labels)
        self.flat = self.labels.ravel()
        self.measure = measure
        self.simplex_sampling = simplex_sampling
        self.eps = float(eps)
        self.simplices = cover_nerve(self.labels, connectivity)
        order = np.argsort(self.flat, kind="stable")
        self.members = np.split(order, np.cumsum(np.bincount(self.flat,
                                                             minlength=self.n_regions))[:-1])
        self.count = np.bincount(self.flat, minlength=self.n_regions).astype(np.float64)

    def start(self, x, n_slots=1):
        self.x = x

    def sample(self, rng, slot=0):
        t = self.x
        if self.eps > 0:
            t = t + rng.uniform(-self.eps, self.eps, t.shape)
        if self.measure == "center":
            w = 1.0 / self.count[self.flat]
        elif self.measure == "vertex":
            keys = rng.random(self.flat.size)
            order = np.lexsort((keys, self.flat))
            first = np.r_[True, self.flat[order][1:] != self.flat[order][:-1]]
            w = np.zeros(self.flat.size)
            w[order[first]] = 1.0
        else:
            u = (rng.standard_exponential(self.flat.size)
                 if self.simplex_sampling == "dirichlet" else rng.random(self.flat.size))
            w = u / np.bincount(self.flat, weights=u, minlength=self.n_regions)[self.flat]
        return np.bincount(self.flat, weights=w * t, minlength=self.n_regions), w

    def pullback(self, idx, vals, ctx):
        pix = [self.members[i] for i in idx]
        if not pix:
            return np.empty(0, dtype=np.intp), np.empty(0)
        lengths = [len(p) for p in pix]
        pix = np.concatenate(pix)
        return pix, ctx[pix] * np.repeat(vals, lengths)

    def update(self, idx, new, start=None):
        pass


class _PointSampler:
    """Random subsample of a point cloud plus uniform jitter (float64)."""

    def __init__(self, n_points, n_dims, n_keep, eps):
        self.n_points, self.n_dims, self.n_keep, self.eps = n_points, n_dims, n_keep, eps

    def start(self, x, n_slots=1):
        self.x = x.reshape(self.n_points, self.n_dims)

    def sample(self, rng, slot=0):
        if self.n_keep < self.n_points:
            keep = np.sort(rng.choice(self.n_points, self.n_keep, replace=False))
            points = self.x[keep]
        else:
            keep = None
            points = self.x.copy()
        if self.eps > 0:
            points += rng.uniform(-self.eps, self.eps, points.shape)
        return points, keep

    def pullback(self, idx, vals, ctx):
        # idx are flat indices into the (n_keep, n_dims) approximate
        if ctx is None:
            return idx, vals
        row, col = np.divmod(idx, self.n_dims)
        return ctx[row] * self.n_dims + col, vals

    def update(self, idx, new, start=None):
        pass
