"""Fused samplers of approximates for the STUMP hot path (private).

Each sampler draws one approximate of the current iterate and pulls a *sparse* gradient
on the approximate (few critical cells) back to a sparse gradient on the input, with as
few passes over the input as possible:

* block pooling (``"center"``, ``"simplex"``): the noise and the weights are drawn as
  float32 uniforms straight from the raw bit stream into preallocated buffers (23 random
  bits each, see ``_uniform_1_2``), then ``t = (x + h) * u`` in place and two block
  sums (a BLAS matrix-vector product along the last axis); the iterate is mirrored in a
  padded float32 buffer that the optimizer updates only where it changed. The pooled
  values are therefore computed in float32 (the approximates are random to +-eps anyway);
  the public functions of :mod:`sktopo.smear` are float64.
* block pooling ``"vertex"``: the pooled value of a block is ``x[v] + h[v]`` at one random
  pixel ``v``, so the noise is drawn at the pooled resolution (one uniform per block), which
  is the same distribution, and nothing is done at full resolution.
* covers (labels), point subsamples, and the identity (vanilla backpropagation, or noise
  only) in float64.

A sampler is used as ``start(x, n_slots)``, then per step ``sample(rng, slot)`` ->
``(values, ctx)``, ``pullback(idx, vals, ctx)`` -> ``(flat_idx, flat_vals)`` and
``update(flat_idx, new_x)`` after the optimizer moved the iterate there.
"""

import numpy as np

from ._cover import check_labels, cover_nerve
from ._pooling import check_block_size

__all__ = []


def _uniform_1_2(rng, out):
    """Fill a float32 array with uniforms in [1, 2) from the raw 64-bit stream of ``rng``.

    Each 32-bit half of a raw draw gives one float: its top 23 bits become the mantissa of
    a float in [1, 2) (2**23 equally likely values, the resolution of float32 there). About
    twice as fast as ``rng.random(dtype=np.float32)``.
    """
    bits = out.reshape(-1).view(np.uint32)
    n = bits.size
    raw = rng.bit_generator.random_raw(-(-n // 2)).view(np.uint32)[:n]
    np.right_shift(raw, np.uint32(9), out=bits)
    bits |= np.uint32(0x3F800000)


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

    def update(self, idx, new):
        pass  # self.x is the optimizer's array


class _BlockSampler:
    """Block pooling of an image, fused (see the module docstring)."""

    def __init__(self, shape, block_size, measure, simplex_sampling, eps):
        self.image_shape = tuple(shape)
        self.sizes = check_block_size(block_size, shape)
        self.measure = measure
        self.simplex_sampling = simplex_sampling
        self.eps = float(eps)
        self.pooled_shape = tuple(-(-n // k) for n, k in zip(shape, self.sizes))
        self.padded_shape = tuple(p * k for p, k in zip(self.pooled_shape, self.sizes))
        self.ragged = self.padded_shape != self.image_shape
        # table[b] = padded flat indices of the pixels of block b, orig[b] the image ones
        nd = len(shape)
        grids = np.meshgrid(*[np.arange(p) for p in self.padded_shape], indexing="ij")
        block = np.zeros(self.padded_shape, dtype=np.intp)
        inside = np.ones(self.padded_shape, dtype=bool)
        for axis in range(nd):
            block = block * self.pooled_shape[axis] + grids[axis] // self.sizes[axis]
            inside &= grids[axis] < self.image_shape[axis]
        order = np.lexsort((~inside.ravel(), block.ravel()))    # by block, real pixels first
        kk = int(np.prod(self.sizes))
        self.table = order.reshape(-1, kk)
        orig = np.full(inside.size, -1, dtype=np.intp)
        orig[inside.ravel()] = np.arange(int(np.prod(self.image_shape)))
        self.orig = orig[self.table]
        self.count = inside.ravel()[self.table].sum(axis=1)
        self.to_padded = np.flatnonzero(inside.ravel())          # image flat -> padded flat
        self.valid = inside.astype(np.float32) if self.ragged else None
        self.ones = np.ones(self.sizes[-1], dtype=np.float32)

    def _block_sum(self, A):
        # sum along the last block axis with a BLAS product, then over the others
        s = A.reshape(-1, self.sizes[-1]) @ self.ones
        split = []
        for p, k in zip(self.pooled_shape[:-1], self.sizes[:-1]):
            split += [p, k]
        s = s.reshape(split + [self.pooled_shape[-1]])
        return s.sum(axis=tuple(range(1, 2 * len(self.sizes) - 2, 2))) if len(
            self.sizes) > 1 else s

    def start(self, x, n_slots=1):
        self.x = x                                   # flat float64 iterate (image order)
        if self.measure == "vertex":
            return
        # mirror of x - 3 eps (see sample), padded, in float32
        self.shift = 3 * self.eps
        self.xp = np.zeros(self.padded_shape, dtype=np.float32)
        self.xp.ravel()[self.to_padded] = x - self.shift
        self.buffers = [np.empty((2,) + self.padded_shape, dtype=np.float32)
                        for _ in range(n_slots)]
        if self.measure == "center":
            self.inv_count = (1.0 / self.count).reshape(self.pooled_shape)

    def sample(self, rng, slot=0):
        if self.measure == "vertex":
            # pooled value = x[v] + h[v] at one uniform pixel v of each block
            nb = self.table.shape[0]
            off = (rng.random(nb) * self.count).astype(np.intp)
            pix = self.orig[np.arange(nb), off]
            values = self.x[pix]
            if self.eps > 0:
                values = values + (rng.random(nb) * (2 * self.eps) - self.eps)
            return values.reshape(self.pooled_shape), pix
        buf = self.buffers[slot]
        t, u = buf[0], buf[1]
        two_eps = np.float32(2 * self.eps)
        if self.measure == "center":
            if self.eps > 0:
                # x + h = x - 3 eps + 2 eps U' with U' uniform in [1, 2)
                _uniform_1_2(rng, t)
                t *= two_eps
                t += self.xp
                if self.valid is not None:
                    t *= self.valid
                pooled = self._block_sum(t)
            else:
                pooled = self._block_sum(self.xp)
            return (pooled * self.inv_count).astype(np.float64), None
        # simplex: t = (x + h) * u, pooled = block_sum(t) / block_sum(u)
        if self.eps > 0:
            _uniform_1_2(rng, buf)
        else:
            _uniform_1_2(rng, u)
        if self.simplex_sampling == "dirichlet":
            # standard exponentials -log(V), V = 2 - U' uniform in (0, 1]
            np.subtract(np.float32(2), u, out=u)
            np.log(u, out=u)
            np.negative(u, out=u)
        else:
            u -= np.float32(1)                       # uniform in [0, 1)
        if self.valid is not None:
            u *= self.valid
        if self.eps > 0:
            t *= two_eps
            t += self.xp                             # x + h (the 3 eps shift is in xp)
            t *= u
        else:
            np.multiply(self.xp, u, out=t)
        total = self._block_sum(u)
        pooled = self._block_sum(t)
        pooled /= total
        return pooled.astype(np.float64), (u, total)

    def pullback(self, idx, vals, ctx):
        """Sparse gradient on pooled blocks ``idx`` -> sparse gradient on pixels."""
        if self.measure == "vertex":
            return ctx[idx], vals
        if self.measure == "center":
            w = np.broadcast_to((1.0 / self.count[idx])[:, None], (len(idx), self.orig.shape[1]))
        else:
            u, total = ctx
            w = u.ravel()[self.table[idx]] / total.ravel()[idx][:, None]
        pix = self.orig[idx]
        g = w * vals[:, None]
        keep = pix >= 0
        return pix[keep], g[keep].astype(np.float64)

    def update(self, idx, new):
        if self.measure != "vertex":
            self.xp.ravel()[self.to_padded[idx]] = new - self.shift


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

    def update(self, idx, new):
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

    def update(self, idx, new):
        pass
