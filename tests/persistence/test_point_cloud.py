import gudhi
import numpy as np
import pytest
from scipy.spatial import Delaunay

from sktopo.persistence import rips_persistence, weak_alpha_persistence
from sktopo.utils._testing import diagram_pairs


def gudhi_rips(points, dim, max_edge_length=np.inf):
    st = gudhi.RipsComplex(points=points, max_edge_length=max_edge_length
                           ).create_simplex_tree(max_dimension=dim + 1)
    st.compute_persistence(homology_coeff_field=2)
    pts = st.persistence_intervals_in_dimension(dim).reshape(-1, 2)
    return sorted(map(tuple, np.round(pts, 12).tolist()))


def gudhi_weak_alpha(points, dim):
    tri = Delaunay(points)
    st = gudhi.SimplexTree()
    for i in range(len(points)):
        st.insert([i], 0.0)
    for s in tri.simplices:
        for a in range(len(s)):
            for b in range(a + 1, len(s)):
                st.insert([s[a], s[b]], float(np.linalg.norm(points[s[a]] - points[s[b]])))
    st.expansion(dim + 1)
    st.compute_persistence(homology_coeff_field=2)
    pts = st.persistence_intervals_in_dimension(dim).reshape(-1, 2)
    return sorted(map(tuple, np.round(pts, 12).tolist()))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_dims", [2, 3])
def test_rips_equals_gudhi(seed, n_dims):
    points = np.random.default_rng(seed).random((25, n_dims))
    ours = rips_persistence(points, (0, 1))
    for d in (0, 1):
        assert diagram_pairs(ours[d]) == gudhi_rips(points, d)


def test_rips_truncated_equals_gudhi(rng):
    points = rng.random((40, 2))
    ours = rips_persistence(points, (0, 1), max_edge_length=0.2)
    for d in (0, 1):
        assert diagram_pairs(ours[d]) == gudhi_rips(points, d, 0.2)
    assert ours[0].essential.sum() > 1      # the truncated graph is disconnected


def test_rips_high_dimensional_points(rng):
    points = rng.random((15, 6))
    ours = rips_persistence(points, (0, 1))
    for d in (0, 1):
        assert diagram_pairs(ours[d]) == gudhi_rips(points, d)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_dims", [2, 3])
def test_weak_alpha_equals_gudhi_flag_of_delaunay(seed, n_dims):
    points = np.random.default_rng(seed).random((30, n_dims))
    ours = weak_alpha_persistence(points, (0, 1))
    for d in (0, 1):
        assert diagram_pairs(ours[d]) == gudhi_weak_alpha(points, d)
    # H0 of weak alpha is H0 of Rips: the minimum spanning tree
    assert diagram_pairs(ours[0]) == gudhi_rips(points, 0)


def test_critical_edges_give_the_values(rng):
    points = rng.random((30, 2))
    for dgm in weak_alpha_persistence(points).values():
        fin = ~dgm.essential
        for values, edges in ((dgm.births, dgm.birth_index),
                              (dgm.deaths[fin], dgm.death_index[fin])):
            lengths = np.linalg.norm(points[edges[:, 0]] - points[edges[:, 1]], axis=1)
            np.testing.assert_allclose(values, lengths)
        assert np.all(dgm.death_index[~fin] == -1)


def test_points_on_the_line_are_sorted_gaps(rng):
    x = rng.normal(size=20)
    for func in (rips_persistence, weak_alpha_persistence):
        dgm = func(x, 0)[0]
        gaps = np.diff(np.sort(x))
        np.testing.assert_allclose(np.sort(dgm.deaths[~dgm.essential]), np.sort(gaps))
        assert dgm.essential.sum() == 1
        assert len(func(x, 1)[1]) == 0


def test_coincident_points_do_not_crash(rng):
    points = rng.random((10, 2))
    points = np.concatenate([points, points[:4], points[:1]])
    for func in (rips_persistence, weak_alpha_persistence):
        dgms = func(points)
        for dgm in dgms.values():
            assert np.all(np.isfinite(dgm.births))
            assert not np.isnan(dgm.deaths).any()
        assert diagram_pairs(dgms[0]) == diagram_pairs(func(points[:10])[0])
    all_same = rips_persistence(np.zeros((5, 2)))
    assert len(all_same[0]) == 1 and all_same[0].essential.all()


def test_collinear_points_in_the_plane(rng):
    t = np.sort(rng.random(12))
    points = np.column_stack([t, 2 * t + 1])
    dgm = weak_alpha_persistence(points)[0]
    np.testing.assert_allclose(np.sort(dgm.deaths[~dgm.essential]),
                               np.sort(np.diff(t) * np.sqrt(5)))


def test_equal_lengths_follow_the_index_rule():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    first = weak_alpha_persistence(square)
    for _ in range(3):
        again = weak_alpha_persistence(square)
        for d in (0, 1):
            np.testing.assert_array_equal(first[d].death_index, again[d].death_index)
    # edges of length 1 sorted by (i, j): (0, 1), (0, 3), (1, 2) kill 1, 3, 2
    np.testing.assert_array_equal(first[0].death_index[~first[0].essential],
                                  [[0, 1], [0, 3], [1, 2]])


@pytest.mark.parametrize("func", [rips_persistence, weak_alpha_persistence])
def test_bad_points_raise(func):
    with pytest.raises(ValueError, match="points"):
        func(np.array([[0.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="points"):
        func(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="homology_dimensions"):
        func(np.zeros((3, 2)), homology_dimensions=-1)


def test_weak_alpha_rejects_high_dimensions(rng):
    with pytest.raises(ValueError, match="dimension"):
        weak_alpha_persistence(rng.random((10, 5)))


def test_rips_rejects_negative_threshold(rng):
    with pytest.raises(ValueError, match="max_edge_length"):
        rips_persistence(rng.random((5, 2)), max_edge_length=-1.0)


def test_points_not_modified(rng):
    points = rng.random((12, 2))
    copy = points.copy()
    weak_alpha_persistence(points)
    rips_persistence(points)
    np.testing.assert_array_equal(points, copy)
