"""The compiled Kruskal H0 gives exactly the pairs of the Python loop."""

import gudhi
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.persistence import rips_persistence, weak_alpha_persistence
from sktopo.persistence import _point_cloud
from sktopo.persistence._edges import _edge_order


def kruskal_h0_python(n, edges, lengths, order=None):
    """H0 pairs by Kruskal's algorithm and the elder rule (older = smaller vertex index):
    the oracle of the compiled ``_graph.kruskal_h0``.

    Returns the dying vertex of every finite class, the death edge, and the vertices of the
    essential classes.
    """
    parent = np.arange(n)

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    dying, death_edges = [], []
    for e in _edge_order(edges, lengths) if order is None else order:
        u, v = edges[e]
        ru, rv = find(u), find(v)
        if ru == rv:
            continue
        # the root of a component is its smallest vertex: the elder
        young, old = (ru, rv) if ru > rv else (rv, ru)
        parent[young] = old
        dying.append(young)
        death_edges.append(e)
        if len(dying) == n - 1:
            break
    roots = np.array([find(x) for x in range(n)])
    essential = np.flatnonzero(roots == np.arange(n))
    return (np.asarray(dying, dtype=np.intp), np.asarray(death_edges, dtype=np.intp),
            essential)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 12), seed=st.integers(0, 2**32 - 1), ties=st.booleans())
def test_kruskal_matches_python_loop(n, seed, ties):
    rng = np.random.default_rng(seed)
    i, j = np.triu_indices(n, 1)
    keep = rng.random(i.size) < 0.6
    edges = np.column_stack([i[keep], j[keep]]).astype(np.intp)
    lengths = rng.integers(1, 3, len(edges)).astype(float) if ties else rng.random(len(edges))
    fast = _point_cloud._kruskal_h0(n, edges, lengths)
    reference = kruskal_h0_python(n, edges, lengths)
    for a, b in zip(fast, reference):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("persistence", [rips_persistence, weak_alpha_persistence])
def test_h0_deaths_match_gudhi(persistence):
    points = np.random.default_rng(0).random((200, 2))
    deaths = np.sort(persistence(points, 0)[0].deaths)
    tree = gudhi.RipsComplex(points=points).create_simplex_tree(max_dimension=1)
    reference = np.sort([d for dim, (b, d) in tree.persistence() if dim == 0 and b != d])
    np.testing.assert_allclose(deaths, reference)


def test_cycle_without_triangles_keeps_its_essential_class():
    # a hexagon cut at its side length: a flag complex of dimension 1 with one H1 class
    t = np.linspace(0, 2 * np.pi, 6, endpoint=False)
    hexagon = np.column_stack([np.cos(t), np.sin(t)])
    dgm = rips_persistence(hexagon, (0, 1), max_edge_length=1.01)[1]
    assert len(dgm) == 1 and np.isinf(dgm.deaths[0])
    np.testing.assert_allclose(dgm.births, [1.0])


@pytest.mark.parametrize("persistence", [rips_persistence, weak_alpha_persistence])
def test_h1_matches_gudhi_rips_on_points(persistence):
    points = np.random.default_rng(1).random((40, 2))
    ours = persistence(points, (0, 1))[1]
    if persistence is rips_persistence:
        tree = gudhi.RipsComplex(points=points).create_simplex_tree(max_dimension=2)
        reference = sorted((b, d) for dim, (b, d) in tree.persistence() if dim == 1)
        np.testing.assert_allclose(sorted(zip(ours.births, ours.deaths)), reference)
    else:
        assert np.all(ours.deaths > ours.births)


def _points_of(dgm):
    return sorted(zip(dgm.births.tolist(), dgm.deaths.tolist(),
                      map(tuple, dgm.birth_index.tolist()), map(tuple, dgm.death_index.tolist())))


def _assert_weak_alpha_matches_gudhi_path(points, dims=(0, 1)):
    points = np.asarray(points, dtype=np.float64)
    fast = weak_alpha_persistence(points, dims)
    reference = _point_cloud._graph_persistence(points, dims, _point_cloud._delaunay_edges)
    for d in dims:
        assert _points_of(fast[d]) == _points_of(reference[d]), (points, d)


point_clouds = st.tuples(st.integers(1, 40), st.integers(0, 2**32 - 1),
                         st.sampled_from(["uniform", "grid", "circle", "rounded", "line"]))


@settings(max_examples=150, deadline=None)
@given(spec=point_clouds)
def test_compiled_weak_alpha_h1_matches_gudhi_flag_complex(spec):
    # the compiled H1 (cohomology of the 3-cliques) against GUDHI's flag complex: ties and
    # duplicates (grid, rounded), cocircular and convex position (circle), collinear subsets
    n, seed, kind = spec
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        points = rng.random((n, 2))
    elif kind == "grid":
        points = rng.integers(0, 4, (n, 2)).astype(float)
    elif kind == "circle":
        t = rng.random(n) * 2 * np.pi
        points = np.column_stack([np.cos(t), np.sin(t)])
    elif kind == "rounded":
        points = np.round(rng.random((n, 2)) * 3, 1)
    else:
        line = np.column_stack([np.linspace(0, 1, 7), np.zeros(7)])
        points = np.concatenate([rng.random((n, 2)), line])
    _assert_weak_alpha_matches_gudhi_path(points)


def test_separating_triangles_are_filled():
    # a vertex of degree 3 inside a triangle: its neighbours form a 3-clique that is not a
    # Delaunay face, a triangle of the flag complex all the same
    points = np.array([[0.0, 0.0], [4.0, 0.0], [2.0, 3.5], [2.0, 1.2]])
    assert len(_point_cloud._delaunay_edges(points)) == 6
    _assert_weak_alpha_matches_gudhi_path(points)
    rng = np.random.default_rng(4)
    for n in (200, 500):
        _assert_weak_alpha_matches_gudhi_path(rng.random((n, 2)))


def test_compiled_weak_alpha_other_dimensions():
    rng = np.random.default_rng(5)
    _assert_weak_alpha_matches_gudhi_path(rng.random((40, 3)), (0, 1, 2))
    _assert_weak_alpha_matches_gudhi_path(rng.random((30, 2)), (1, 2))
    _assert_weak_alpha_matches_gudhi_path(rng.normal(size=(15, 1)))
    _assert_weak_alpha_matches_gudhi_path(np.zeros((4, 2)))
