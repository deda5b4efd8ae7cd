"""The cycles of a point cloud's loops, for the big steps of ``_big_steps.py``.

A loop (H1 point) of a Rips or weak alpha filtration is born at an edge that closes a
cycle: that edge and the path between its end points in the minimum spanning forest
(whose edges are the H0 deaths) are a cycle of the class when it is born. Scaling that
cycle about its centroid by a ratio ``s`` multiplies the scale at which it gets filled,
the loop's death, by ``s``.
"""

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.spatial import cKDTree

from ..persistence import rips_persistence, weak_alpha_persistence


def _spanning_forest(loss, pts):
    """Parent and depth of every point in the minimum spanning forest of the cloud: the
    H0 death edges of the loss's filtration (Rips and weak alpha share them, the
    Euclidean minimum spanning tree lying in the Delaunay graph). Trees hang from a
    virtual root ``n``, the parent of their smallest point."""
    n = len(pts)
    if loss.filtration == "rips":
        h0 = rips_persistence(pts, 0, max_edge_length=loss.max_edge_length)[0]
    else:
        h0 = weak_alpha_persistence(pts, 0)[0]
    edges = h0.death_index[~h0.essential]
    _, labels = connected_components(
        coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n)),
        directed=False)
    roots = np.unique(labels, return_index=True)[1]
    rows = np.concatenate([edges[:, 0], np.full(len(roots), n)])
    cols = np.concatenate([edges[:, 1], roots])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    order, parent = breadth_first_order(graph, n, directed=False, return_predecessors=True)
    depth = np.zeros(n + 1, dtype=np.intp)
    for v in order[1:]:
        depth[v] = depth[parent[v]] + 1
    return parent, depth


def _tree_cycle(forest, a, b):
    """The points of the cycle made of the edge ``(a, b)`` and the forest path between
    its end points; None when they lie in different trees."""
    parent, depth = forest
    up_a, up_b = [a], [b]
    while depth[a] > depth[b]:
        a = parent[a]
        up_a.append(a)
    while depth[b] > depth[a]:
        b = parent[b]
        up_b.append(b)
    while a != b:
        a, b = parent[a], parent[b]
        up_a.append(a)
        up_b.append(b)
    if a == len(parent) - 1:        # met at the virtual root
        return None
    return np.array(up_a + up_b[-2::-1])


def _cycle_moves(pts, dgm, sel, ratio, forest, tree):
    """Moves that scale the cycle of each H1 point ``sel`` by ``ratio`` about its centroid
    (a list of (points, moves)), and the mask of the points that had no cycle. The points
    within the class's birth value of its cycle (its neighbourhood at the scale where the
    loop closes) follow their nearest cycle point: the cycle does not leave them behind
    as a new loop."""
    moves, missed = [], np.zeros(len(sel), dtype=bool)
    for k, (i, s) in enumerate(zip(sel, ratio)):
        cycle = _tree_cycle(forest, *dgm.birth_index[i])
        if cycle is None:
            missed[k] = True
            continue
        p = pts[cycle]
        move = (s - 1.0) * (p - p.mean(axis=0))
        near = np.unique(np.concatenate(tree.query_ball_point(p, dgm.births[i])))
        near = np.setdiff1d(near, cycle)
        if near.size:
            anchor = cKDTree(p).query(pts[near])[1]
            cycle, move = np.concatenate([cycle, near]), np.concatenate([move, move[anchor]])
        moves.append((cycle, move))
    return moves, missed


def _add_moves(shift, count, moves, conflict):
    """Sum (``"mean"``: and count) the moves; ``"extreme"``: each point keeps its longest."""
    if conflict == "mean":
        for idx, move in moves:
            np.add.at(shift, idx, move)
            np.add.at(count, idx, 1)
        return
    best = np.zeros(len(shift))
    for idx, move in moves:
        norm = np.einsum("ij,ij->i", move, move)
        longer = norm > best[idx]
        shift[idx[longer]] = move[longer]
        best[idx[longer]] = norm[longer]
    count[best > 0] += 1
