"""Bounds, levels and lifetimes rounded so that a promise holds in floating point.

A bound ``f - half`` or a level ``d - half`` computed in float64 can land an ulp on the
wrong side of what it promises; a float32 output moves every value by the cast. These
helpers step such values inwards until the promise holds exactly as it will be checked
(``|bound - f| <= half``, a difference ``>=`` or ``<`` a lifetime, after the cast).
"""

import numpy as np


def _level(b, d, half, float32=False):
    """``max(b, d - half)``, rounded so that ``d - level <= half`` in floating point
    (``float32``: up to the next float32)."""
    level = np.maximum(b, d - half)
    over = d - level > half
    level[over] = np.nextafter(level[over], np.inf)
    return _on_float32(level, True) if float32 else level


def _strict_bounds(f, threshold, integer, float32=False):
    """The flooding method's bound ``(f - t, f + t)``, open (on integers ``t - 1``)."""
    if integer:
        return _bounds(f, threshold - 1.0)
    low, high = _bounds(f, threshold)
    low = _nudge(np.nextafter(low, np.inf), lambda x: f - x >= threshold, True, f)
    high = _nudge(np.nextafter(high, -np.inf), lambda x: x - f >= threshold, False, f)
    if float32:
        return _on_float32(low, True), _on_float32(high, False)
    return low, high


def _bounds(f, half, float32=False):
    """``f - half`` and ``f + half``, rounded inwards (``|bound - f| <= half`` exactly).

    ``float32`` (a float32 output): rounded inwards to float32 values. The method works
    in float64 and its output is cast; rounding is monotone and keeps a float32 bound
    where it is, so an output within these bounds is still within them after the cast
    (a bound between two float32 values would let the cast round past it)."""
    low, high = f - half, f + half
    over = f - low > half
    low[over] = np.nextafter(low[over], np.inf)
    over = high - f > half
    high[over] = np.nextafter(high[over], -np.inf)
    if float32:
        return _on_float32(low, True), _on_float32(high, False)
    return low, high


def _nudge(x, bad, up, scale):
    """``x`` (a float64 copy) moved up (``up``) or down where ``bad(x)`` holds, by ulps
    of the larger of ``|x|`` and ``|scale|``, until it holds nowhere (a few steps).

    ``bad`` tests a difference ``scale - x`` (or ``x - scale``) against a lifetime or a
    bound. The difference rounds at the scale of its larger operand: where ``x`` is much
    smaller than ``scale`` (an extremum near 0, a saddle near 1), many ulps of ``x`` do
    not move it, one ulp of ``scale`` does."""
    x = np.array(x, dtype=np.float64)
    step = np.spacing(np.maximum(np.abs(x), np.abs(scale)))
    step = np.where(np.isfinite(step), step, 0.0)
    for _ in range(8):
        wrong = bad(x)
        if not np.any(wrong):
            break
        x = np.where(wrong, x + step if up else x - step, x)
    return x


def _on_float32(x, up):
    """The float64 array ``x`` rounded up (``up``) or down to float32 values."""
    y = x.astype(np.float32)
    off = (y < x) if up else (y > x)
    y[off] = np.nextafter(y[off], np.float32(np.inf if up else -np.inf))
    return y.astype(np.float64)
