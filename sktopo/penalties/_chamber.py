r"""Proximal maps of the topological penalties with the pairing frozen at the input (the
chamber of the input), for ``p = 1, q = 0`` on 1-D filtrations.

* ``"clusters"``: inside a chamber, E(1, 0, i0) of the sorted weights is a fused lasso with
  weight 0 on the ``i0 - 2`` largest gaps: a range prox on each cluster, exact.
* ``"line"``: a difference-of-convex step, TV/2 (exact prox) minus a term that is linear
  inside the chamber (see ``_line_linear_part``).
"""

import numpy as np

from ..persistence import cubical_persistence
from ._norms import prox_tv1d

__all__ = []


def _n_kept(i0):
    # E(p, q, i0) leaves the i0 - 1 most persistent points free, the essential one included
    return max(int(i0) - 2, 0)


def _kept_gaps(gaps, lower, upper, n_kept):
    """Boolean mask of the ``n_kept`` largest gaps, ties broken as the Rips pairing does."""
    kept = np.zeros(gaps.size, dtype=bool)
    if n_kept == 0 or gaps.size == 0:
        return kept
    if n_kept >= gaps.size:
        kept[:] = True
        return kept
    i = np.minimum(lower, upper)
    j = np.maximum(lower, upper)
    # diagram order (length, i, j), then a stable sort by decreasing length
    diag_order = np.lexsort((j, i, gaps))
    rank_order = diag_order[np.argsort(-gaps[diag_order], kind="stable")]
    kept[rank_order[:n_kept]] = True
    return kept


def _cluster_value_and_grad(v, i0):
    """E(1, 0, i0) of weights seen as points on the line and its subgradient, from the
    sorted gaps: gap ``j`` between two consecutive distinct values is the H0 bar of Rips /
    weak alpha that dies on the edge between their first indices (``_kept_gaps`` breaks
    ties of lengths as those filtrations do)."""
    order = np.argsort(v, kind="stable")
    s = v[order]
    new = np.empty(s.size, dtype=bool)
    new[:1] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    rep = order[new]                  # the first index of each distinct value
    gaps = np.diff(s[new])
    lower, upper = rep[:-1], rep[1:]
    penalized = ~_kept_gaps(gaps, lower, upper, _n_kept(i0))
    grad = (np.bincount(upper[penalized], minlength=v.size)
            - np.bincount(lower[penalized], minlength=v.size)).astype(np.float64)
    return float(gaps[penalized].sum()), grad


def _segment_clip(s, a, b, step):
    """Clip levels ``(lo, hi)`` of the range prox of the ascending segment ``s[a:b]``.

    The top values are clipped to ``hi`` with ``sum (s - hi)_+ = step`` and the bottom
    ones to ``lo`` with ``sum (lo - s)_+ = step``; when the levels cross, the segment
    collapses to its mean. Pure Python: the walks stop at the first valid level.
    """
    if b - a == 1:
        return s[a], s[a]
    acc = 0.0
    for i in range(b - 1, a - 1, -1):
        acc += s[i]
        hi = (acc - step) / (b - i)
        if i == a or hi >= s[i - 1]:
            break
    acc = 0.0
    for i in range(a, b):
        acc += s[i]
        lo = (acc + step) / (i + 1 - a)
        if i == b - 1 or lo <= s[i + 1]:
            break
    if hi <= lo:
        mean = sum(s[a:b]) / (b - a)
        return mean, mean
    return lo, hi


def _prox_range(v, step):
    """Prox of ``step * (max - min)`` (Top1 on clusters) and the range of its output."""
    s = np.sort(v).tolist()
    lo, hi = _segment_clip(s, 0, len(s), step)
    # clip v itself (no gather, no scatter); np.clip has 3 Python layers
    x = np.minimum(np.maximum(v, lo), hi)
    return x, min(max(s[-1], lo), hi) - min(max(s[0], lo), hi)


def _prox_clusters(v, step, i0):
    """Exact prox of the chamber model at ``v``: fused lasso on the sorted order of ``v``
    with weight 0 on the ``i0 - 2`` largest gaps, i.e. a range prox on each cluster."""
    n_kept = _n_kept(i0)
    if n_kept == 0:
        return _prox_range(v, step)[0]
    order = np.argsort(v, kind="stable")
    s = v[order]
    cuts = []
    if n_kept:
        gaps = s[1:] - s[:-1]
        if np.count_nonzero(gaps) <= n_kept:
            return v.copy()
        top = np.argpartition(gaps, gaps.size - n_kept - 1)
        if gaps[top[-n_kept]] == gaps[top[-n_kept - 1]]:
            # equal gaps compete for the last free place: break the tie as Rips does,
            # tied values being represented by their first index
            pos = np.arange(s.size)
            start = np.maximum.accumulate(np.where(np.r_[True, gaps > 0], pos, 0))
            rep = order[start]
            kept = _kept_gaps(gaps, rep[:-1], rep[1:], n_kept) & (gaps > 0)
            cuts = (np.flatnonzero(kept) + 1).tolist()
        else:
            cuts = sorted((top[-n_kept:] + 1).tolist())
    values = s.tolist()
    out = np.empty_like(s)
    a = 0
    for b in cuts + [s.size]:
        lo, hi = _segment_clip(values, a, b, step)
        np.minimum(np.maximum(s[a:b], lo), hi, out=out[a:b])
        a = b
    x = np.empty_like(v)
    x[order] = out
    return x


def _line_linear_part(v, i0):
    r"""Gradient of the linear part of the DC split of E(1, 0, i0) on the line.

    For a signal on a path, ``TV = (M - v_0) + (M - v_{n-1}) + 2 \sum_j \pi_j`` over the
    finite superlevel bars (``M`` the maximum), so

    .. math::

        E(1, 0, i_0) = \tfrac12 TV(v) + \tfrac12 (v_0 + v_{n-1}) - M(v)
                       - \sum_{\text{kept}} \pi_j(v),

    a convex term (TV/2, exact prox) minus a term that is linear inside the chamber.
    """
    grad = np.zeros(v.size)
    grad[0] += 0.5
    grad[-1] += 0.5
    essential, births, deaths, _ = _line_kept(v, _n_kept(i0))
    grad[essential] -= 1.0                              # the essential class: the maximum
    np.add.at(grad, births, -1.0)
    np.add.at(grad, deaths, 1.0)
    return grad


def _line_diagram(v):
    """Superlevel PD0 of weights on the line of feature indices (births at local maxima,
    deaths at the minima where two components merge)."""
    return cubical_persistence(v, 0, superlevel=True)[0]


def _line_kept(v, n_kept):
    """The essential maximum and the ``n_kept`` most persistent finite superlevel bars.

    Returns ``essential, birth_index, death_index, total_persistence`` (of the kept bars),
    ranked as :class:`~sktopo.functionals.PolynomialEnergy` ranks the diagram (decreasing
    lifetime, ties in diagram order).
    """
    dgm = _line_diagram(v)
    births, deaths = dgm.birth_index, dgm.death_index
    finite = np.flatnonzero(deaths >= 0)
    essential = births[deaths < 0][0]
    empty = np.empty(0, dtype=np.intp)
    if n_kept == 0 or finite.size == 0:
        return essential, empty, empty, 0.0
    life = v[births[finite]] - v[deaths[finite]]
    positive = np.flatnonzero(life > 0)
    top = finite[positive[np.argsort(-life[positive], kind="stable")[:n_kept]]]
    return (essential, births[top], deaths[top],
            float((v[births[top]] - v[deaths[top]]).sum()))


def _line_value_and_grad(v, i0):
    """E(1, 0, i0) of the superlevel PD0 of weights on the line and its subgradient: +1 at
    the birth (a local maximum) and -1 at the death of every penalized bar."""
    dgm = _line_diagram(v)
    births, deaths = dgm.birth_index, dgm.death_index
    finite = np.flatnonzero(deaths >= 0)
    life = v[births[finite]] - v[deaths[finite]]
    penalized = finite[np.argsort(-life, kind="stable")[_n_kept(i0):]]
    grad = (np.bincount(births[penalized], minlength=v.size)
            - np.bincount(deaths[penalized], minlength=v.size)).astype(np.float64)
    return float((v[births[penalized]] - v[deaths[penalized]]).sum()), grad


def _prox_line(v, step, i0):
    """One DC-prox step: linearize the concave part at ``v``, exact TV/2 prox."""
    z = v - step * _line_linear_part(v, i0)
    return prox_tv1d(z, 0.5 * step)
