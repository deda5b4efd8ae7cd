"""Low-overhead evaluation of a TopologicalLoss on already validated arrays (private).

``TopologicalLoss.value_and_grad`` validates its input and the loss parameters at every
call and returns a dense gradient. The STUMP loop validates once, then calls the kernel
built here on every approximate: the cubical pairing is the private
``sktopo.persistence._cubical._sublevel_pairs`` (where fast pairings plug in) and the
gradient comes back sparse, as the few critical cells and their values.
"""

import numpy as np

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

    def __call__(self, values):
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
