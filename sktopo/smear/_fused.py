"""Fused samplers of approximates for the STUMP hot path (private).

Each sampler draws one approximate of the current iterate and pulls a *sparse* gradient
on the approximate (few critical cells) back to a sparse gradient on the input, with as
few passes over the input as possible:

* block pooling (``"center"``, ``"simplex"``): the noise and the weights are drawn as
  float32 uniforms straight from the raw bit stream into preallocated buffers, 16 random
  bits each (one 32-bit half of a raw draw per pixel gives its noise and its weight, see
  ``_uniform16_1_2``), then ``t = (U + xs) * u`` in place, where ``xs`` mirrors the
  iterate shifted and scaled so that ``scale * (U + xs) = x + h``, and the block sums of
  ``t`` and ``u`` together (slices of rows added, then a BLAS matrix-vector product
  along the last axis). The mirror is a padded float32 buffer that the optimizer updates
  only on the active pixels. The pooled values are therefore computed in float32 (the
  approximates are random to +-eps anyway); the public functions of :mod:`sktopo.smear`
  are float64.
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


_EXPONENT = np.uint32(0x3F800000)          # the bits of 1.0f
_MANTISSA16 = np.uint32(0x7FFF80)          # the top 16 bits of a float32 mantissa
HALF_BIN = 2.0 ** -17                      # half the width of a 16-bit bin


def _uniform16_1_2(rng, out):
    """Fill a contiguous float32 array of even size with ``1 + k / 2**16``, k uniform in
    ``0 .. 2**16 - 1``, two per 32-bit half of the raw 64-bit stream of ``rng``.

    The first half of ``out`` takes the low 16 bits of each 32-bit word, the second half
    the high 16 bits (independent bits, so independent values). Half the raw draws of
    ``rng.random(dtype=np.float32)`` per value, at 16-bit resolution: adding ``HALF_BIN`` centres the bins, which
    gives the uniform distribution on [1, 2) rounded to 2**16 levels (the approximates are
    random to much more than that: for noise of half-width ``eps`` the step is
    ``2 eps / 2**16``).
    """
    bits = out.reshape(2, -1).view(np.uint32)
    n = bits.shape[1]
    raw = rng.bit_generator.random_raw(-(-n // 2)).view(np.uint32)[:n]
    low, high = bits
    np.left_shift(raw, np.uint32(7), out=low)
    low &= _MANTISSA16
    low |= _EXPONENT
    np.right_shift(raw, np.uint32(9), out=high)
    high &= _MANTISSA16
    high |= _EXPONENT


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
        """Block sums of ``A`` of shape ``(L,) + padded_shape`` -> ``(L,) + pooled_shape``.

        The leading block axes are folded first by adding their ``k`` slices (contiguous
        rows), then the last one by a BLAS matrix-vector product with ``ones(k)``, on
        ``prod(k)`` times fewer values than the input.
        """
        s = A
        lead = A.shape[0]
        for p, k in zip(self.pooled_shape[:-1], self.sizes[:-1]):
            lead *= p
            if k == 1:
                continue
            s = s.reshape(lead, k, -1)
            r = np.add(s[:, 0], s[:, 1])
            for j in range(2, k):
                r += s[:, j]
            s = r
        k = self.sizes[-1]
        s = s.reshape(-1, k) @ self.ones if k > 1 else s.reshape(-1)
        return s.reshape((A.shape[0],) + self.pooled_shape)

    def start(self, x, n_slots=1):
        self.x = x                                   # flat float64 iterate (image order)
        if self.measure == "vertex":
            return
        # Mirror of (x - shift) / scale, padded, in float32 (see sample): the approximate
        # of a block is scale * sum((U + xs) u) / sum(u) with U = 1 + (k + 1/2) / 2**16
        # uniform, i.e. x + 2 eps (U - 1) - eps = x + h.
        if self.eps > 0:
            self.scale = 2 * self.eps
            self.shift = 3 * self.eps - 2 * self.eps * HALF_BIN
        else:
            self.scale, self.shift = 1.0, 0.0
        self.inv_scale = 1.0 / self.scale
        npad = int(np.prod(self.padded_shape))
        self.npad = npad
        self.xs = np.zeros(self.padded_shape, dtype=np.float32)
        self.xs.ravel()[self.to_padded] = (x - self.shift) * self.inv_scale
        # per slot: [t (npad) | u (npad) | 1 spare] so that every random fill has even size
        self.buffers = [np.empty(2 * npad + 1, dtype=np.float32) for _ in range(n_slots)]
        self._idx, self._padded_idx = None, None
        if self.measure == "center":
            self.inv_count = (self.scale / self.count).reshape(self.pooled_shape)

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
        flat = self.buffers[slot]
        npad = self.npad
        both = flat[:2 * npad].reshape((2,) + self.padded_shape)
        t, u = both
        if self.measure == "center":
            if self.eps > 0:
                _uniform16_1_2(rng, flat[:npad + npad % 2])
                t += self.xs                         # (x + h - shift') / scale, see start
                if self.valid is not None:
                    t *= self.valid
                pooled = self._block_sum(t[None])[0]
            else:
                pooled = self._block_sum(self.xs[None])[0]
            pooled *= self.inv_count
            return pooled.astype(np.float64), None
        # simplex: t = (U + xs) * u, pooled = scale * block_sum(t) / block_sum(u)
        if self.eps > 0:
            _uniform16_1_2(rng, flat[:2 * npad])
        else:
            _uniform16_1_2(rng, flat[npad:2 * npad + npad % 2])
        if self.simplex_sampling == "dirichlet":
            # standard exponentials -log(V), V = 2 - U uniform in (0, 1) (16-bit levels)
            np.subtract(np.float32(2 - HALF_BIN), u, out=u)
            np.log(u, out=u)
            np.negative(u, out=u)
        else:
            u -= np.float32(1 - HALF_BIN)            # uniform in (0, 1)
        if self.valid is not None:
            u *= self.valid
        if self.eps > 0:
            t += self.xs
            t *= u
        else:
            np.multiply(self.xs, u, out=t)
        sums = self._block_sum(both)
        pooled = sums[0]
        pooled /= sums[1]
        if self.scale != 1.0:
            pooled *= np.float32(self.scale)
        return pooled.astype(np.float64), (u, sums[1])

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
        if self.ragged:
            keep = pix >= 0
            return pix[keep], g[keep].astype(np.float64)
        return pix.ravel(), g.ravel().astype(np.float64, copy=False)

    def update(self, idx, new):
        if self.measure == "vertex":
            return
        if idx is not self._idx:                     # the active set grew: new index array
            self._idx, self._padded_idx = idx, self.to_padded[idx]
        vals = new - self.shift
        vals *= self.inv_scale
        self.xs.ravel()[self._padded_idx] = vals.astype(np.float32)


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
