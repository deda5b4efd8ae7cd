r"""Topological penalties on a coefficient vector: E(p, q, i0) of its PD0 (or PD0 and PD1).

Three ways to see the weights (Topology Layer paper, Sec. 3.1 and Fig. 4-6):

* ``"clusters"``: the weights are points on the line; PD0 of their Rips (= weak alpha)
  filtration has one bar ``(0, g)`` per gap ``g`` between consecutive sorted distinct
  values. ``E(1, 0, 2)`` (Top1) is the range ``max - min``; ``E(1, 0, 4)`` (Top2) is the
  sum of all gaps but the two largest: zero iff the weights take at most 3 values.
* ``"line"``: the weights are a function on the path of feature indices; PD0 of its
  superlevel filtration has one bar per local maximum; ``E(1, 0, i0)`` penalizes the
  heights of all maxima but the ``i0 - 1`` most persistent ones.
* ``"image"``: the weights are an image of shape ``shape``; superlevel PD0 and PD1 through
  :class:`~sktopo.TopologicalLoss` with the cubical filtration.

The 1-D cases have vectorized fast paths (sorted gaps; a union-find over the local
extrema) that give the same pairing as :func:`~sktopo.persistence.rips_persistence` and
:func:`~sktopo.persistence.cubical_persistence`: the pairing of the total order
``(value, index)`` (``(-value, index)`` for superlevel sets), equal weights being
represented by their first index.

Reference: R. Bruel-Gabrielsson, B. J. Nelson, A. Dwaraknath, P. Skraba, L. J. Guibas,
G. Carlsson, "A Topology Layer for Machine Learning", AISTATS 2020.
"""

from collections.abc import Mapping
from numbers import Integral

import numpy as np

from ..functionals import PolynomialEnergy
from ..persistence import Diagram
from ..utils._validation import check_option, check_scalar
from ._norms import Penalty, prox_tv1d, run_structure

__all__ = ["TopologicalPenalty", "cluster_diagram", "line_diagram"]

_FILTRATIONS = ("clusters", "line", "image")


# ---------------------------------------------------------------------------------------
# fast pairings of 1-D weights


def _cluster_gaps(beta):
    """Gaps between consecutive distinct sorted values and their endpoints.

    Returns ``gaps, lower, upper``: ``lower[j]`` and ``upper[j]`` are the first indices of
    the two values bounding gap ``j`` (ascending).
    """
    order = np.argsort(beta, kind="stable")
    s = beta[order]
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    rep = order[new]          # first (smallest) index of each distinct value
    gaps = np.diff(s[new])
    lower, upper = rep[:-1], rep[1:]
    return gaps, lower, upper


def cluster_diagram(beta):
    """PD0 of the Rips filtration of weights seen as points on the line, vectorized.

    Equals ``rips_persistence(beta, 0)[0]`` point for point, in the same order: the
    essential class first, then the gaps by (length, i, j) where ``(i, j)`` is the death
    edge. ``O(n log n)``.

    Parameters
    ----------
    beta : ndarray of shape (n,)

    Returns
    -------
    diagram : Diagram
        Births 0, deaths the gaps; ``birth_index`` are edges ``(v, v)`` and
        ``death_index`` edges ``(i, j)``, ``i < j``, as for point clouds.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import cluster_diagram
    >>> dgm = cluster_diagram(np.array([0.0, 3.0, 1.0, 1.0]))
    >>> dgm.deaths, dgm.death_index
    (array([inf,  1.,  2.]), array([[-1, -1],
           [ 0,  2],
           [ 1,  2]]))
    """
    beta = np.asarray(beta, dtype=np.float64).ravel()
    gaps, lower, upper = _cluster_gaps(beta)
    edges = np.sort(np.column_stack([lower, upper]), axis=1)
    order = np.lexsort((edges[:, 1], edges[:, 0], gaps))
    gaps, edges = gaps[order], edges[order]
    # the essential class is born at the first index of the oldest component: vertex 0
    ess = 0
    dying = _cluster_dying_vertices(edges, beta.size)
    births = np.zeros(gaps.size + 1)
    deaths = np.concatenate([[np.inf], gaps])
    vertices = np.concatenate([[ess], dying])
    birth_index = np.column_stack([vertices, vertices])
    death_index = np.concatenate([[[-1, -1]], edges]).astype(np.intp)
    return Diagram(births, deaths, birth_index.astype(np.intp), death_index, 0)


def _find(parent, x):
    """Root of ``x`` in the union-find list ``parent``, with path halving."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _cluster_dying_vertices(edges, n):
    """Elder rule of Kruskal over edges in processing order: the younger root dies."""
    parent = list(range(n))
    dying = []
    for u, v in edges.tolist():
        ru, rv = _find(parent, u), _find(parent, v)
        young, old = (ru, rv) if ru > rv else (rv, ru)
        parent[young] = old
        dying.append(young)
    return np.asarray(dying, dtype=np.intp)


def _line_pairs(beta):
    """Superlevel H0 pairs of a 1-D signal: ``(birth_index, death_index)``, essential first.

    The pairing of the order ``(-value, index)``; births are local maxima, deaths the
    local minima where two components merge (the younger, lower maximum dies).
    """
    n = beta.size
    order = np.argsort(-beta, kind="stable")
    if n == 1:
        return np.zeros(1, dtype=np.intp), np.full(1, -1, dtype=np.intp)
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n)
    # sublevel of the ranks: births at rank-minima (value maxima), deaths at rank-maxima
    up = rank[:-1] < rank[1:]
    is_min = np.ones(n, dtype=bool)
    is_min[1:] &= ~up
    is_min[:-1] &= up
    is_max = np.zeros(n, dtype=bool)
    is_max[1:-1] = up[:-1] & ~up[1:]
    minima = np.flatnonzero(is_min)
    maxima = np.flatnonzero(is_max)            # maxima[j] lies between minima[j], [j + 1]
    k = maxima.size
    essential = int(order[0])
    if k == 0:
        return np.array([essential]), np.array([-1])
    min_rank = rank[minima].tolist()
    parent = list(range(k + 1))

    births = []
    deaths = []
    minima_l = minima.tolist()
    maxima_l = maxima.tolist()
    for j in np.argsort(rank[maxima]).tolist():
        a, b = _find(parent, j), _find(parent, j + 1)
        # a component's root is its oldest minimum (smallest rank): the other one dies
        young, old = (a, b) if min_rank[a] > min_rank[b] else (b, a)
        parent[young] = old
        births.append(minima_l[young])
        deaths.append(maxima_l[j])
    birth_index = np.array([essential] + births, dtype=np.intp)
    death_index = np.array([-1] + deaths, dtype=np.intp)
    order = np.argsort(death_index[1:], kind="stable") + 1
    return (np.concatenate([birth_index[:1], birth_index[order]]),
            np.concatenate([death_index[:1], death_index[order]]))


def line_diagram(beta):
    """PD0 of the superlevel filtration of a 1-D signal, with its critical indices.

    The same points as ``cubical_persistence(beta, 0, superlevel=True)[0]`` (zero-persistence
    points dropped); the essential class first, then the finite points by position of
    their death. Cost: ``O(n)`` numpy work plus a union-find over the ``k`` local maxima.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import line_diagram
    >>> dgm = line_diagram(np.array([0.0, 2.0, 1.0, 3.0, 0.5]))
    >>> dgm.births, dgm.deaths, dgm.birth_index, dgm.death_index
    (array([3., 2.]), array([-inf,   1.]), array([3, 1]), array([-1,  2]))
    """
    beta = np.asarray(beta, dtype=np.float64).ravel()
    birth_index, death_index = _line_pairs(beta)
    births = beta[birth_index]
    deaths = np.where(death_index >= 0, beta[death_index], -np.inf)
    keep = births != deaths
    return Diagram(births[keep], deaths[keep], birth_index[keep], death_index[keep], 0)


# ---------------------------------------------------------------------------------------
# proximal maps with the pairing frozen


def _range_prox_sorted(s, step, starts):
    """Prox of ``step * sum_k (max - min)`` over the segments of an ascending vector.

    ``starts`` are the first positions of the segments (``starts[0] == 0``). In each
    segment the largest values are clipped to ``hi`` and the smallest to ``lo`` so that
    each clip removes a mass ``step``; if the clips meet the segment collapses to its mean.
    Vectorized over the segments.
    """
    m = s.size
    stops = np.append(starts[1:], m)
    counts = stops - starts
    seg = np.repeat(np.arange(starts.size), counts)
    pos = np.arange(m)
    csum = np.concatenate([[0.0], np.cumsum(s)])
    mean = (csum[stops] - csum[starts]) / counts
    excess = np.add.reduceat(np.maximum(s - mean[seg], 0.0), starts)
    collapse = excess <= step
    # top clip with the values at positions i..stop-1: hi_i = (sum - step) / count,
    # valid if hi_i >= s[i - 1]; the smallest valid set is the last valid i
    hi_i = (csum[stops[seg]] - csum[pos] - step) / (stops[seg] - pos)
    prev = np.concatenate([[-np.inf], s[:-1]])
    prev[starts] = -np.inf
    hi = hi_i[np.maximum.reduceat(np.where(hi_i >= prev, pos, -1), starts)]
    # bottom clip with positions start..i: lo_i = (sum + step) / count, valid if
    # lo_i <= s[i + 1]; the first valid i
    lo_i = (csum[pos + 1] - csum[starts[seg]] + step) / (pos + 1 - starts[seg])
    nxt = np.append(s[1:], np.inf)
    nxt[stops - 1] = np.inf
    lo = lo_i[np.minimum.reduceat(np.where(lo_i <= nxt, pos, m), starts)]
    lo = np.where(collapse, mean, lo)
    hi = np.where(collapse, mean, hi)
    return np.clip(s, lo[seg], hi[seg])


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


def _line_kept(v, n_kept):
    """The essential maximum and the ``n_kept`` most persistent finite superlevel bars.

    Returns ``essential, birth_index, death_index, total_persistence`` (of the kept bars),
    ranked as :class:`PolynomialEnergy` ranks :func:`line_diagram` (decreasing lifetime,
    then position of the death; zero-persistence bars dropped), without building it.
    """
    births, deaths = _line_pairs(v)
    empty = np.empty(0, dtype=np.intp)
    if n_kept == 0 or births.size == 1:
        return births[0], empty, empty, 0.0
    life = v[births[1:]] - v[deaths[1:]]
    positive = np.flatnonzero(life > 0)
    top = positive[np.argsort(-life[positive], kind="stable")[:n_kept]]
    return births[0], births[1:][top], deaths[1:][top], float(life[top].sum())


def _prox_line(v, step, i0):
    """One DC-prox step: linearize the concave part at ``v``, exact TV/2 prox."""
    z = v - step * _line_linear_part(v, i0)
    return prox_tv1d(z, 0.5 * step)


# ---------------------------------------------------------------------------------------


def _energy_value_and_grad_1d(dgm, p, q, i0):
    """E(p, q, i0) of a 1-D diagram and its gradients on births and deaths."""
    return PolynomialEnergy(p, q, i0).value_and_grad(dgm)


class TopologicalPenalty(Penalty):
    r"""The energy :math:`\mathcal{E}(p, q, i_0)` of the PD0 of the weights as a penalty.

    .. math::

        P(\beta) = \sum_{k} \sum_{i \ge i_0^{(k)}} |d_i - b_i|^p
        \left(\frac{d_i + b_i}{2}\right)^q

    over the points of :math:`\mathrm{PD}_k(\beta)` sorted by decreasing lifetime (the
    essential class first). ``i0 = n_kept + 1`` leaves ``n_kept`` clusters (or maxima) free:
    Top1 is ``i0=2``, Top2 ``i0=4``.

    Parameters
    ----------
    i0 : int or dict of {int: int}, default=2
        Rank of the first bar penalized; a dict ``{dim: i0}`` penalizes several homology
        dimensions (``"image"`` only, e.g. ``{0: 1, 1: 2}``: every H0 bar and all H1 bars
        but the longest).
    p, q : float, default=1, 0
        Powers of the lifetimes and of the mid-points.
    filtration : {"clusters", "line", "image"}, default="clusters"
        How the weights are seen (module docstring).
    shape : tuple of int, default=None
        Shape of the coefficient image, required by ``"image"``.

    Notes
    -----
    ``prox`` (``p=1, q=0`` and a 1-D filtration) is *local*: the pairing is frozen at the
    input. For ``"clusters"`` it is the exact prox of the fused lasso on the sorted order of
    ``v`` with the ``i0 - 2`` largest gaps free (a range prox per cluster): exact for Top1,
    which is convex. For ``"line"`` it is a DC step: the exact prox of TV/2 after a step on
    the concave, chamber-wise linear rest (see ``_line_linear_part``). Other cases have
    ``has_prox = False`` and the solvers take explicit subgradient steps.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.penalties import TopologicalPenalty
    >>> beta = np.array([0.0, 0.1, 1.0, 1.2, 3.0])
    >>> TopologicalPenalty(i0=2).value(beta)                # Top1: the range
    3.0
    >>> round(TopologicalPenalty(i0=4).value(beta), 6)      # Top2: all but 2 largest gaps
    0.3
    >>> saw = np.array([0.0, 1.0, 0.0, 2.0, 0.5, 1.5, 0.0])
    >>> TopologicalPenalty(i0=2, filtration="line").value(saw)   # bars 1 and 1
    2.0
    """

    def __init__(self, i0=2, *, p=1, q=0, filtration="clusters", shape=None):
        self.i0 = i0
        self.p = p
        self.q = q
        self.filtration = filtration
        self.shape = shape

    @classmethod
    def keeping(cls, n_kept, **kwargs):
        """The penalty leaving ``n_kept`` clusters (maxima) free: ``i0 = n_kept + 1``."""
        check_scalar(n_kept, "n_kept", low=0, integer=True)
        return cls(i0=int(n_kept) + 1, **kwargs)

    @property
    def has_prox(self):
        return (self.filtration in ("clusters", "line") and self.p == 1 and self.q == 0
                and not isinstance(self.i0, Mapping))

    def _check(self):
        """Validate the parameters; return ``has_prox``. Both are cached on the parameters:
        the solvers call value and prox at every iteration."""
        i0 = self.i0
        key = (i0 if type(i0) is int else repr(i0), self.p, self.q, self.filtration,
               self.shape)
        if self.__dict__.get("_checked") == key:
            return self._fast
        self._check_params()
        self._checked = key
        self._fast = self.has_prox
        return self._fast

    def _check_params(self):
        check_option(self.filtration, "filtration", _FILTRATIONS)
        check_scalar(self.p, "p", low=0)
        check_scalar(self.q, "q")
        if isinstance(self.i0, Mapping):
            if self.filtration != "image":
                raise ValueError("A dict 'i0' ({dim: i0}) needs filtration='image', got "
                                 f"{self.filtration!r}.")
            for d, i in self.i0.items():
                if not isinstance(d, Integral) or not 0 <= d <= 1:
                    raise ValueError(f"The keys of 'i0' must be 0 or 1, got {d!r}.")
                check_scalar(i, "i0", low=1, integer=True)
        else:
            check_scalar(self.i0, "i0", low=1, integer=True)

    def _loss(self):
        from ..loss import TopologicalLoss

        i0 = self.i0 if isinstance(self.i0, Mapping) else {0: self.i0}
        funcs = {int(d): PolynomialEnergy(self.p, self.q, int(i)) for d, i in i0.items()}
        return TopologicalLoss(funcs, filtration="cubical", superlevel=True)

    def _image_shape(self, size):
        if self.shape is None:
            raise ValueError("The 'image' filtration needs the shape of the coefficient "
                             "image (coef_shape=(height, width)).")
        shape = tuple(int(s) for s in self.shape)
        if int(np.prod(shape)) != size:
            raise ValueError(f"coef_shape={shape} does not match {size} coefficients.")
        return shape

    def value_and_grad(self, beta):
        """Return the penalty and a subgradient (the gradient of the current pairing)."""
        self._check()
        beta = np.asarray(beta, dtype=np.float64)
        flat = beta.ravel()
        if self.filtration == "image":
            value, grad = self._loss().value_and_grad(flat.reshape(self._image_shape(flat.size)))
            return value, grad.reshape(beta.shape)
        if self.filtration == "clusters":
            dgm = cluster_diagram(flat)
            value, _, gd = _energy_value_and_grad_1d(dgm, self.p, self.q, self.i0)
            edges = dgm.death_index[1:]
            gd = gd[1:]
            # d|b_i - b_j| / d b_i = sign(b_i - b_j)
            sign = np.sign(flat[edges[:, 0]] - flat[edges[:, 1]])
            grad = (np.bincount(edges[:, 0], sign * gd, minlength=flat.size)
                    - np.bincount(edges[:, 1], sign * gd, minlength=flat.size))
            return value, grad.reshape(beta.shape)
        dgm = line_diagram(flat)
        value, gb, gd = _energy_value_and_grad_1d(dgm, self.p, self.q, self.i0)
        grad = np.bincount(dgm.birth_index, gb, minlength=flat.size)
        finite = dgm.death_index >= 0
        grad += np.bincount(dgm.death_index[finite], gd[finite], minlength=flat.size)
        return value, grad.reshape(beta.shape)

    def value(self, beta):
        """Return the penalty (fast paths for ``p=1, q=0``)."""
        fast = self._check()
        flat = np.asarray(beta, dtype=np.float64).ravel()
        if fast and self.filtration == "clusters":
            n_kept = _n_kept(self.i0)
            if n_kept == 0:
                return float(flat.max() - flat.min()) if flat.size else 0.0
            gaps = np.diff(np.sort(flat))
            if n_kept >= gaps.size:
                return 0.0
            return float(np.sum(np.partition(gaps, gaps.size - n_kept)[:gaps.size - n_kept])
                         if n_kept else gaps.sum())
        if self.filtration == "image":
            return self._loss()(flat.reshape(self._image_shape(flat.size)))
        if fast:
            # every finite bar: (TV - (M - v_0) - (M - v_{n-1})) / 2, minus the kept ones
            top = flat.max()
            tv = np.abs(np.diff(flat)).sum()
            total = 0.5 * (tv - 2.0 * top + flat[0] + flat[-1])
            n_kept = _n_kept(self.i0)
            return float(total - _line_kept(flat, n_kept)[3]) if n_kept else float(total)
        return self.value_and_grad(flat)[0]

    def structure(self, beta):
        """Chamber of ``beta`` (see :meth:`Penalty.structure`); None for images."""
        if not self.has_prox:
            return None
        beta = np.asarray(beta, dtype=np.float64).ravel()
        if self.filtration == "line":
            labels, pairs = run_structure(beta)
            grad = self.value_and_grad(beta)[1]
            return labels, pairs, np.bincount(labels, grad, minlength=int(labels[-1]) + 1)
        values, first, labels = np.unique(beta, return_index=True, return_inverse=True)
        gaps = np.diff(values)
        # the slope of a group: (gap below penalized) - (gap above penalized)
        kept = _kept_gaps(gaps, first[:-1], first[1:], _n_kept(self.i0))
        weight = np.concatenate([[0.0], (~kept).astype(np.float64), [0.0]])
        g = np.arange(values.size - 1)
        return (labels.astype(np.intp).ravel(), np.column_stack([g, g + 1]),
                weight[:-1] - weight[1:])

    def prox_value(self, v, step):
        """``prox(v, step)`` and the penalty at it; Top1 on clusters gets the value (the
        range of the clipped ``v``) from the prox at no cost."""
        if (self._check() and self.filtration == "clusters" and type(v) is np.ndarray
                and v.ndim == 1 and v.size and v.dtype == np.float64
                and _n_kept(self.i0) == 0):
            return _prox_range(v, float(step))
        return super().prox_value(v, step)

    def prox(self, v, step):
        """The local proximal map (see Notes); only when ``has_prox``."""
        if not self._check():
            raise ValueError(f"{self!r} has no proximal map (p=1, q=0 and a 1-D "
                             "filtration only); use its subgradient.")
        if (self.filtration == "clusters" and type(v) is np.ndarray and v.ndim == 1
                and v.dtype == np.float64):
            return _prox_clusters(v, float(step), self.i0)     # the solvers' case
        v = np.asarray(v, dtype=np.float64)
        flat = v.ravel()
        if self.filtration == "clusters":
            out = _prox_clusters(flat, float(step), self.i0)
        else:
            out = _prox_line(flat, float(step), self.i0)
        return out.reshape(v.shape)
