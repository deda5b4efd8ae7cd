"""Low-overhead evaluation of a TopologicalLoss on already validated arrays (private).

``TopologicalLoss.value_and_grad`` validates its input and the loss parameters at every
call and returns a dense gradient. The STUMP loop validates once, then calls the kernel
built here on every approximate: the cubical pairing is the private
``sktopo.persistence._cubical._sublevel_pairs`` (where fast pairings plug in) and the
gradient comes back sparse, as the few critical cells and their values; cubical losses
made of ``PersistenceNorm`` functionals skip the Diagram objects (see ``_norm_terms``,
the hot path of the STUMP benchmark). The weak alpha filtration of a point cloud takes a
lean path as well (see ``_weak_alpha_diagrams``).
"""

import numpy as np

from ..functionals import PersistenceNorm
from ..functionals._energy import _power_slope
from ..persistence import _point_cloud as _pc
from ..persistence import lower_star_persistence
from ..persistence._cubical import (
    _MAX_PADDED_SIZE,
    _check_connectivity,
    _diagram_from_pairs,
    _pairing,
    _sublevel_pairs,
)

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


def _norm_terms(func, values, birth_index, death_index, gradient):
    """``PersistenceNorm.value_and_grad`` on the pairs of a cubical diagram, sparse.

    The same arithmetic as building the :class:`~sktopo.persistence.Diagram` (values of
    the critical cells, zero-persistence points dropped) and calling
    ``func.value_and_grad`` then :func:`_side` and :func:`_sparse`: the points of the
    region are the finite points of lifetime above ``min_persistence`` (so never a
    zero-persistence one), in the same order, so the value sums the same terms in the same
    order. Returns ``(value, [indices], [gradients])``, births before deaths.
    """
    # few array passes (this runs at every STUMP step, on a few hundred pairs)
    births = values[birth_index]
    diff = values[death_index]
    diff -= births                  # an essential point (index -1) is left out below
    length = np.abs(diff)
    mask = length > func.min_persistence
    mask &= death_index >= 0
    if np.isfinite(func.max_persistence):
        mask &= length <= func.max_persistence
    if func.birth_range is not None:
        low, high = func.birth_range
        mask &= (births >= low) & (births <= high)
    sel = mask.nonzero()[0]
    if sel.size == 0:
        return 0.0, [], []
    diff = diff[sel]
    lp, slope = _power_slope(diff, func.p, length[sel])
    idx, vals = [], []
    if gradient != "death":
        idx.append(birth_index[sel])
        vals.append(-slope)
    if gradient != "birth":
        idx.append(death_index[sel])
        vals.append(slope)
    return float(np.add.reduce(lp)), idx, vals


def _norm_params(func):
    """``(min, max, p, low, high)`` of a PersistenceNorm, for the compiled kernel."""
    low, high = (-np.inf, np.inf) if func.birth_range is None else func.birth_range
    return (float(func.min_persistence), float(func.max_persistence), float(func.p),
            float(low), float(high))


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
    if True:  # the compiled kernels are required
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
        # the lean path: cubical diagrams of PersistenceNorm functionals, read straight
        # from the pairs (no Diagram objects; see _norm_terms)
        self.lean = (self.filtration == "cubical"
                     and all(type(f) is PersistenceNorm for f in self.funcs.values()))
        if self.lean:
            for f in self.funcs.values():
                f._check_params()
        # 2-D images, W1 and W2 norms: the compiled kernel computes the terms itself,
        # from its pairs, with the same arithmetic (other powers: numpy's ** may differ
        # from C's pow in the last bit)
        self.norms = None
        if (self.lean and ndim == 2 and _pairing is not None
                and set(self.dims) <= {0, 1}
                and all(f.p in (1, 2) for f in self.funcs.values())):
            self.full = self.connectivity == "full"
            self.side = {"both": 0, "birth": 1, "death": 2}[self.gradient]
            self.norms = tuple(_norm_params(self.funcs[d]) if d in self.funcs else None
                               for d in (0, 1))

    def diagrams(self, values):
        if self.filtration == "cubical":
            f = -values if self.superlevel else values
            pairs = _sublevel_pairs(f, self.dims, self.connectivity)
            flat = values.ravel()
            return {d: _diagram_from_pairs(flat, *pairs[d], d, self.superlevel)
                    for d in self.dims}
        return lower_star_persistence(values, self.simplices, self.dims,
                                      superlevel=self.superlevel)

    def _lean(self, values):
        f = -values if self.superlevel else values
        if (self.norms is not None and values.flags.c_contiguous
                and (values.shape[0] + 2) * (values.shape[1] + 2) < _MAX_PADDED_SIZE):
            value, idx, vals = _pairing.image_pairs(f, self.full, 0 in self.dims,
                                                    1 in self.dims, self.norms,
                                                    values.reshape(-1), self.side)
            return float(value), idx.astype(np.intp, copy=False), vals
        pairs = _sublevel_pairs(f, self.dims, self.connectivity)
        flat = values.ravel()
        value = 0.0
        idx, vals = [], []
        for d, func in self.funcs.items():
            v, i, w = _norm_terms(func, flat, *pairs[d], self.gradient)
            value += v
            idx += i
            vals += w
        if len(idx) == 1:
            idx, vals = idx[0], vals[0]
        elif idx:
            idx, vals = np.concatenate(idx), np.concatenate(vals)
        else:
            return float(value), np.empty(0, dtype=np.intp), np.empty(0)
        keep = vals != 0
        if not keep.all():
            idx, vals = idx[keep], vals[keep]
        return float(value), idx.astype(np.intp, copy=False), vals

    def _weak_alpha(self, values):
        points = values.reshape(len(values), -1)
        diagrams = _weak_alpha_diagrams(points, self.dims)
        if diagrams is None:
            return None
        value, terms = self._terms(diagrams)
        pieces = [_edge_gradient(points, edges, g) for edges, g in terms]
        return (value, np.concatenate([i for i, _ in pieces]),
                np.concatenate([w for _, w in pieces]))

    def _terms(self, diagrams):
        """The functionals' total value, and ``(critical cells, gradient)`` of the births
        then the deaths of every diagram (the sides not moved have zero gradients)."""
        value, terms = 0.0, []
        for d, func in self.funcs.items():
            dgm = diagrams[d]
            v, gb, gd = func.value_and_grad(dgm)
            value += v
            gb, gd = _side(self.gradient, gb, gd)
            terms += [(dgm.birth_index, gb), (dgm.death_index, gd)]
        return float(value), terms

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
        if self.lean:
            return self._lean(values)
        value, terms = self._terms(self.diagrams(values))
        return value, *_sparse(np.concatenate([i for i, _ in terms]),
                               np.concatenate([g for _, g in terms]))
