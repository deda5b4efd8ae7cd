"""The compiled Rips H0+H1 (implicit cohomology, no triangles) and its memory guards."""

import gudhi
import numpy as np
import pytest

from sktopo import TopologicalLoss
from sktopo.functionals import PersistenceNorm, PolynomialEnergy
from sktopo.persistence import _point_cloud, _rips, rips_persistence, weak_alpha_persistence
from sktopo.utils._testing import assert_gradient_matches, diagram_pairs


def gudhi_rips(points, dim, max_edge_length=np.inf):
    if points.shape[1] == 1:    # GUDHI reads one coordinate wrongly: the line in the plane
        points = np.column_stack([points, np.zeros(len(points))])
    st = gudhi.RipsComplex(points=points, max_edge_length=max_edge_length
                           ).create_simplex_tree(max_dimension=dim + 1)
    # the top dimension too (a complex without triangles has H1)
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    pts = st.persistence_intervals_in_dimension(dim).reshape(-1, 2)
    return sorted(map(tuple, np.round(pts, 12).tolist()))


def gudhi_path(points, max_edge_length=np.inf):
    """The previous implementation: GUDHI's flag complex on the ranks of the edges."""
    out = _point_cloud._graph_persistence(points, (1,), _point_cloud._rips_edges(False),
                                          max_edge_length)
    out.update(_point_cloud._graph_persistence(points, (0,), _point_cloud._rips_edges(True),
                                               max_edge_length))
    return out


def with_cells(dgm):
    """Points with their critical edges, sorted: equal only if the same edges pair."""
    return sorted(zip(np.round(dgm.births, 12), np.round(dgm.deaths, 12),
                      map(tuple, dgm.birth_index), map(tuple, dgm.death_index)))


def clouds():
    rng = np.random.default_rng(7)
    yield "uniform-2d", rng.random((60, 2)), (np.inf, 0.25, 0.6)
    yield "uniform-3d", rng.random((50, 3)), (np.inf, 0.35)
    yield "grid-ties-2d", rng.integers(0, 5, (45, 2)).astype(float), (np.inf, 1.5, 2.0)
    yield "grid-ties-3d", rng.integers(0, 3, (40, 3)).astype(float), (np.inf, 1.0, 1.5)
    # a full grid in raster order: every distance tied, structured indices
    g = np.stack(np.meshgrid(np.arange(7.0), np.arange(6.0)), -1).reshape(-1, 2)
    yield "raster-grid", g, (np.inf, 1.0, 2.3)
    yield "high-dim", rng.random((30, 5)), (np.inf,)
    yield "line", np.sort(rng.normal(size=20))[:, None], (np.inf,)


@pytest.mark.parametrize("name, points, thresholds", list(clouds()),
                         ids=[c[0] for c in clouds()])
def test_rips_h01_equals_gudhi_with_ties(name, points, thresholds):
    for t in thresholds:
        ours = rips_persistence(points, (0, 1), max_edge_length=t)
        old = gudhi_path(points, t)
        for d in (0, 1):
            assert diagram_pairs(ours[d]) == gudhi_rips(points, d, t)
            # the same critical edges as the previous (GUDHI) implementation, ties included
            assert with_cells(ours[d]) == with_cells(old[d])


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_dense_and_sparse_paths_agree(monkeypatch, share):
    points = np.random.default_rng(3).random((80, 2))
    expected = gudhi_path(points, 0.3)
    # share 1.0: every finite threshold takes the sparse path; 0.0: the dense one
    monkeypatch.setattr(_rips, "_DENSE_SHARE", share)
    ours = rips_persistence(points, (0, 1), max_edge_length=0.3)
    for d in (0, 1):
        assert with_cells(ours[d]) == with_cells(expected[d])


def test_critical_edges_give_the_values():
    points = np.random.default_rng(4).random((70, 3))

    def lengths(edges):
        return np.linalg.norm(points[edges[:, 0]] - points[edges[:, 1]], axis=1)

    for t in (np.inf, 0.4):
        for dgm in rips_persistence(points, (0, 1), max_edge_length=t).values():
            fin = ~dgm.essential
            np.testing.assert_array_equal(dgm.deaths[fin], lengths(dgm.death_index[fin]))
            assert np.all(dgm.death_index[~fin] == -1)
            if dgm.dim == 1:
                np.testing.assert_array_equal(dgm.births, lengths(dgm.birth_index))


def test_circle_has_one_long_class():
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    circle = np.column_stack([np.cos(t), np.sin(t)])
    dgm = rips_persistence(circle, 1)[1]
    assert len(dgm) == 1 and not dgm.essential.any()
    assert dgm.lifetimes[0] > 1.0


def test_truncation_leaves_essential_cycles():
    t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    circle = np.column_stack([np.cos(t), np.sin(t)])
    dgm = rips_persistence(circle, 1, max_edge_length=0.5)[1]
    assert dgm.essential.sum() == 1
    assert np.all(dgm.death_index[dgm.essential] == -1)


def test_coincident_points_are_merged(rng):
    points = rng.random((30, 2))
    doubled = np.concatenate([points, points[:5]])
    for d in (0, 1):
        assert (diagram_pairs(rips_persistence(doubled, (0, 1))[d])
                == diagram_pairs(rips_persistence(points, (0, 1))[d]))


def test_weak_alpha_h1_equals_the_explicit_kernel():
    # the implicit cohomology on the Delaunay graph against the materialized triangles
    points = np.random.default_rng(5).random((400, 3))
    unique, ids = _point_cloud._unique_points(points)
    edges = _point_cloud._delaunay_edges(unique)
    lengths = np.linalg.norm(unique[edges[:, 0]] - unique[edges[:, 1]], axis=1)
    expected = _point_cloud._flag_diagrams(len(unique), edges, lengths, (1,), ids)[1]
    assert with_cells(weak_alpha_persistence(points, 1)[1]) == with_cells(expected)


@pytest.mark.parametrize("max_edge_length", [np.inf, 0.7])
def test_rips_gradient_equals_finite_differences(max_edge_length):
    points = np.random.default_rng(11).random((16, 2))
    for func in (PersistenceNorm(p=2), PolynomialEnergy(1, 1, 1)):
        loss = TopologicalLoss(func, "rips", homology_dimensions=(0, 1),
                               max_edge_length=max_edge_length)
        _, grad = assert_gradient_matches(loss.value_and_grad, points, atol=1e-5)
        assert np.abs(grad).max() > 0


def test_too_large_flag_complex_is_refused_up_front():
    points = np.random.default_rng(0).random((3000, 2))
    with pytest.raises(MemoryError, match="max_edge_length"):
        rips_persistence(points, (0, 1, 2))


def test_too_large_rips_is_refused_up_front(monkeypatch):
    points = np.random.default_rng(0).random((300, 2))
    monkeypatch.setattr(_rips, "_MAX_DENSE_PAIRS", 1000)
    monkeypatch.setattr(_rips, "memory_budget", lambda: 10_000)
    with pytest.raises(MemoryError, match=r"300 points .* max_edge_length"):
        rips_persistence(points, (0, 1), max_edge_length=0.5)
    # a threshold that keeps few pairs still fits
    monkeypatch.setattr(_rips, "memory_budget", lambda: 2**30)
    assert len(rips_persistence(points, (0, 1), max_edge_length=0.05)[0]) == 300


def test_memory_budget_is_positive_or_unknown():
    budget = _rips.memory_budget()
    assert budget is None or budget > 0
