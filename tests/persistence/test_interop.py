"""Diagrams to and from GUDHI, persim/ripser and giotto-tda, and every accepted form."""

import warnings

import gudhi
import numpy as np
import persim
import pytest

from sktopo.functionals import BettiTarget, DiagramDistance, PersistenceNorm, PolynomialEnergy
from sktopo.persistence import (Diagram, check_diagrams, cubical_persistence, from_giotto,
                                from_gudhi, from_persim, to_giotto, to_gudhi, to_persim)


def values(dgms):
    return {d: sorted(map(tuple, np.round(dgm.to_array(), 12).tolist()))
            for d, dgm in dgms.items()}


def test_superlevel_export_gives_the_true_distance_to_gudhi_and_persim():
    # superlevel H0: (10, -inf) and (6, 0) against (10, -inf) and (3, 0): distance 3
    a = cubical_persistence(np.array([10.0, 0.0, 6.0, 0.0]), 0, superlevel=True)[0]
    b = cubical_persistence(np.array([10.0, 0.0, 3.0, 0.0]), 0, superlevel=True)[0]
    assert a.superlevel and b.superlevel
    assert gudhi.bottleneck_distance(np.asarray(a), np.asarray(b)) == 3.0
    assert gudhi.bottleneck_distance(a, b) == 3.0                 # the array protocol
    ga, gb = (np.array([p for _, p in to_gudhi(x)]) for x in (a, b))
    assert gudhi.bottleneck_distance(ga, gb) == 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                            # persim drops inf points
        assert persim.bottleneck(to_persim(a)[0], to_persim(b)[0]) == 3.0
    assert DiagramDistance(b, p=np.inf)(a) == 3.0
    assert gudhi.bottleneck_distance(a.to_gudhi(), b.to_gudhi()) == 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert persim.bottleneck(a.to_persim(), b.to_persim()) == 3.0
        assert persim.bottleneck(a, b) == 3.0
    np.testing.assert_array_equal(a.to_giotto(reduced=False), [[-10, np.inf, 0], [-6, 0, 0]])


def test_exported_superlevel_diagrams_match_gudhis_own(rng):
    X, Y = rng.random((9, 10)), rng.random((9, 10))
    ours = [cubical_persistence(Z, superlevel=True) for Z in (X, Y)]
    for d in (0, 1):
        cc = [gudhi.CubicalComplex(top_dimensional_cells=-Z) for Z in (X, Y)]
        for c in cc:
            c.compute_persistence()
        ref = [c.persistence_intervals_in_dimension(d) for c in cc]
        exported = [np.asarray(o[d]) for o in ours]
        assert gudhi.bottleneck_distance(*exported) == pytest.approx(
            gudhi.bottleneck_distance(*ref), abs=1e-12)
        assert sorted(map(tuple, exported[0].round(12).tolist())) == sorted(
            map(tuple, ref[0].round(12).tolist()))


@pytest.mark.parametrize("superlevel", [False, True])
def test_round_trips(superlevel, rng):
    dgms = cubical_persistence(rng.random((8, 9)), superlevel=superlevel)
    assert values(from_gudhi(to_gudhi(dgms), superlevel)) == values(dgms)
    assert values(from_persim(to_persim(dgms), superlevel)) == values(dgms)
    back = from_giotto(to_giotto(dgms, reduced=False), superlevel)
    assert values(back) == values(dgms)
    for d, dgm in dgms.items():
        again = Diagram.from_array(np.asarray(dgm), d, superlevel)
        assert again.superlevel == superlevel
        assert values({d: again}) == values({d: dgm})
    # GUDHI's order: decreasing dimension; births below deaths, +inf essential deaths
    exported = to_gudhi(dgms)
    assert [d for d, _ in exported] == sorted((d for d, _ in exported), reverse=True)
    assert all(b <= dth for _, (b, dth) in exported)
    assert sum(np.isposinf(dth) for _, (_, dth) in exported) == 1


def test_giotto_conventions():
    dgms = {0: Diagram.from_array([[0.0, np.inf], [1.0, 2.0]]),
            1: Diagram.empty(1), 2: Diagram.from_array([[0.5, np.inf]], dim=2)}
    out = to_giotto(dgms)
    # reduced homology drops the essential H0 class, an empty dimension is padded with
    # a diagonal point, other essential deaths take infinity_value
    np.testing.assert_array_equal(out, [[1, 2, 0], [0, 0, 1], [0.5, np.inf, 2]])
    np.testing.assert_array_equal(to_giotto(dgms, infinity_value=9.0)[2], [0.5, 9.0, 2])
    back = from_giotto(out[None])
    assert len(back[1]) == 0 and back[2].essential.all()
    with pytest.raises(ValueError, match="diagram"):
        from_giotto(np.zeros((3, 2)))


def test_every_form_is_accepted_the_same(rng):
    dgm = cubical_persistence(rng.random((7, 7)), 0)[0]
    pts = dgm.to_array()
    forms = [dgm, {0: dgm}, pts, pts.tolist(), {0: pts}, to_gudhi(dgm), to_persim(dgm),
             {"dgms": to_persim(dgm)}]
    functionals = [PersistenceNorm(p=2), PolynomialEnergy(1, 0, 2), BettiTarget(k=2),
                   DiagramDistance(pts[1:3], p=1), DiagramDistance(pts[1:3], p=np.inf),
                   PersistenceNorm() - 0.5 * BettiTarget(k=1)]
    for f in functionals:
        expected = f(dgm)
        for form in forms:
            assert f(form) == pytest.approx(expected, rel=1e-12)
            assert DiagramDistance(form, p=2)(dgm) == pytest.approx(0.0, abs=1e-12)
    # the gradient follows the points in the given order
    _, gb, gd = PersistenceNorm(p=2).value_and_grad(pts[::-1])
    _, gb0, gd0 = PersistenceNorm(p=2).value_and_grad(dgm)
    np.testing.assert_array_equal(gd, gd0[::-1])


def test_check_diagrams_forms_and_errors():
    gudhi_list = [(1, (0.5, 2.0)), (0, (0.0, np.inf)), (0, (1.0, 1.5))]
    dgms = check_diagrams(gudhi_list)
    assert sorted(dgms) == [0, 1] and len(dgms[0]) == 2 and dgms[0].essential.sum() == 1
    assert (dgms[0].birth_index == -1).all()
    sup = check_diagrams(np.array([[3.0, -np.inf], [2.0, 1.0]]))[0]
    assert sup.superlevel and sup.essential.all() == False  # noqa: E712
    assert len(check_diagrams([])[0]) == 0 and len(check_diagrams(np.empty((0, 2)))[0]) == 0
    with pytest.raises(ValueError, match="shape"):
        check_diagrams(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        check_diagrams([[0.0, np.nan]])
    with pytest.raises(ValueError, match="finite births"):
        check_diagrams([[np.inf, np.inf]])
    with pytest.raises(ValueError, match="orientation"):
        check_diagrams([[0.0, 1.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="keys"):
        check_diagrams({"H0": [[0.0, 1.0]]})
    with pytest.raises(ValueError, match="dimension 1 under the key 0"):
        check_diagrams({0: Diagram.empty(1)})
    with pytest.raises(TypeError, match="diagrams"):
        check_diagrams("0 1")
    with pytest.raises(ValueError, match="one diagram"):
        PersistenceNorm()({0: [[0.0, 1.0]], 1: [[0.0, 2.0]]})
