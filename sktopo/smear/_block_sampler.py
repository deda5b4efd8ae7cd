"""``BlockPooling``: the sampler of block-pooled approximates of an image that the STUMP
optimizer draws from (the pooling and its adjoint are in ``_pooling.py``)."""

from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import (Interval, StrOptions,
                                             validate_parameter_constraints)

from .._backprop import scatter_to_values
from ..utils._validation import check_scalar, check_values
from . import _pool2d
from ._pooling import MEASURES, SIMPLEX_SAMPLINGS, _block_sum, check_block_size
from ._random import as_generator, bits_uniforms, random_bits

__all__ = ["BlockPooling", "check_block_offset"]


def check_block_offset(offset, sizes):
    """``"random"``, or the offset of the block grid as a tuple ``0 <= o < k`` per axis."""
    if isinstance(offset, str):
        if offset == "random":
            return "random"
        raise ValueError("The 'offset' parameter must be 'random', an int or a tuple of ints, "
                         f"got {offset!r}.")

    def is_int(v):
        return isinstance(v, (Integral, np.integer)) and not isinstance(v, bool)

    if is_int(offset):
        offsets = (offset,) * len(sizes)
    else:
        try:
            offsets = tuple(offset)
        except TypeError:
            raise TypeError("The 'offset' parameter must be 'random', an int or a tuple of "
                            f"ints, got {offset!r}.") from None
    if (len(offsets) != len(sizes) or not all(is_int(o) for o in offsets)
            or any(not 0 <= o < k for o, k in zip(offsets, sizes))):
        raise ValueError(f"The 'offset' parameter must be 'random' or ints in [0, "
                         f"block_size) (block_size {sizes}), one per axis, got {offset!r}.")
    return tuple(int(o) for o in offsets)


_MODES = {"center": 0, "normalized_uniform": 1, "dirichlet": 2}


class _BlockDraw(NamedTuple):
    """What :meth:`BlockPooling.pullback` needs of a draw."""

    shape: tuple     # of the image
    sizes: tuple
    offset: tuple
    bits: np.ndarray  # 32 random bits per pixel (None for "vertex")
    total: np.ndarray  # weight sum of every block (the chosen pixels for "vertex")


class BlockPooling:
    """Random block pooling: a sampler of approximates of an image (STUMP, Sec. II-A).

    Each draw adds uniform noise in ``[-eps, eps]`` to every pixel (Sec. II-C) and pools
    the result over the blocks of a grid shifted by ``offset`` with random convex weights
    (``measure``); :meth:`pullback` is the adjoint of that linear map (the exact chain
    rule, Sec. II-B). The samplers of :func:`~sktopo.stump_minimize`.

    Every pixel's noise and weight come from 32 random bits (16 each; ``U = (k + 1/2) /
    2**16``: noise ``eps (2 U - 1)``, weight ``U``, ``-log U`` or 1), drawn by the compiled
    xoshiro256++ streams of ``sktopo.smear._pool2d`` from one 64-bit seed per draw, so
    that the compiled step of ``stump_minimize`` draws the same approximates. With offset
    ``o`` (one per axis, ``0 <= o < k``), pixel ``p`` is in block ``(p + o) // k``: the
    first and last blocks along an axis may be partial (they pool their real pixels only)
    and the pooled shape is ``ceil((n + o) / k)``.

    Parameters
    ----------
    block_size : int or tuple of int, default=4
        Side of the blocks (one per axis); 1 means no pooling (noise only).
    measure : {"center", "vertex", "simplex"}, default="simplex"
        The weights of a block: its average, one random pixel, or random convex weights.
    eps : float, default=0
        Half-width of the uniform noise, >= 0.
    offset : "random", int or tuple of int, default="random"
        ``"random"`` draws the grid offset uniformly for every approximate, so that every
        pair of neighbouring pixels shares a block in some approximates; ``0`` is the STUMP
        paper's fixed grid.
    simplex_sampling : {"normalized_uniform", "dirichlet"}, default="normalized_uniform"
        How ``"simplex"`` weights are drawn: independent uniforms divided by their block
        sum (the reference code), or Dirichlet(1) (uniform on the simplex).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import BlockPooling
    >>> pooling = BlockPooling(2, "center", offset=0)
    >>> X = np.arange(16.0).reshape(4, 4)
    >>> pooled, draw = pooling.sample(X, random_state=0)
    >>> pooled
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> pooling.pullback(np.ones((2, 2)), draw).sum()
    np.float64(4.0)
    """

    _parameter_constraints = {
        "block_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "measure": [StrOptions(set(MEASURES))],
        "eps": [Interval(Real, 0, None, closed="left")],
        "offset": [StrOptions({"random"}), Integral, tuple, list],
        "simplex_sampling": [StrOptions(set(SIMPLEX_SAMPLINGS))],
    }

    def __init__(self, block_size=4, measure="simplex", *, eps=0.0, offset="random",
                 simplex_sampling="normalized_uniform"):
        self.block_size = block_size
        self.measure = measure
        self.eps = eps
        self.offset = offset
        self.simplex_sampling = simplex_sampling

    def _check(self, shape):
        """Validate the parameters for images of ``shape``; returns the block sizes, the
        offset and the weight mode."""
        validate_parameter_constraints(self._parameter_constraints, self.get_params(),
                                       type(self).__name__)
        check_scalar(self.eps, "eps", low=0)
        sizes = check_block_size(self.block_size, shape)
        offset = check_block_offset(self.offset, sizes)
        mode = _MODES["center" if self.measure == "center" else self.simplex_sampling]
        return sizes, offset, mode

    def get_params(self, deep=True):
        return {"block_size": self.block_size, "measure": self.measure, "eps": self.eps,
                "offset": self.offset, "simplex_sampling": self.simplex_sampling}

    def sample(self, x, random_state=None):
        """Draw one approximate of the image ``x``.

        Returns
        -------
        approximate : ndarray of the pooled shape
        draw : object
            What :meth:`pullback` needs (the grid offset, the random bits, the weights'
            sums).
        """
        x = np.ascontiguousarray(check_values(x, "x"))
        sizes, offset, mode = self._check(x.shape)
        rng = as_generator(random_state)
        seed, word = rng.bit_generator.random_raw(2).tolist()
        if offset == "random":
            # 16 bits per axis: (bits * k) >> 16 is uniform in 0 .. k - 1 up to 2**-16
            offset = tuple((((word >> (16 * a)) & 0xFFFF) * k) >> 16
                           for a, k in enumerate(sizes))
        pooled_shape = tuple(-(-(n + o) // k) for n, o, k in zip(x.shape, offset, sizes))
        if self.measure == "vertex":
            return self._sample_vertex(x, rng, sizes, offset, pooled_shape)
        bits = random_bits(seed, x.size)
        if x.ndim == 2:
            pooled, total = np.empty(pooled_shape), np.empty(pooled_shape)
            _pool2d.pool2d(x, *sizes, *offset, float(self.eps), mode, bits, pooled, total)
        else:
            pooled, total = self._pool_nd(x, bits[:x.size], sizes, offset, mode)
        return pooled, _BlockDraw(x.shape, sizes, offset, bits, total)

    def _pool_nd(self, x, bits, sizes, offset, mode):
        """The pooling of ``sktopo.smear._pool2d.pool2d`` for any dimension, in numpy."""
        high, low = bits_uniforms(bits)
        u = _weights(low, mode).reshape(x.shape)
        values = x + (2 * self.eps * high - self.eps).reshape(x.shape) if self.eps else x
        pooled_shape = tuple(-(-(n + o) // k) for n, o, k in zip(x.shape, offset, sizes))
        inside = tuple(slice(o, o + n) for o, n in zip(offset, x.shape))
        padded = np.zeros(tuple(p * k for p, k in zip(pooled_shape, sizes)))
        padded[inside] = u
        total = _block_sum(padded, sizes)
        padded[inside] = u * values
        return _block_sum(padded, sizes) / total, total

    def _sample_vertex(self, x, rng, sizes, offset, pooled_shape):
        """One pixel uniform in each block's box of real pixels, axis by axis (the noise is
        drawn at the pooled resolution: the same distribution)."""
        coords = []
        for axis, (n, o, k, p) in enumerate(zip(x.shape, offset, sizes, pooled_shape)):
            lo = np.maximum(np.arange(p) * k - o, 0)
            hi = np.minimum(np.arange(1, p + 1) * k - o, n)
            view = [1] * x.ndim
            view[axis] = p
            draw = rng.random(pooled_shape)
            coords.append(lo.reshape(view)
                          + (draw * (hi - lo).reshape(view)).astype(np.intp))
        pix = np.ravel_multi_index(coords, x.shape)
        values = x.ravel()[pix]
        if self.eps > 0:
            values = values + (rng.random(pooled_shape) * (2 * self.eps) - self.eps)
        return values, _BlockDraw(x.shape, sizes, offset, None, pix)

    def pullback(self, grad, draw):
        """Pull a gradient on the approximate back to the image: the adjoint of the draw.

        ``grad`` is an array of the pooled shape (returns an array of the image's shape),
        or a sparse gradient ``(indices, values)`` on the flat approximate (indices may
        repeat; returns ``(indices, values)`` on the flat image).
        """
        sparse = isinstance(grad, tuple)
        if sparse:
            idx, vals = (np.asarray(grad[0], dtype=np.int64),
                         np.asarray(grad[1], dtype=np.float64))
        else:
            grad = check_values(grad, "grad")
            idx, vals = np.arange(grad.size, dtype=np.int64), grad.ravel()
        n_blocks = draw.total.size
        if idx.size and (idx.min() < 0 or idx.max() >= n_blocks):
            raise ValueError(f"The gradient's indices must lie in [0, {n_blocks}).")
        pix, g = self._pullback(idx, vals, draw)
        if sparse:
            return pix, g
        return scatter_to_values(int(np.prod(draw.shape)), pix, g).reshape(draw.shape)

    def _pullback(self, idx, vals, draw):
        if draw.bits is None:                        # "vertex": the chosen pixels
            return draw.total.ravel()[idx], vals
        mode = _MODES["center" if self.measure == "center" else self.simplex_sampling]
        if len(draw.shape) == 2:
            n = idx.size * int(np.prod(draw.sizes))
            out_idx, out_val = np.empty(n, dtype=np.int64), np.empty(n)
            n = _pool2d.pullback2d(idx, vals, *draw.shape, *draw.sizes, *draw.offset, mode,
                                   draw.bits, draw.total, out_idx, out_val)
            return out_idx[:n].astype(np.intp, copy=False), out_val[:n]
        # the pixels of every block, clipped to the image
        blocks = np.unravel_index(idx, draw.total.shape)
        cells = np.indices(draw.sizes).reshape(len(draw.sizes), -1)
        coords = [b[:, None] * k - o + c[None, :]
                  for b, k, o, c in zip(blocks, draw.sizes, draw.offset, cells)]
        keep = np.ones(coords[0].shape, dtype=bool)
        for c, n in zip(coords, draw.shape):
            keep &= (c >= 0) & (c < n)
        pix = np.ravel_multi_index([c[keep] for c in coords], draw.shape)
        g = np.broadcast_to((vals / draw.total.ravel()[idx])[:, None], keep.shape)[keep]
        return pix, g * _weights(bits_uniforms(draw.bits[pix])[1], mode)

    def __repr__(self):
        return (f"BlockPooling(block_size={self.block_size!r}, measure={self.measure!r}, "
                f"eps={self.eps!r}, offset={self.offset!r}, "
                f"simplex_sampling={self.simplex_sampling!r})")


def _weights(low, mode):
    """The weights of pixels from their low uniforms, as the compiled pooling computes them."""
    if mode == 0:
        return np.ones(low.shape)
    return -np.log(low) if mode == 2 else low
