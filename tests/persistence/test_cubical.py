import gudhi
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sktopo.persistence import cubical_persistence
from sktopo.utils._testing import diagram_pairs


def gudhi_intervals(X, dim, connectivity):
    """GUDHI's intervals on the raw values (independent of any tie rule)."""
    if connectivity == "full":
        cc = gudhi.CubicalComplex(top_dimensional_cells=X)
    else:
        cc = gudhi.CubicalComplex(vertices=X)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
    pts = cc.persistence_intervals_in_dimension(dim).reshape(-1, 2)
    return sorted(map(tuple, np.round(pts, 12).tolist()))


def gudhi_critical_cells(X, connectivity):
    """GUDHI's critical cells on a tie-free X, converted from Fortran to C order."""
    if connectivity == "full":
        cc = gudhi.CubicalComplex(top_dimensional_cells=X)
        cc.compute_persistence(homology_coeff_field=2)
        regular, essential = cc.cofaces_of_persistence_pairs()
    else:
        cc = gudhi.CubicalComplex(vertices=X)
        cc.compute_persistence(homology_coeff_field=2)
        regular, essential = cc.vertices_of_persistence_pairs()

    def to_c(i):
        return np.ravel_multi_index(np.unravel_index(i, X.shape, order="F"), X.shape)

    out = {}
    for d in range(X.ndim):
        reg = regular[d].reshape(-1, 2) if d < len(regular) else np.empty((0, 2), int)
        ess = essential[d] if d < len(essential) else np.empty(0, int)
        out[d] = sorted([(int(to_c(b)), int(to_c(e))) for b, e in reg]
                        + [(int(to_c(b)), -1) for b in ess])
    return out


def our_cells(dgm):
    return sorted(zip(dgm.birth_index.tolist(), dgm.death_index.tolist()))


shapes = st.tuples(st.integers(1, 9), st.integers(1, 9))


@settings(max_examples=60, deadline=None)
@given(st.data(), shapes, st.sampled_from(["full", "face"]), st.booleans(),
       st.booleans())
def test_diagrams_equal_gudhi_on_raw_values(data, shape, connectivity, superlevel, ties):
    # small integers give plateaus and ties
    elements = (st.integers(0, 3).map(float) if ties
                else st.floats(-100, 100, allow_nan=False, width=64))
    X = data.draw(arrays(np.float64, shape, elements=elements))
    ours = cubical_persistence(X, superlevel=superlevel, connectivity=connectivity)
    Y = -X if superlevel else X
    for d in (0, 1):
        expected = gudhi_intervals(Y, d, connectivity)
        pts = ours[d].to_array() * (-1 if superlevel else 1)
        assert diagram_pairs(None, pts) == expected


@pytest.mark.parametrize("shape", [(7, 13), (13, 7), (1, 10), (10, 1), (5, 5)])
@pytest.mark.parametrize("connectivity", ["full", "face"])
def test_critical_cells_are_c_order(shape, connectivity, rng):
    X = rng.random(shape)
    ours = cubical_persistence(X, connectivity=connectivity)
    expected = gudhi_critical_cells(X, connectivity)
    for d in (0, 1):
        assert our_cells(ours[d]) == expected[d]
        # every point reads its value at its critical pixels
        dgm = ours[d]
        np.testing.assert_array_equal(dgm.births, X.ravel()[dgm.birth_index])
        fin = dgm.death_index >= 0
        np.testing.assert_array_equal(dgm.deaths[fin], X.ravel()[dgm.death_index[fin]])


@pytest.mark.parametrize("connectivity", ["full", "face"])
def test_volume_matches_gudhi(connectivity, rng):
    X = rng.random((4, 5, 6))
    ours = cubical_persistence(X, connectivity=connectivity)
    expected = gudhi_critical_cells(X, connectivity)
    for d in (0, 1, 2):
        assert our_cells(ours[d]) == expected[d]
        assert diagram_pairs(ours[d]) == gudhi_intervals(X, d, connectivity)


def test_non_square_known_answer():
    # two minima in a 3 x 5 image, separated by a wall of height 5 with a gap at 4
    X = np.full((3, 5), 9.0)
    X[1, 0] = 0.0
    X[1, 4] = 1.0
    X[1, 1:4] = [3.0, 4.0, 2.0]
    dgm = cubical_persistence(X, homology_dimensions=0)[0]
    assert our_cells(dgm) == [(0 * 5 + 5, -1), (1 * 5 + 4, 1 * 5 + 2)]
    np.testing.assert_array_equal(np.sort(dgm.deaths), [4.0, np.inf])


def test_superlevel_is_negated_sublevel(rng):
    X = rng.random((6, 8))
    sup = cubical_persistence(X, superlevel=True)
    sub = cubical_persistence(-X)
    for d in (0, 1):
        assert our_cells(sup[d]) == our_cells(sub[d])
        assert diagram_pairs(sup[d]) == diagram_pairs(None, -sub[d].to_array())
    assert np.all(sup[0].deaths <= sup[0].births)
    assert np.isneginf(sup[0].deaths).sum() == 1


def test_shift_moves_every_point(rng):
    X = rng.random((6, 7))
    a = cubical_persistence(X)
    b = cubical_persistence(X + 3.5)
    for d in (0, 1):
        assert our_cells(a[d]) == our_cells(b[d])
        np.testing.assert_allclose(np.sort(b[d].births), np.sort(a[d].births) + 3.5)


def test_constant_image_has_one_essential_class():
    dgms = cubical_persistence(np.full((4, 6), 2.0))
    assert len(dgms[0]) == 1 and dgms[0].essential.all()
    assert dgms[0].births[0] == 2.0
    assert len(dgms[1]) == 0


def test_ties_follow_the_index_rule():
    # two equal minima: the one with the smaller flat index is the elder (essential)
    X = np.array([[0.0, 5.0, 0.0]])
    dgm = cubical_persistence(X, homology_dimensions=0)[0]
    assert our_cells(dgm) == [(0, -1), (2, 1)]
    # the same on every call
    for _ in range(3):
        assert our_cells(cubical_persistence(X, homology_dimensions=0)[0]) == our_cells(dgm)


def test_ties_equal_rank_perturbation(rng):
    # the tie rule is the pairing of X + eps * rank for a small eps
    X = rng.integers(0, 3, (6, 7)).astype(float)
    order = np.argsort(X.ravel(), kind="stable")
    rank = np.empty(X.size)
    rank[order] = np.arange(X.size)
    Y = X + 1e-6 * rank.reshape(X.shape)
    for connectivity in ("full", "face"):
        ours = cubical_persistence(X, connectivity=connectivity)
        pert = cubical_persistence(Y, connectivity=connectivity)
        for d in (0, 1):
            values = X.ravel()
            death_values = values[np.maximum(pert[d].death_index, 0)]
            kept = (values[pert[d].birth_index] != death_values) | pert[d].essential
            pert_cells = sorted(zip(pert[d].birth_index[kept].tolist(),
                                    pert[d].death_index[kept].tolist()))
            assert our_cells(ours[d]) == pert_cells


def test_integer_connectivity_aliases(rng):
    X = rng.random((5, 6))
    assert our_cells(cubical_persistence(X, connectivity=2)[0]) == our_cells(
        cubical_persistence(X, connectivity="full")[0])
    assert our_cells(cubical_persistence(X, connectivity=1)[0]) == our_cells(
        cubical_persistence(X, connectivity="face")[0])


@pytest.mark.parametrize("bad, match", [
    (np.array([[0.0, np.nan]]), "NaN"),
    (np.array([[0.0, np.inf]]), "infinite"),
    (np.array([[0.0, -np.inf]]), "infinite"),
    (np.zeros((2, 2, 2, 2)), "1 or 2 or 3-D"),
    (np.zeros((0, 3)), "at least"),
])
def test_bad_input_raises(bad, match):
    with pytest.raises(ValueError, match=match):
        cubical_persistence(bad)


def test_bad_parameters_raise():
    X = np.zeros((3, 3))
    with pytest.raises(ValueError, match="homology_dimensions"):
        cubical_persistence(X, homology_dimensions=2)
    with pytest.raises(ValueError, match="connectivity"):
        cubical_persistence(X, connectivity="diagonal")
    with pytest.raises(TypeError, match="superlevel"):
        cubical_persistence(X, superlevel="yes")
    with pytest.raises(TypeError, match="X"):
        cubical_persistence("image")
    with pytest.raises(TypeError, match="X"):
        cubical_persistence(np.array([["a", "b"]]))


def test_input_not_modified(rng):
    X = rng.random((5, 5))
    X_copy = X.copy()
    cubical_persistence(X, superlevel=True)
    np.testing.assert_array_equal(X, X_copy)


def test_accepts_lists_and_ints():
    dgms = cubical_persistence([[0, 5, 1], [5, 5, 5]], homology_dimensions=0)
    assert dgms[0].births.dtype == np.float64
    assert sorted(dgms[0].births.tolist()) == [0.0, 1.0]


def test_threads_and_kept_workspace_give_the_serial_pairs():
    # the 2-D kernel keeps one workspace between calls: calls from several threads at
    # once, of several sizes (small ones reuse it, larger ones do not), still agree
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(7)
    shapes = [(31, 17), (64, 64), (5, 300), (700, 400)] * 3 + [(1030, 1030)]
    images = [rng.random(shape) for shape in shapes]
    serial = [cubical_persistence(x) for x in images]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(cubical_persistence, images))
    for a, b in zip(serial, threaded):
        for d in (0, 1):
            np.testing.assert_array_equal(a[d].birth_index, b[d].birth_index)
            np.testing.assert_array_equal(a[d].death_index, b[d].death_index)
