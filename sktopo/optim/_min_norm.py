r"""Minimum-norm element of the convex hull of a few vectors (gradient sampling).

.. math::

    \min_{c \in \Delta^{m-1}} \Big\| \sum_i c_i g_i \Big\|^2 = \min_{c \in \Delta^{m-1}}
    c^\top G c, \qquad G_{ij} = \langle g_i, g_j \rangle

a small quadratic program over the simplex, solved on the Gram matrix by Frank-Wolfe with
exact line search (the Wolfe / Gilbert algorithm) finished with away steps, in numpy.
Reference: J. V. Burke, A. S. Lewis, M. L. Overton, "A robust gradient sampling algorithm
for nonsmooth, nonconvex optimization", SIAM J. Optim. 15 (2005) (STUMP paper Sec. II-C).
"""

import numpy as np

__all__ = ["min_norm_combination"]


def min_norm_combination(gram, max_iter=1000, tol=1e-12):
    """Convex weights ``c`` minimizing ``c @ gram @ c`` over the probability simplex.

    Parameters
    ----------
    gram : array-like of shape (m, m)
        Gram matrix of the vectors, ``gram[i, j] = <g_i, g_j>`` (symmetric PSD).
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
    G = np.asarray(gram, dtype=np.float64)
    if G.ndim != 2 or G.shape[0] != G.shape[1] or G.shape[0] == 0:
        raise ValueError(f"The 'gram' parameter must be a non-empty square matrix, got shape "
                         f"{G.shape}.")
    m = G.shape[0]
    G = (G + G.T) / 2
    # start at the vertex of smallest norm
    c = np.zeros(m)
    c[np.argmin(np.diag(G))] = 1.0
    Gc = G @ c
    scale = max(1.0, float(np.abs(np.diag(G)).max()))
    for _ in range(max_iter):
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
    return c, float(max(c @ G @ c, 0.0))
