"""The loss kernel of the STUMP loop: the lean cubical path against the Diagram path."""

import numpy as np
import pytest

from sktopo import TopologicalLoss
from sktopo.functionals import PersistenceNorm, PolynomialEnergy
from sktopo.optim._kernel import _LossKernel


def _both_paths(loss, values):
    kernel = _LossKernel(loss, ndim=values.ndim)
    assert kernel.lean
    lean = kernel(values)
    kernel.lean = False
    return lean, kernel(values)


@pytest.mark.parametrize("norm", [dict(p=1, min_persistence=0.5),
                                  dict(p=2, min_persistence=0.0),
                                  dict(p=1.5, min_persistence=0.2, max_persistence=2.0),
                                  dict(p=1, birth_range=(0.3, 2.7)),
                                  dict(p=0.5, min_persistence=0.0, max_persistence=np.inf)])
@pytest.mark.parametrize("gradient", ["both", "birth", "death"])
@pytest.mark.parametrize("superlevel", [False, True])
@pytest.mark.parametrize("dims", [0, (0, 1)])
def test_lean_path_equals_the_diagram_path(norm, gradient, superlevel, dims):
    rng = np.random.default_rng(0)
    values = rng.random((12, 10)) * 3
    values[3:5, 4:6] = 1.0                     # ties and zero-persistence points
    loss = TopologicalLoss(PersistenceNorm(**norm), homology_dimensions=dims,
                           gradient=gradient, superlevel=superlevel)
    (v1, i1, w1), (v2, i2, w2) = _both_paths(loss, values)
    assert v1 == v2 and v1 > 0
    assert i1.dtype == np.intp
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_array_equal(w1, w2)
    # the value is the loss's
    assert v1 == pytest.approx(loss(values), rel=1e-12)


def test_lean_path_per_dimension_functionals_and_empty_region():
    values = np.random.default_rng(1).random((9, 9))
    loss = TopologicalLoss({0: PersistenceNorm(p=1, min_persistence=0.1),
                            1: PersistenceNorm(p=2)})
    (v1, i1, w1), (v2, i2, w2) = _both_paths(loss, values)
    assert v1 == v2
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_array_equal(w1, w2)
    # nothing in the region: value 0, no gradient
    far = TopologicalLoss(PersistenceNorm(min_persistence=10.0), homology_dimensions=(0, 1))
    (v1, i1, w1), (v2, i2, w2) = _both_paths(far, values)
    assert v1 == v2 == 0.0 and i1.size == w1.size == i2.size == 0


def test_other_functionals_take_the_diagram_path():
    loss = TopologicalLoss(PolynomialEnergy(p=2, q=0, i0=1), homology_dimensions=0)
    assert not _LossKernel(loss).lean
    mixed = TopologicalLoss(PersistenceNorm(p=1) + PersistenceNorm(p=2))
    assert not _LossKernel(mixed).lean
    lower_star = TopologicalLoss(PersistenceNorm(p=1), filtration="lower_star",
                                 simplices=[np.array([[0, 1]])])
    assert not _LossKernel(lower_star).lean


def test_lean_path_validates_the_functional_once():
    with pytest.raises(ValueError, match="min_persistence"):
        _LossKernel(TopologicalLoss(PersistenceNorm(min_persistence=-1.0)))


def test_w1_and_w2_terms_come_from_the_compiled_kernel():
    # 2-D W1/W2 norms skip the pairs' arrays (their terms are computed in the pairing
    # kernel, checked against the Diagram path above); other powers stay in numpy
    for p in (1, 2):
        loss = TopologicalLoss(PersistenceNorm(p=p), homology_dimensions=(0, 1))
        assert _LossKernel(loss, ndim=2).norms is not None
    assert _LossKernel(TopologicalLoss(PersistenceNorm(p=1.5)), ndim=2).norms is None
    assert _LossKernel(TopologicalLoss(PersistenceNorm(p=1)), ndim=3).norms is None
