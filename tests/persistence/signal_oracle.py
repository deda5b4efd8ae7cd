"""Test oracle: H0 persistence of a 1-D signal on the path graph in numpy, vectorized over
its local extrema (the compiled ``sktopo.persistence._signal.signal_pairs`` is the library's).

Ties are broken by index (the earlier sample is the lower one), which is the simulation of
simplicity used by every sktopo pairing. Cost: one pass over the samples to find the local
extrema, then O(k log k) in their number k (sparse tables and binary lifting).
"""

import numpy as np

from sktopo.persistence._cubical import _order_ranks


def _sparse_table_max(a):
    # table[l][i] = max(a[i : i + 2**l])
    table = [a]
    width = 1
    while 2 * width <= a.size:
        prev = table[-1]
        table.append(np.maximum(prev[:-width], prev[width:]))
        width *= 2
    return table


def _sparse_table_min(a):
    table = [a]
    width = 1
    while 2 * width <= a.size:
        prev = table[-1]
        table.append(np.minimum(prev[:-width], prev[width:]))
        width *= 2
    return table


def _range_min(table, lo, hi):
    # min(a[lo:hi]) for hi > lo, vectorized
    length = hi - lo
    level = np.floor(np.log2(length)).astype(np.intp)
    out = np.empty(lo.size, dtype=table[0].dtype)
    for lev in np.unique(level):
        sel = level == lev
        row = table[lev]
        out[sel] = np.minimum(row[lo[sel]], row[hi[sel] - (1 << lev)])
    return out


def _previous_greater(ranks, table):
    # position of the nearest earlier element with a larger rank, -1 if none
    pos = np.arange(ranks.size)
    for lev in range(len(table) - 1, -1, -1):
        step = 1 << lev
        start = pos - step
        ok = start >= 0
        idx = np.flatnonzero(ok)
        smaller = table[lev][start[idx]] < ranks[idx]
        pos[idx[smaller]] -= step
    return pos - 1


def signal_pairs(f):
    """Return the H0 pairs of the sublevel filtration of a 1-D signal.

    Parameters
    ----------
    f : ndarray of shape (n,)
        Finite float64 values.

    Returns
    -------
    birth_index, death_index : ndarray of int
        Positions of the birth (local minimum) and death (local maximum) of every class,
        the essential class (global minimum) first with death index -1.
    """
    n = f.size
    if n == 1:
        return np.zeros(1, dtype=np.intp), np.full(1, -1, dtype=np.intp)
    # lower[i]: sample i comes before sample i + 1 in the order (value, index)
    lower = f[:-1] <= f[1:]
    is_min = np.ones(n, dtype=bool)
    is_min[1:] &= ~lower
    is_min[:-1] &= lower
    is_max = np.zeros(n, dtype=bool)
    is_max[1:-1] = lower[:-1] & ~lower[1:]
    minima = np.flatnonzero(is_min)
    maxima = np.flatnonzero(is_max)          # maxima[j] lies between minima[j], minima[j+1]
    k = maxima.size
    min_rank = _order_ranks(f[minima])
    essential = minima[np.argmin(min_rank)]
    if k == 0:
        return np.array([essential]), np.array([-1])
    max_rank = _order_ranks(f[maxima])
    table = _sparse_table_max(max_rank)
    left = _previous_greater(max_rank, table)
    reverse = max_rank[::-1].copy()
    right = (k - 1 - _previous_greater(reverse, _sparse_table_max(reverse)))[::-1]
    # right[j]: the nearest later maximum with a larger rank, k if none
    # the basins meeting at maxima[j]: minima[left+1 .. j] and minima[j+1 .. right]
    min_table = _sparse_table_min(min_rank)
    j = np.arange(k)
    left_min = _range_min(min_table, left + 1, j + 1)
    right_min = _range_min(min_table, j + 1, right + 1)
    by_rank = minima[np.argsort(min_rank)]
    birth = by_rank[np.maximum(left_min, right_min)]  # the younger basin dies
    birth_index = np.concatenate([[essential], birth])
    death_index = np.concatenate([[-1], maxima])
    return birth_index, death_index
