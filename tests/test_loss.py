import numpy as np
import pytest
from scipy.spatial import Delaunay

from sktopo import TopologicalLoss
from sktopo.functionals import (BettiTarget, DeathNorm, DiagramDistance, PersistenceNorm,
                                PolynomialEnergy)
from sktopo.utils._testing import assert_gradient_matches

FUNCTIONALS = [
    PolynomialEnergy(2, 1, 2),
    PersistenceNorm(p=1, min_persistence=0.05),
    BettiTarget(k=2, p=2, min_persistence=0.3),
    DiagramDistance([[0.1, 0.5], [0.2, 0.4]], p=2),
    DiagramDistance([[0.1, 0.5]], p=2, internal_p=2),
    DiagramDistance([[0.1, 0.5]], p=np.inf),
    PersistenceNorm(p=2) - 0.5 * PolynomialEnergy(1, 0, 1),
    DeathNorm(p=2),
]
IDS = ["energy", "norm", "betti", "w2", "w2-l2", "bottleneck", "sum", "death"]


def cases(rng):
    tri = Delaunay(rng.random((25, 2)))
    return [
        ("cubical", rng.random(40), dict()),
        ("cubical", rng.random((7, 13)), dict(homology_dimensions=(0, 1))),
        ("cubical", rng.random((7, 13)), dict(homology_dimensions=(0, 1), superlevel=True,
                                              connectivity="face")),
        ("cubical", rng.random((4, 5, 3)), dict(homology_dimensions=(0, 1, 2))),
        ("lower_star", rng.random(25), dict(simplices=tri.simplices,
                                            homology_dimensions=(0, 1))),
        ("rips", rng.random((18, 2)), dict(homology_dimensions=(0, 1))),
        ("rips", rng.random((18, 3)), dict(homology_dimensions=(0, 1),
                                           max_edge_length=0.6)),
        ("weak_alpha", rng.random((30, 2)), dict(homology_dimensions=(0, 1))),
        ("weak_alpha", rng.random(20), dict()),
    ]


@pytest.mark.parametrize("functional", FUNCTIONALS, ids=IDS)
def test_gradient_equals_finite_differences(functional):
    rng = np.random.default_rng(1)
    for filtration, x, kwargs in cases(rng):
        loss = TopologicalLoss(functional, filtration, **kwargs)
        value, grad = assert_gradient_matches(loss.value_and_grad, x, atol=1e-5)
        assert grad.shape == x.shape
        assert value == pytest.approx(loss(x))


def test_gradient_routing(rng):
    x = rng.random((8, 9))
    both = TopologicalLoss(PersistenceNorm(p=2), homology_dimensions=(0, 1))
    _, g = both.value_and_grad(x)
    _, gb = TopologicalLoss(PersistenceNorm(p=2), homology_dimensions=(0, 1),
                            gradient="birth").value_and_grad(x)
    _, gd = TopologicalLoss(PersistenceNorm(p=2), homology_dimensions=(0, 1),
                            gradient="death").value_and_grad(x)
    np.testing.assert_allclose(gb + gd, g)
    dgms = both.diagrams(x)
    death_pixels = np.concatenate([d.death_index for d in dgms.values()])
    birth_pixels = np.concatenate([d.birth_index for d in dgms.values()])
    assert set(np.flatnonzero(gd)) <= set(death_pixels)
    assert set(np.flatnonzero(gb)) <= set(birth_pixels)
    assert np.all(gd.ravel()[death_pixels[death_pixels >= 0]] >= 0)


def test_dict_of_functionals_per_dimension(rng):
    x = rng.random((6, 6))
    loss = TopologicalLoss({1: PolynomialEnergy(1, 0, 2), 0: PolynomialEnergy(1, 0, 1)})
    parts = (TopologicalLoss(PolynomialEnergy(1, 0, 2), homology_dimensions=1)(x)
             + TopologicalLoss(PolynomialEnergy(1, 0, 1), homology_dimensions=0)(x))
    assert loss(x) == pytest.approx(parts)


def test_ties_give_a_finite_reproducible_gradient():
    x = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    loss = TopologicalLoss(PersistenceNorm(p=1), homology_dimensions=0)
    v1, g1 = loss.value_and_grad(x)
    v2, g2 = loss.value_and_grad(x.copy())
    assert v1 == 3.0
    assert np.all(np.isfinite(g1))
    np.testing.assert_array_equal(g1, g2)
    # three bars of lifetime 1: three birth pixels and their death pixel(s)
    assert g1.sum() == 0.0 and (g1 < 0).sum() == 3


def test_coincident_points_give_finite_gradient(rng):
    points = rng.random((8, 2))
    points = np.concatenate([points, points[:3]])
    loss = TopologicalLoss(PolynomialEnergy(1, 0, 2), "weak_alpha", (0, 1))
    value, grad = loss.value_and_grad(points)
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_essential_and_empty_diagrams_give_zero():
    loss = TopologicalLoss(PersistenceNorm(p=1), homology_dimensions=(0, 1))
    value, grad = loss.value_and_grad(np.full((4, 4), 3.0))
    assert value == 0.0 and not grad.any()


def test_input_not_modified(rng):
    x = rng.random((5, 6))
    copy = x.copy()
    TopologicalLoss(PolynomialEnergy(2, 0, 1), homology_dimensions=(0, 1)).value_and_grad(x)
    np.testing.assert_array_equal(x, copy)


def test_bad_arguments_raise(rng):
    x = rng.random((4, 4))
    with pytest.raises(ValueError, match="filtration"):
        TopologicalLoss(PersistenceNorm(), "alpha").value_and_grad(x)
    with pytest.raises(ValueError, match="gradient"):
        TopologicalLoss(PersistenceNorm(), gradient="up").value_and_grad(x)
    with pytest.raises(TypeError, match="functional"):
        TopologicalLoss(lambda d: 0.0).value_and_grad(x)
    with pytest.raises(ValueError, match="simplices"):
        TopologicalLoss(PersistenceNorm(), "lower_star").value_and_grad(rng.random(4))
    with pytest.raises(ValueError, match="superlevel"):
        TopologicalLoss(PersistenceNorm(), "rips", superlevel=True).value_and_grad(x)
    with pytest.raises(ValueError, match="NaN"):
        TopologicalLoss(PersistenceNorm()).value_and_grad(np.array([[np.nan, 1.0]]))


def test_gradient_is_float_when_no_point_moves():
    # no bar above the threshold: a zero gradient, still of floats (numpy's bincount of no
    # values returns integers)
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=100.0), homology_dimensions=0)
    value, grad = loss.value_and_grad(np.random.default_rng(0).random((5, 5)))
    assert value == 0.0 and grad.dtype == np.float64 and not grad.any()


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("dims", [0, 1, (0, 1)])
@pytest.mark.parametrize("gradient", ["both", "birth", "death"])
@pytest.mark.parametrize("superlevel", [False, True])
def test_bound_norms_of_images_equal_the_diagram_terms(p, dims, gradient, superlevel):
    # W1/W2 norms of 2-D images: the pairing kernel computes the terms from its pairs;
    # the general evaluator goes through the Diagram objects and the functional
    from sktopo.loss import _ImageNorms

    x = np.random.default_rng(3).random((23, 17))
    loss = TopologicalLoss(PersistenceNorm(p=p, min_persistence=0.05, max_persistence=0.8),
                           homology_dimensions=dims, gradient=gradient, superlevel=superlevel)
    evaluate = loss._bind(2)
    assert isinstance(evaluate, _ImageNorms)
    value, idx, vals = evaluate(x)
    expected, e_idx, e_vals = evaluate.general(x)
    assert value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(np.bincount(idx, vals, minlength=x.size),
                               np.bincount(e_idx, e_vals, minlength=x.size), atol=1e-12)
    assert np.count_nonzero(vals) > 0


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("gradient", ["both", "birth", "death"])
@pytest.mark.parametrize("superlevel", [False, True])
@pytest.mark.parametrize("ties", [False, True])
def test_bound_norms_of_signals_equal_the_diagram_terms(p, gradient, superlevel, ties):
    # W1/W2 norms of 1-D signals: the signal kernel computes the terms from its pairs, the
    # same value, indices and gradients as the general evaluator
    from sktopo.loss import _ImageNorms

    rng = np.random.default_rng(4)
    x = rng.integers(0, 5, 301).astype(float) if ties else np.cumsum(rng.standard_normal(301))
    for norm in (PersistenceNorm(p=p),
                 PersistenceNorm(p=p, min_persistence=0.5, max_persistence=3.0,
                                 birth_range=(-4.0, 2.0))):
        loss = TopologicalLoss(norm, gradient=gradient, superlevel=superlevel)
        evaluate = loss._bind(1)
        assert isinstance(evaluate, _ImageNorms)
        value, idx, vals = evaluate(x)
        expected, e_idx, e_vals = evaluate.general(x)
        assert value == expected and np.count_nonzero(vals) > 0
        np.testing.assert_array_equal(idx, e_idx)
        np.testing.assert_array_equal(vals, e_vals)


def test_bound_loss_is_validated_once():
    with pytest.raises(ValueError, match="gradient"):
        TopologicalLoss(PersistenceNorm(), gradient="sides")._bind(2)
    with pytest.raises(ValueError, match="homology"):
        TopologicalLoss(PersistenceNorm(), homology_dimensions=2)._bind(2)
    with pytest.raises(ValueError, match="min_persistence"):
        TopologicalLoss(PersistenceNorm(min_persistence=-1.0))._bind(2)
    with pytest.raises(ValueError, match="simplices"):
        TopologicalLoss(PersistenceNorm(), "lower_star")._bind(1)
