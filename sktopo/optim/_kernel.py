"""Low-overhead evaluation of a TopologicalLoss on already validated arrays (private).

``TopologicalLoss.value_and_grad`` validates its input and the loss parameters at every
call and returns a dense gradient. The STUMP loop validates once, then calls the kernel
built here on every approximate: the cubical pairing is the private
``sktopo.persistence._cubical._sublevel_pairs`` (where fast pairings plug in) and the
gradient comes back sparse, as the few critical cells and their values. The weak alpha
filtration of a point cloud takes a lean path as well (see ``_weak_alpha_diagrams``).
"""

import numpy as np

from ..persistence import _point_cloud as _pc
from ..persistence import lower_star_persistence
from ..persistence._cubical import _check_connectivity, _diagram_from_pairs, _sublevel_pairs

__all__ = []


def _side(gradient, gb, gd):
    if gradient == "death":
        return np.zeros_like(gb), gd
    if gradient == "birth":
        return gb, np.zeros_like(gd)
    return gb, gd


def _sparse(idx, vals):
    """Drop zeros and essential (-1) cells; an index may repeat (its values add up)."""
    keep = (idx >= 0) & (vals != 0)
    return idx[keep].astype(np.intp, copy=False), vals[keep]


def _weak_alpha_diagrams(points, dims):
    """Weak alpha diagrams of a point cloud, or None when the public path is needed.

    The diagrams of :func:`~sktopo.persistence.weak_alpha_persistence` for distinct points
    in general position (full rank, more than ``n_dims + 1`` points): the same Delaunay
    triangulation of the same coordinates and the same pairings, without the per-call
    validation, the ``np.unique`` merge of coincident points (a lexicographic sort finds
    none) and the sort of the triangles' edges (read from the triangulation's vertex
    neighbours, one sorted pass). Clouds with coincident points or of lower rank return
    None.
    """
    from scipy.spatial import Delaunay, QhullError

    n, dim = points.shape
    if dim < 2 or n <= dim + 1:
        return None
    order = np.lexsort(points.T[::-1])
    ordered = points[order]
    if np.any(np.all(ordered[1:] == ordered[:-1], axis=1)):
        return None
    centered = points - points.mean(axis=0)
    _, sv, vt = np.linalg.svd(centered, full_matrices=False)
    if not sv[0] > 0 or np.sum(sv > sv[0] * 1e-10) < dim:
        return None
    try:
        tri = Delaunay(centered @ vt.T)
    except QhullError:  # pragma: no cover - degenerate inputs the SVD did not catch
        return None
    indptr, neighbours = tri.vertex_neighbor_vertices
    first = np.repeat(np.arange(n), np.diff(indptr))
    keep = first < neighbours
    keys = first[keep].astype(np.int64) * n + neighbours[keep]
    keys.sort()
    edges = np.column_stack([keys // n, keys % n]).astype(np.intp)
    lengths = np.linalg.norm(points[edges[:, 0]] - points[edges[:, 1]], axis=1)
    ids = np.arange(n)
    if _pc._pairing is not None:
        return _pc._flag_diagrams_compiled(n, edges, lengths, tuple(dims), ids)
    diagrams = {}
    if 0 in dims:
        diagrams[0] = _pc._h0_diagram(n, edges, lengths, ids)
    higher = [d for d in dims if d > 0]
    if higher:
        diagrams.update(_pc._flag_diagrams(n, edges, lengths, higher, ids))
    return diagrams


def _edge_gradient(points, edges, grad):
    """Sparse gradient on the flat coordinates from a gradient on edge lengths.

    As :func:`sktopo._backprop.scatter_to_points`, without the dense array: indices may
    repeat (their values add up).
    """
    valid = (edges[:, 0] >= 0) & (edges[:, 0] != edges[:, 1]) & (grad != 0)
    edges, grad = edges[valid], grad[valid]
    diff = points[edges[:, 0]] - points[edges[:, 1]]
    length = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    diff *= np.divide(grad, length, out=np.zeros_like(grad), where=length > 0)[:, None]
    dim = points.shape[1]
    cols = np.arange(dim)
    idx = np.concatenate([(edges[:, 0] * dim)[:, None] + cols,
                          (edges[:, 1] * dim)[:, None] + cols]).ravel()
    return idx, np.concatenate([diff, -diff]).ravel()


class _LossKernel:
    """``kernel(values) -> (value, idx, vals)`` for a validated TopologicalLoss.

    ``idx`` may repeat a cell (several points born or dying there): the values add up.

    Parameters
    ----------
    loss : TopologicalLoss
    filtration : str
        The filtration used on the approximates (``"lower_star"`` for covers).
    simplices : list of arrays or None
        The complex of a lower-star filtration (the nerve of a cover).
    """

    def __init__(self, loss, filtration=None, simplices=None, ndim=2):
        self.funcs = loss._functionals()
        self.dims = tuple(self.funcs)
        self.gradient = loss.gradient
        self.superlevel = bool(loss.superlevel)
        self.filtration = filtration or loss.filtration
        self.simplices = simplices if simplices is not None else loss.simplices
        self.loss = loss
        if self.filtration == "cubical":
            self.connectivity = _check_connectivity(loss.connectivity, ndim)

    def diagrams(self, values):
        if self.filtration == "cubical":
            f = -values if self.superlevel else values
            pairs = _sublevel_pairs(f, self.dims, self.connectivity)
            flat = values.ravel()
            return {d: _diagram_from_pairs(flat, *pairs[d], d, self.superlevel)
                    for d in self.dims}
        return lower_star_persistence(values, self.simplices, self.dims,
                                      superlevel=self.superlevel)

    def _weak_alpha(self, values):
        points = values.reshape(len(values), -1)
        diagrams = _weak_alpha_diagrams(points, self.dims)
        if diagrams is None:
            return None
        value = 0.0
        idx, vals = [], []
        for d, func in self.funcs.items():
            dgm = diagrams[d]
            v, gb, gd = func.value_and_grad(dgm)
            value += v
            gb, gd = _side(self.gradient, gb, gd)
            for edges, g in ((dgm.birth_index, gb), (dgm.death_index, gd)):
                i, w = _edge_gradient(points, edges, g)
                idx.append(i)
                vals.append(w)
        return float(value), np.concatenate(idx), np.concatenate(vals)

    def __call__(self, values):
        if self.filtration == "weak_alpha":
            out = self._weak_alpha(values)
            if out is not None:
                return out
        if self.filtration not in ("cubical", "lower_star"):
            value, grad = self.loss.value_and_grad(values)
            grad = grad.ravel()
            idx = np.flatnonzero(grad)
            return value, idx, grad[idx]
        diagrams = self.diagrams(values)
        value = 0.0
        idx, vals = [], []
        for d, func in self.funcs.items():
            dgm = diagrams[d]
            v, gb, gd = func.value_and_grad(dgm)
            value += v
            gb, gd = _side(self.gradient, gb, gd)
            idx += [dgm.birth_index, dgm.death_index]
            vals += [gb, gd]
        return float(value), *_sparse(np.concatenate(idx), np.concatenate(vals))
