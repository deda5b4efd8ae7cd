r"""Block pooling of images: the approximates of the STUMP paper, Sec. II-A.

The cover is the set of non-overlapping ``k x k`` blocks (any ``ndim``, one block size per
axis). A weighting :math:`\omega` gives every pixel a weight, and the pooled image is

.. math::

    f_\omega[B] = \sum_{v \in B} \omega(v) f(v)

for every block :math:`B`. For a fixed :math:`\omega` this map is linear, so the gradient
of a loss of :math:`f_\omega` is pulled back by its adjoint,
``grad_f[v] = omega[v] * grad_pooled[B(v)]`` (the paper's exact chain rule, Sec. II-B).

Ragged edge policy: **pad**. When the image size is not a multiple of the block size, the
last block along an axis is partial: it covers the remaining pixels only (as if the image
were padded with pixels of weight zero). Every pixel belongs to exactly one block and the
pooled shape is ``ceil(n / k)`` along each axis. The measures weight only the real pixels
of a partial block.

Measures (the paper's three, Sec. II-A):

* ``"center"``: the average of the block (the atom at the center of the simplex);
* ``"vertex"``: one pixel of the block picked uniformly at random;
* ``"simplex"``: random convex weights, either ``"normalized_uniform"`` (independent
  uniforms divided by their sum: the reference code's choice, *not* uniform on the
  simplex) or ``"dirichlet"`` (normalized standard exponentials: Dirichlet(1, ..., 1), the
  uniform measure on the simplex the paper describes).
"""

from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import (Interval, StrOptions,
                                             validate_parameter_constraints)

from .._backprop import scatter_to_values
from ..utils._validation import (CONSTRAINTS, check_scalar, check_shape, check_values,
                                 validate_params)
from . import _pool2d
from ._random import as_generator, bits_uniforms, random_bits

__all__ = ["check_block_size", "pooled_shape", "sample_block_weights", "block_pool",
           "block_pullback", "BlockPooling"]

MEASURES = ("center", "vertex", "simplex")
SIMPLEX_SAMPLINGS = ("normalized_uniform", "dirichlet")


def _is_int(v):
    return isinstance(v, (Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def check_block_size(block_size, shape):
    """Return the block size as a tuple with one int >= 1 per axis of ``shape``.

    Raises ValueError naming ``block_size`` when a block is larger than the image.
    """
    shape = check_shape(shape)
    if isinstance(block_size, (Integral, np.integer)) and not isinstance(block_size, bool):
        sizes = (int(block_size),) * len(shape)
    else:
        try:
            sizes = tuple(block_size)
        except TypeError:
            raise TypeError("The 'block_size' parameter must be an int or a tuple of ints, "
                            f"got {block_size!r}.") from None
        if len(sizes) != len(shape) or not all(
                isinstance(k, (Integral, np.integer)) and not isinstance(k, bool)
                for k in sizes):
            raise ValueError(f"The 'block_size' parameter must be an int or {len(shape)} "
                             f"ints (one per axis), got {block_size!r}.")
        sizes = tuple(int(k) for k in sizes)
    for k, n in zip(sizes, shape):
        if k < 1:
            raise ValueError(f"The 'block_size' parameter must be >= 1, got {block_size!r}.")
        if k > n:
            raise ValueError(f"The 'block_size' parameter {block_size!r} is larger than the "
                             f"image of shape {shape}.")
    return sizes


def pooled_shape(shape, block_size):
    """Shape of the pooled image: ``ceil(n / k)`` per axis (ragged edges are padded)."""
    shape = check_shape(shape)
    sizes = check_block_size(block_size, shape)
    return tuple(-(-n // k) for n, k in zip(shape, sizes))


def _block_sum(A, sizes):
    """Sum of ``A`` over each block, padding the ragged edge with zeros."""
    padded = tuple(-(-n // k) * k for n, k in zip(A.shape, sizes))
    if padded != A.shape:
        P = np.zeros(padded, dtype=A.dtype)
        P[tuple(slice(0, n) for n in A.shape)] = A
        A = P
    split = []
    for n, k in zip(padded, sizes):
        split += [n // k, k]
    return A.reshape(split).sum(axis=tuple(range(1, 2 * A.ndim, 2)))


def _upsample(G, sizes, shape):
    """Repeat each block value over its pixels, cropped to ``shape`` (adjoint of _block_sum)."""
    for axis, k in enumerate(sizes):
        G = np.repeat(G, k, axis=axis)
    return G[tuple(slice(0, n) for n in shape)]


def _block_counts(shape, sizes):
    """Number of real pixels of each block (k**ndim except for ragged edge blocks)."""
    counts = np.ones(1)
    for n, k in zip(shape, sizes):
        per_axis = np.minimum(k, n - k * np.arange(-(-n // k)))
        counts = np.multiply.outer(counts, per_axis)
    return counts[0]


@validate_params({"measure": [StrOptions(set(MEASURES))],
                  "simplex_sampling": [StrOptions(set(SIMPLEX_SAMPLINGS))],
                  "random_state": CONSTRAINTS["random_state"]})
def sample_block_weights(shape, block_size, measure="simplex", *,
                         simplex_sampling="normalized_uniform", random_state=None):
    """Draw the weights of one approximate: one convex combination per block.

    Parameters
    ----------
    shape : tuple of int
        Shape of the image.
    block_size : int or tuple of int
        Side of the blocks (one per axis).
    measure : {"center", "vertex", "simplex"}, default="simplex"
        The measure on each block's simplex, see the module docstring.
    simplex_sampling : {"normalized_uniform", "dirichlet"}, default="normalized_uniform"
        How ``"simplex"`` weights are drawn: independent uniforms divided by their block
        sum (the reference code), or Dirichlet(1) (normalized exponentials: uniform on the
        simplex, as the paper describes).
    random_state : int, RandomState, Generator or None, default=None
        Source of randomness (unused by ``"center"``).

    Returns
    -------
    weights : ndarray of float64 of shape ``shape``
        Non-negative, summing to 1 over every block.

    Examples
    --------
    >>> from sktopo.smear import sample_block_weights
    >>> sample_block_weights((2, 3), 2, "center")
    array([[0.25, 0.25, 0.5 ],
           [0.25, 0.25, 0.5 ]])
    >>> w = sample_block_weights((4, 4), 2, "vertex", random_state=0)
    >>> w.reshape(2, 2, 2, 2).sum(axis=(1, 3))
    array([[1., 1.],
           [1., 1.]])
    """
    shape = check_shape(shape, bytes_per_value=24)
    sizes = check_block_size(block_size, shape)
    counts = _block_counts(shape, sizes)
    if measure == "center":
        return 1.0 / _upsample(counts, sizes, shape)
    rng = as_generator(random_state)
    if measure == "vertex":
        # one offset per axis and block, uniform over the block's real pixels
        weights = np.zeros(shape)
        grids = []
        for n, k in zip(shape, sizes):
            starts = k * np.arange(-(-n // k))
            grids.append((starts, np.minimum(k, n - starts)))
        nb = tuple(len(s) for s, _ in grids)
        index = []
        for axis, (starts, widths) in enumerate(grids):
            view = [1] * len(shape)
            view[axis] = -1
            offset = np.floor(rng.random(nb) * widths.reshape(view)).astype(np.intp)
            index.append(starts.reshape(view) + np.minimum(offset, widths.reshape(view) - 1))
        weights[tuple(index)] = 1.0
        return weights
    if simplex_sampling == "dirichlet":
        u = rng.standard_exponential(shape)
    else:
        u = rng.random(shape)
    return u / _upsample(_block_sum(u, sizes), sizes, shape)


def _check_weights(weights, shape):
    weights = check_values(weights, "weights")
    if weights.shape != tuple(shape):
        raise ValueError(f"The 'weights' parameter must have the shape of the image {shape}, "
                         f"got {weights.shape}.")
    if (weights < 0).any():
        raise ValueError("The 'weights' parameter must be non-negative.")
    return weights


def block_pool(X, block_size, weights=None):
    """Pool an image over non-overlapping blocks with per-pixel weights.

    ``pooled[B] = sum over the pixels v of block B of weights[v] * X[v]``; ragged edge
    blocks are partial (see the module docstring).

    Parameters
    ----------
    X : array-like of shape (n_0, ..., n_d)
        The image.
    block_size : int or tuple of int
        Side of the blocks.
    weights : array-like of the shape of X, default=None
        Per-pixel weights, e.g. from :func:`sample_block_weights`. None means the block
        averages (the ``"center"`` measure).

    Returns
    -------
    pooled : ndarray of float64 of shape ``pooled_shape(X.shape, block_size)``

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import block_pool
    >>> X = np.arange(12.0).reshape(3, 4)
    >>> block_pool(X, 2)
    array([[ 2.5,  4.5],
           [ 8.5, 10.5]])
    """
    X = check_values(X, "X")
    sizes = check_block_size(block_size, X.shape)
    if weights is None:
        weights = sample_block_weights(X.shape, sizes, "center")
    else:
        weights = _check_weights(weights, X.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        pooled = _block_sum(weights * X, sizes)
    return check_sums(pooled)


def check_sums(pooled):
    """The pooled values, refused when their weighted sums overflowed."""
    if not np.isfinite(pooled).all():
        raise ValueError("The weighted sums of X overflow: rescale X, or use weights "
                         "summing to 1 over every block.")
    return pooled


def block_pullback(grad, block_size, weights=None, shape=None):
    """Pull a gradient on the pooled image back to the pixels: the adjoint of pooling.

    ``out[v] = weights[v] * grad[B(v)]``, so that ``<block_pool(X, k, w), G> ==
    <X, block_pullback(G, k, w)>`` for all X and G (the exact chain rule).

    Parameters
    ----------
    grad : array-like of the pooled shape
        Gradient with respect to the pooled image.
    block_size : int or tuple of int
        Side of the blocks.
    weights : array-like of the image shape, default=None
        The weights used for pooling; None means the block averages (then ``shape`` is
        required).
    shape : tuple of int, default=None
        Shape of the image; taken from ``weights`` when given.

    Returns
    -------
    grad_image : ndarray of float64 of the image shape

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import block_pullback
    >>> block_pullback(np.array([[4.0, 2.0]]), 2, shape=(2, 3))
    array([[1., 1., 1.],
           [1., 1., 1.]])
    """
    if weights is None:
        if shape is None:
            raise ValueError("The 'shape' parameter is required when 'weights' is None.")
        shape = check_shape(shape)
        sizes = check_block_size(block_size, shape)
        weights = sample_block_weights(shape, sizes, "center")
    else:
        weights = check_values(weights, "weights")
        shape = weights.shape
        sizes = check_block_size(block_size, shape)
    grad = check_values(grad, "grad")
    expected = tuple(-(-n // k) for n, k in zip(shape, sizes))
    if grad.shape != expected:
        raise ValueError(f"The 'grad' parameter must have the pooled shape {expected}, got "
                         f"{grad.shape}.")
    return weights * _upsample(grad, sizes, shape)


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
