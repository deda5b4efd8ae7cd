r"""Minimum-norm element of the convex hull of a few vectors (gradient sampling).

.. math::

    \min_{c \in \Delta^{m-1}} \Big\| \sum_i c_i g_i \Big\|^2 = \min_{c \in \Delta^{m-1}}
    c^\top G c, \qquad G_{ij} = \langle g_i, g_j \rangle

a small quadratic program over the simplex, solved on the Gram matrix by Frank-Wolfe with
exact line search (the Wolfe / Gilbert algorithm) finished with away steps, in numpy.
Reference: J. V. Burke, A. S. Lewis, M. L. Overton, "A robust gradient sampling algorithm
for nonsmooth, nonconvex optimization", SIAM J. Optim. 15 (2005) (STUMP paper Sec. II-C).
"""

from numbers import Integral, Real

import numpy as np

from ..utils._sklearn_compat import Interval
from ..utils._validation import check_values, validate_params

__all__ = ["min_norm_combination"]


def _check_gram(gram):
    """A finite, square, symmetric (to rounding) Gram matrix, symmetrized and divided by a
    power of two so that its largest entry is at most 1 (no overflow); and that scale."""
    G = check_values(gram, "gram", ndim=(2,), bytes_per_value=24)
    if G.shape[0] != G.shape[1]:
        raise ValueError(f"The 'gram' parameter must be a non-empty square matrix, got "
                         f"shape {G.shape}.")
    exponent = int(np.frexp(np.abs(G).max())[1])
    G = np.ldexp(G, -exponent)
    asym = np.abs(G - G.T).max()
    if asym > 1e-8 * np.abs(G).max():
        raise ValueError(f"The 'gram' parameter must be symmetric (a Gram matrix "
                         f"<g_i, g_j>), its largest asymmetry is "
                         f"{np.ldexp(asym, exponent):.3g}.")
    return (G + G.T) / 2, exponent


@validate_params({"gram": ["array-like"],
                  "max_iter": [Interval(Integral, 0, None, closed="left")],
                  "tol": [Interval(Real, 0, None, closed="left")]})
def min_norm_combination(gram, max_iter=1000, tol=1e-12):
    """Convex weights ``c`` minimizing ``c @ gram @ c`` over the probability simplex.

    Parameters
    ----------
    gram : array-like of shape (m, m)
        Gram matrix of the vectors, ``gram[i, j] = <g_i, g_j>`` (finite, symmetric PSD).
    max_iter : int, default=1000
        Frank-Wolfe iterations.
    tol : float, default=1e-12
        Stop when the Frank-Wolfe duality gap is below ``tol * max(1, max diag)``.

    Returns
    -------
    c : ndarray of shape (m,)
        The weights (non-negative, summing to 1).
    sq_norm : float
        ``c @ gram @ c``, the squared norm of the min-norm element.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.optim import min_norm_combination
    >>> g = np.array([[1.0, 0.0], [0.0, 1.0]])         # two orthonormal vectors
    >>> c, sq = min_norm_combination(g @ g.T)
    >>> np.round(c, 6), round(sq, 6)
    (array([0.5, 0.5]), 0.5)
    """
    G, exponent = _check_gram(gram)
    m = G.shape[0]
    # start at the vertex of smallest norm
    c = np.zeros(m)
    c[np.argmin(np.diag(G))] = 1.0
    Gc = G @ c
    with np.errstate(over="ignore"):        # tol * max(1, max diag) in the scaled units
        scale = max(np.ldexp(1.0, -exponent), float(np.abs(np.diag(G)).max()))
    for _ in range(int(max_iter)):
        # gradient of c'Gc is 2 Gc: the toward vertex s minimizes it, the away vertex a
        # (in the support) maximizes it
        s = int(np.argmin(Gc))
        support = np.flatnonzero(c > 0)
        a = support[np.argmax(Gc[support])]
        cGc = c @ Gc
        gap_fw = cGc - Gc[s]
        gap_away = Gc[a] - cGc
        if max(gap_fw, gap_away) <= tol * scale:
            break
        if gap_fw >= gap_away:
            d_Gd = G[s, s] - 2 * Gc[s] + cGc          # direction e_s - c
            step_max = 1.0
            slope = gap_fw
            direction = -c.copy()
            direction[s] += 1.0
        else:
            d_Gd = cGc - 2 * Gc[a] + G[a, a]          # direction c - e_a
            step_max = c[a] / (1.0 - c[a]) if c[a] < 1 else np.inf
            slope = gap_away
            direction = c.copy()
            direction[a] -= 1.0
        step = step_max if d_Gd <= 0 else min(step_max, slope / d_Gd)
        if not np.isfinite(step) or step <= 0:
            break
        c += step * direction
        c[c < 0] = 0.0
        c /= c.sum()
        Gc = G @ c
    return c, float(np.ldexp(max(c @ G @ c, 0.0), exponent))
