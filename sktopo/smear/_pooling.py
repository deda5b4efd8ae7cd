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

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ..utils._validation import CONSTRAINTS, check_shape, check_values, validate_params
from ._random import as_generator

__all__ = ["check_block_size", "pooled_shape", "sample_block_weights", "block_pool",
           "block_pullback"]

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
