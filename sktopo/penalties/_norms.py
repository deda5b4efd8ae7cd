r"""Convex penalties on a coefficient vector: L1, L2, TV and TV2, with their proximal maps.

Each penalty is a small stateless object with ``value(beta)``, ``value_and_grad(beta)``
(a subgradient) and ``prox(v, step)``, the exact proximal map

.. math::

    \mathrm{prox}_{s P}(v) = \arg\min_x \tfrac12 \|x - v\|_2^2 + s P(x).

The names follow Fig. 4 of the Topology Layer paper: ``L2`` and ``TV2`` are norms, not
squared norms.
"""

import numpy as np
from scipy.linalg import solveh_banded

from ..utils._math import power_of_two_scale
from ..utils._validation import check_scalar, check_values, validation_skipped

__all__ = ["Penalty", "L1Penalty", "L2Penalty", "TVPenalty", "TV2Penalty",
           "soft_threshold", "prox_tv1d", "prox_tv2"]


class Penalty:
    """Base class: a function of a coefficient vector with a subgradient and a prox.

    Subclasses implement :meth:`value_and_grad` and, when they have one, :meth:`prox`
    (``has_prox`` tells the solvers which). ``prox`` may be *local*: the exact proximal
    map of the penalty with its pairing frozen at the input (topological penalties).
    """

    has_prox = True

    def value(self, beta):
        """Return the penalty at ``beta`` (a float)."""
        return self.value_and_grad(beta)[0]

    def __call__(self, beta):
        return self.value(beta)

    def value_and_grad(self, beta):
        """Return ``(value, subgradient)``; the subgradient has the shape of ``beta``."""
        raise NotImplementedError

    def prox(self, v, step):
        """Return the proximal map of ``step * penalty`` at ``v`` (a new array)."""
        raise NotImplementedError

    def prox_value(self, v, step):
        """Return ``x = prox(v, step)`` and the penalty at ``x`` (the solvers need both;
        subclasses may share the work)."""
        x = self.prox(v, step)
        return x, self.value(x)

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                           if not k.startswith("_"))
        return f"{type(self).__name__}({params})"


def check_coef(beta, input_name="beta"):
    """The coefficients as a finite float64 array; as given inside a validated call (the
    solvers pass arrays they made)."""
    if validation_skipped():
        return beta
    return check_values(beta, input_name)


def check_step(step, name="step"):
    """A finite step (or threshold) >= 0; as given inside a validated call."""
    if validation_skipped():
        return step
    return check_scalar(step, name, low=0)


def soft_threshold(v, threshold):
    """Proximal map of ``threshold * ||x||_1``: ``sign(v) * max(|v| - threshold, 0)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import soft_threshold
    >>> soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0)
    array([-2.,  0.,  1.])
    """
    v = check_coef(v, "v")
    threshold = check_step(threshold, "threshold")
    return np.sign(v) * np.maximum(np.abs(v) - threshold, 0.0)


def prox_tv1d(v, step):
    r"""Exact proximal map of the 1-D total variation, Condat's direct algorithm [1]_.

    .. math::

        \arg\min_x \tfrac12 \|x - v\|_2^2 + s \sum_i |x_{i+1} - x_i|

    Parameters
    ----------
    v : ndarray of shape (n,)
    step : float
        The weight ``s >= 0``.

    Returns
    -------
    x : ndarray of shape (n,)
        Piecewise constant.

    References
    ----------
    .. [1] L. Condat, "A direct algorithm for 1D total variation denoising", IEEE Signal
       Processing Letters 20(11), 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import prox_tv1d
    >>> prox_tv1d(np.array([0.0, 0.0, 4.0, 0.0, 0.0]), 1.0)  # the spike loses 2 * step
    array([0.5, 0.5, 2. , 0.5, 0.5])
    """
    v = np.asarray(check_coef(v, "v"), dtype=np.float64)
    step = check_step(step)
    if v.ndim != 1:
        raise ValueError(f"v must be a 1-D array, got shape {v.shape}.")
    # prox_{s TV}(c u) = c prox_{(s / c) TV}(u): run on values in [-1, 1], where no sum of
    # the algorithm overflows (a step beyond 1e300 acts as an infinite one: the mean)
    scale = power_of_two_scale(v)
    return scale * _condat(v / scale, min(float(step) / scale, 1e300))


def _condat(v, lam):
    y = v.tolist()
    n = len(y)
    out = [0.0] * n
    if n == 0 or lam <= 0:
        return np.array(y, dtype=np.float64)
    # a line-by-line port of the published C code; the state is the current segment
    # [k0, k] with bounds (vmin, vmax) of its value and the dual slacks (umin, umax)
    k = k0 = kplus = kminus = 0
    umin, umax = lam, -lam
    vmin, vmax = y[0] - lam, y[0] + lam
    twolam, minlam = 2.0 * lam, -lam
    while True:
        while k == n - 1:
            if umin < 0.0:
                while True:
                    out[k0] = vmin
                    k0 += 1
                    if k0 > kminus:
                        break
                kminus = k = k0
                vmin = y[k0]
                umin = lam
                umax = vmin + umin - vmax
            elif umax > 0.0:
                while True:
                    out[k0] = vmax
                    k0 += 1
                    if k0 > kplus:
                        break
                kplus = k = k0
                vmax = y[k0]
                umax = minlam
                umin = vmax + umax - vmin
            else:
                vmin += umin / (k - k0 + 1)
                for i in range(k0, k + 1):
                    out[i] = vmin
                return np.array(out)
        umin += y[k + 1] - vmin
        if umin < minlam:
            while True:
                out[k0] = vmin
                k0 += 1
                if k0 > kminus:
                    break
            kplus = kminus = k = k0
            vmin = y[k0]
            vmax = vmin + twolam
            umin, umax = lam, minlam
            continue
        umax += y[k + 1] - vmax
        if umax > lam:
            while True:
                out[k0] = vmax
                k0 += 1
                if k0 > kplus:
                    break
            kplus = kminus = k = k0
            vmax = y[k0]
            vmin = vmax - twolam
            umin, umax = lam, minlam
            continue
        k += 1
        if umin >= lam:
            kminus = k
            vmin += (umin - lam) / (kminus - k0 + 1)
            umin = lam
        if umax <= minlam:
            kplus = k
            vmax += (umax + lam) / (kplus - k0 + 1)
            umax = minlam


def prox_tv2(v, step):
    r"""Exact proximal map of :math:`s \|\nabla x\|_2` (the norm of the differences).

    By duality ``x = v - D^T u`` with ``u`` the projection-like solution of
    ``min ||v - D^T u||`` over ``||u||_2 <= s``: either the unconstrained ``u`` fits (then
    ``x`` is the mean of ``v``) or ``u = (D D^T + nu I)^{-1} D v`` with ``||u|| = s``,
    found by Newton's method on ``1/||u(nu)|| - 1/s`` (tridiagonal solves).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import prox_tv2
    >>> prox_tv2(np.array([0.0, 1.0]), 10.0)    # a large step gives the mean
    array([0.5, 0.5])
    """
    v = np.asarray(check_coef(v, "v"), dtype=np.float64)
    step = check_step(step)
    if v.ndim != 1:
        raise ValueError(f"v must be a 1-D array, got shape {v.shape}.")
    # homogeneous as prox_tv1d: solved for v / scale, where ||D v|| cannot overflow
    scale = power_of_two_scale(v)
    return scale * _prox_tv2(v / scale, min(float(step) / scale, 1e300))


def _prox_tv2(v, step):
    n = v.size
    # the prox moves v by at most 2 * step; with |v| <= 2, a step below 1e-100 changes
    # nothing representable, and Newton's iterates would underflow
    if n < 2 or step <= 1e-100:
        return v.copy()
    dv = np.diff(v)
    if not np.any(dv):
        return v.copy()
    m = n - 1

    def solve(nu, rhs):
        # (D D^T + nu I)^{-1} rhs, D D^T = tridiag(-1, 2, -1) of size n - 1
        if m == 1:
            return rhs / (2.0 + nu)
        band = np.empty((2, m))
        band[0] = -1.0
        band[1] = 2.0 + nu
        return solveh_banded(band, rhs)

    u = solve(0.0, dv)
    if np.linalg.norm(u) <= step:
        return np.full(n, v.mean())
    nu = 0.0
    for _ in range(100):
        # Newton on phi(nu) = 1/||u(nu)|| - 1/step, increasing and concave: the iterates
        # increase monotonically to the root from nu = 0
        u = solve(nu, dv)
        norm = np.linalg.norm(u)
        w = solve(nu, u)
        phi = 1.0 / norm - 1.0 / step
        nu_next = nu - phi * norm ** 3 / (u @ w)
        done = abs(nu_next - nu) <= 1e-12 * max(1.0, nu)
        nu = nu_next
        if done:
            break
    u = solve(nu, dv)
    # x = v - D^T u, with (D^T u)_i = u_{i-1} - u_i
    dtu = np.zeros(n)
    dtu[:-1] -= u
    dtu[1:] += u
    return v - dtu


class L1Penalty(Penalty):
    r"""The lasso penalty :math:`\|\beta\|_1`.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import L1Penalty
    >>> L1Penalty().value_and_grad(np.array([-2.0, 0.0, 1.0]))
    (3.0, array([-1.,  0.,  1.]))
    """

    def value_and_grad(self, beta):
        beta = np.asarray(check_coef(beta), dtype=np.float64)
        return float(np.abs(beta).sum()), np.sign(beta)

    def prox(self, v, step):
        return soft_threshold(np.asarray(check_coef(v, "v"), dtype=np.float64),
                              check_step(step))


class L2Penalty(Penalty):
    r"""The norm :math:`\|\beta\|_2` (not squared, as in the Topology Layer paper).

    Its prox shrinks the whole vector: ``max(0, 1 - step / ||v||) v``; the subgradient at 0
    is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import L2Penalty
    >>> L2Penalty().prox(np.array([3.0, 4.0]), 1.0)
    array([2.4, 3.2])
    """

    def value_and_grad(self, beta):
        beta = np.asarray(check_coef(beta), dtype=np.float64)
        scale = power_of_two_scale(beta)
        unit = np.linalg.norm(beta / scale)       # no overflow of the squares
        norm = scale * float(unit)
        return norm, (beta / scale / unit if norm > 0 else np.zeros_like(beta))

    def prox(self, v, step):
        v = np.asarray(check_coef(v, "v"), dtype=np.float64)
        step = check_step(step)
        scale = power_of_two_scale(v)
        norm = scale * np.linalg.norm(v / scale)
        return v * max(0.0, 1.0 - step / norm) if norm > 0 else v.copy()


def _diff_grad(signs):
    # gradient of sum_i c_i (x_{i+1} - x_i) with respect to x
    grad = np.zeros(signs.size + 1)
    grad[1:] += signs
    grad[:-1] -= signs
    return grad


class _DifferencePenalty(Penalty):
    """A penalty of the differences of adjacent coefficients (on the line of feature
    indices): subclasses give ``_of_differences(d) -> (value, d value / d d)`` and the
    prox on the line, ``_prox_line(v, step)``."""

    def value_and_grad(self, beta):
        beta = np.asarray(check_coef(beta), dtype=np.float64)
        scale = power_of_two_scale(beta)    # no difference of beta / scale overflows
        value, slope = self._of_differences(np.diff(beta.ravel() / scale))
        return scale * value, _diff_grad(slope).reshape(beta.shape)

    def prox(self, v, step):
        v = np.asarray(check_coef(v, "v"), dtype=np.float64)
        return self._prox_line(v.ravel(), step).reshape(v.shape)


class TVPenalty(_DifferencePenalty):
    r"""Total variation on the line of feature indices :math:`\sum_i |\beta_{i+1} - \beta_i|`.

    The prox is Condat's exact algorithm (:func:`prox_tv1d`).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import TVPenalty
    >>> TVPenalty().value(np.array([0.0, 2.0, 1.0]))
    3.0
    """

    _prox_line = staticmethod(prox_tv1d)

    def _of_differences(self, d):
        return float(np.abs(d).sum()), np.sign(d)


class TV2Penalty(_DifferencePenalty):
    r"""The norm of the differences :math:`(\sum_i |\beta_{i+1} - \beta_i|^2)^{1/2}`.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import TV2Penalty
    >>> TV2Penalty().value(np.array([0.0, 3.0, 7.0]))
    5.0
    """

    _prox_line = staticmethod(prox_tv2)

    def _of_differences(self, d):
        norm = float(np.linalg.norm(d))
        return norm, d / norm if norm > 0 else np.zeros_like(d)
