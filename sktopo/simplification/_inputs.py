"""The inputs of ``simplify_function``, checked once at the boundary, and the optimal
method's bound (``t/2``, or half the longest lifetime that ``n_kept`` removes)."""

import math
from numbers import Integral

import numpy as np

from ..persistence import cubical_persistence
from ._problem import _removed_mask

# below it a threshold is refused: subnormal float64 numbers lose relative precision
# (measured: the optimal method exceeded t/2 by 0.2 % on noise scaled to 1e-320)
_SMALLEST_THRESHOLD = float(np.finfo(np.float64).tiny)


def _check_scale(arr, t):
    """Refuse what float64, in which the methods work, cannot hold exactly: integers
    beyond ``2**53`` in magnitude (rounded in the conversion, the output would move
    pixels the simplification did not), and a threshold in the subnormal range (``t/2``
    steps lose their precision there)."""
    if arr.dtype.kind in "iu" and arr.size:
        top = max(abs(int(arr.min())), abs(int(arr.max())))
        if top > 2 ** 53:
            raise ValueError(f"X holds integers up to {top} in magnitude: beyond 2**53 "
                             "float64, in which the simplification works, does not hold "
                             "them exactly. Subtract an offset first (e.g. X - X.min(), "
                             "if the range is smaller), or pass X as float64.")
    if t is not None and 0 < t < _SMALLEST_THRESHOLD:
        raise ValueError(f"The 'threshold' parameter {t!r} is subnormal (below "
                         f"{_SMALLEST_THRESHOLD:.3g}), where float64 numbers lose their "
                         "precision; rescale X and the threshold (e.g. multiply both by "
                         "2**600).")


def _check_n_kept(n_kept, dims):
    """``n_kept`` as a dict {dim: int or None}."""
    if not isinstance(n_kept, dict):
        return {d: n_kept for d in dims}
    missing = [d for d in dims if d not in n_kept]
    if missing:
        raise ValueError(f"The 'n_kept' parameter has no entry for homology dimension(s) "
                         f"{missing}.")
    for d in dims:
        k = n_kept[d]
        if k is not None and (isinstance(k, bool) or not isinstance(k, (Integral, np.integer))
                              or k < 0):
            raise ValueError(f"The 'n_kept' parameter must hold ints >= 0, got {k!r}.")
    return {d: n_kept[d] for d in dims}


def _optimal_half(base, dims, connectivity, t, n_kept, integer, float32):
    """The optimal method's bound: ``t/2`` (:func:`_half`); with ``n_kept``, at least half
    the longest lifetime it removes (the least change that removes that pair), with 64
    ulps of room (measured: at exactly half, the passes of the two dimensions gave it up
    on a third of smooth 20^2 fields, for a change of a few ulps more); on float32 two
    float32 ulps more, so that a float32 level fits between the pair's ends (the bounds
    are rounded inwards to float32 values, see ``_problem._bounds``)."""
    half = 0.0 if t is None else _half(t, integer)
    if all(k is None for k in n_kept.values()):
        return half
    dgms = cubical_persistence(base, dims, connectivity=connectivity)
    longest = max(float(dgms[d].lifetimes[_removed_mask(dgms[d], t, n_kept[d])]
                        .max(initial=0.0)) for d in dims)
    if float32 and longest > 0:
        longest += 2.0 * float(np.spacing(np.float32(np.abs(base).max() + longest)))
    longest += 64.0 * float(np.spacing(longest))
    # the least change that removes a pair of that lifetime (integers: half of it,
    # rounded up; no lengthening for a Betti target)
    return max(half, float(math.ceil(longest) // 2) if integer else longest / 2.0)


def _half(threshold, integer):
    """The optimal method's bound: ``t/2``, on integer data the largest integer change
    within it, ``floor(t/2)`` (where ``ceil(t)`` is even and ``t`` is not, a pair of
    lifetime ``ceil(t) - 1`` needs one more to be removed: it is lengthened instead)."""
    if integer:
        return float(math.floor(threshold / 2.0))
    return threshold / 2.0
