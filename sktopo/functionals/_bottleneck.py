"""Bottleneck matching: GUDHI's distance gives the level, one bipartite matching the pairs.

``gudhi.bottleneck_distance`` returns the distance (up to rounding) but no matching. The
exact bottleneck distance is the smallest cost ``t`` at which the graph of the pairs of
cost ``<= t`` has a perfect matching; it lies within rounding of GUDHI's value, so a
binary search over the few costs within 1e-9 (relative) of it, usually one matching,
gives both the exact distance and an optimal matching. Only the pairs near that level are
generated, by a sweep over the births (no n x m matrix). The matching is a unit-capacity
maximum flow (scipy's Dinic): scipy's ``maximum_bipartite_matching`` takes exponential time
on layered graphs such as this one (scipy issue 26147; 14 s at 485 x 655).
"""

import numpy as np

__all__ = ["bottleneck_matching"]


def _close_pairs(P, Q, t):
    """The pairs (i, j, cost) of points of P and Q at L-inf distance <= t (a sweep)."""
    if len(P) == 0 or len(Q) == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0)
    order = np.argsort(Q[:, 0], kind="stable")
    qb = Q[order, 0]
    lo = np.searchsorted(qb, P[:, 0] - t, side="left")
    hi = np.searchsorted(qb, P[:, 0] + t, side="right")
    counts = hi - lo
    i = np.repeat(np.arange(len(P)), counts)
    # positions lo[i], lo[i] + 1, ..., hi[i] - 1 of every row, in one arange
    starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
    j = order[starts + np.arange(i.size)]
    cost = np.maximum(np.abs(P[i, 0] - Q[j, 0]), np.abs(P[i, 1] - Q[j, 1]))
    keep = cost <= t
    return i[keep], j[keep], cost[keep]


def perfect_matching(n, m, edges, diag_a, diag_b, t):
    """A perfect matching at level ``t``, or None if there is none.

    The bipartite graph of the bottleneck matching: left, the n points of A and a diagonal
    copy of each point of B; right, the m points of B and a diagonal copy of each point of
    A. Edges: a_i - its copy and b_j's copy - b_j when their distance to the diagonal is
    <= t; a_i - b_j of cost <= t when one of the two cannot go to the diagonal (*forced*),
    with copy(b_j) - copy(a_i) beside it. Both restrictions keep a perfect matching when
    there is one: a perfect matching leaves exactly the copies of its matched pairs free
    and can pair them along those pairs' edges; a matched pair of two points that may go to
    the diagonal can go there instead. ``edges`` = (i, j, cost) holds at least those pairs.
    Returns the right vertex of every left vertex.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    i, j, cost = edges
    forced_a, forced_b = diag_a > t, diag_b > t
    keep = (cost <= t) & (forced_a[i] | forced_b[j])
    ia, jb = i[keep], j[keep]
    ka, kb = np.flatnonzero(~forced_a), np.flatnonzero(~forced_b)
    left = np.concatenate([ia, ka, n + kb, n + jb])
    right = np.concatenate([jb, m + ka, kb, m + ia])
    # the flow network: source -> every left vertex -> its right neighbours -> sink
    size = n + m
    source, sink = 2 * size, 2 * size + 1
    tails = np.concatenate([np.full(size, source), left, size + np.arange(size)])
    heads = np.concatenate([np.arange(size), size + right, np.full(size, sink)])
    network = csr_matrix((np.ones(tails.size, dtype=np.int32), (tails, heads)),
                         shape=(2 * size + 2, 2 * size + 2))
    result = maximum_flow(network, source, sink, method="dinic")
    if result.flow_value < size:
        return None
    flow = result.flow.tocoo()
    used = (flow.data > 0) & (flow.row < size) & (flow.col >= size) & (flow.col < 2 * size)
    col = np.empty(size, dtype=np.intp)
    col[flow.row[used]] = flow.col[used] - size
    return col


def search_levels(n, m, edges, diag_a, diag_b, levels):
    """Binary search of the sorted candidate ``levels`` for the smallest one admitting a
    perfect matching; returns ``match`` (partner in B of each point of A, -1 for the
    diagonal), or None when even the largest does not."""
    lo, hi, best = 0, levels.size - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        col = perfect_matching(n, m, edges, diag_a, diag_b, levels[mid])
        if col is None:
            lo = mid + 1
        else:
            best, hi = col, mid - 1
    return None if best is None else np.where(best[:n] < m, best[:n], -1)


def bottleneck_matching(A, B):
    """Optimal bottleneck matching of two non-empty finite diagrams in the L-inf norm.

    Returns ``match`` (partner in B of each point of A, -1 for the diagonal), or None if
    no level near GUDHI's distance admits a perfect matching (never seen; the caller then
    searches every cost).
    """
    import gudhi

    # GUDHI assumes births below deaths: a superlevel pair is negated (an isometry)
    flip = -1.0 if (A[:, 1] < A[:, 0]).any() or (B[:, 1] < B[:, 0]).any() else 1.0
    guess = gudhi.bottleneck_distance(flip * A, flip * B)
    low, high = guess * (1 - 1e-9), guess * (1 + 1e-9)
    diag_a, diag_b = 0.5 * np.abs(A[:, 1] - A[:, 0]), 0.5 * np.abs(B[:, 1] - B[:, 0])
    # every pair of cost <= high with a point forced at the lowest candidate level
    forced_a, forced_b = np.flatnonzero(diag_a > low), np.flatnonzero(diag_b > low)
    free_a = np.flatnonzero(diag_a <= low)
    i1, j1, c1 = _close_pairs(A[forced_a], B, high)
    i2, j2, c2 = _close_pairs(A[free_a], B[forced_b], high)
    edges = (np.concatenate([forced_a[i1], free_a[i2]]),
             np.concatenate([j1, forced_b[j2]]), np.concatenate([c1, c2]))
    candidates = np.concatenate([edges[2], diag_a, diag_b])
    levels = np.unique(candidates[(candidates >= low) & (candidates <= high)])
    return search_levels(len(A), len(B), edges, diag_a, diag_b, levels)
