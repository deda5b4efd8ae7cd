"""Overflow-safe numerics shared by the functionals and the penalties."""

import numpy as np

__all__ = ["power_of_two_scale", "pnorm"]


def power_of_two_scale(*arrays):
    """A power of two near the largest magnitude in ``arrays`` (1 for zeros or no values).

    Positively homogeneous quantities (norms, distances, total variations) are computed on
    ``x / scale``, where no square or difference can overflow, and scaled back. Dividing
    by a power of two is exact, so moderate inputs give the unscaled results to the bit.
    """
    top = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=0.0)
    # 2 ** (e - 1) <= top < 2 ** e: the scaled values lie in [-2, 2] (2 ** e itself could
    # overflow for top near the largest float)
    return float(np.ldexp(1.0, np.frexp(top)[1] - 1)) if 0 < top < np.inf else 1.0


def pnorm(x, q, axis=-1):
    """``sum(|x|^q) ** (1 / q)`` along ``axis``, scaled by the largest entry so that
    neither a large ``q`` nor large values overflow (``q = inf``: the largest entry)."""
    a = np.abs(np.asarray(x, dtype=np.float64))
    if a.shape[axis] == 0:
        return np.zeros(np.delete(a.shape, axis if axis >= 0 else a.ndim + axis))
    top = a.max(axis=axis, keepdims=True)
    if np.isinf(q):
        return np.squeeze(top, axis=axis)
    safe = np.where(top > 0, top, 1.0)
    return np.squeeze(top * ((a / safe) ** q).sum(axis=axis, keepdims=True) ** (1 / q),
                      axis=axis)
