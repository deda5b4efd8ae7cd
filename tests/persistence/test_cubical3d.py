"""H1 of volumes (persistence/_cubical3d.pyx) against GUDHI and cripser, computed apart."""

import gudhi
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.ndimage import gaussian_filter

from sktopo import TopologicalLoss
from sktopo.functionals import PersistenceNorm, PolynomialEnergy
from sktopo.persistence import _cubical, _cubical3d, _volume, cubical_persistence
from sktopo.utils._testing import assert_gradient_matches, diagram_pairs

CONNECTIVITIES = ["full", "face"]


def gudhi_complex(X, connectivity):
    if connectivity == "full":
        return gudhi.CubicalComplex(top_dimensional_cells=X)
    return gudhi.CubicalComplex(vertices=X)


def gudhi_intervals(X, dim, connectivity):
    """GUDHI's finite and essential intervals on the raw values (no tie rule involved)."""
    cc = gudhi_complex(X, connectivity)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
    pts = cc.persistence_intervals_in_dimension(dim).reshape(-1, 2)
    pts = pts[pts[:, 0] != pts[:, 1]]
    return sorted(map(tuple, np.round(pts, 12).tolist()))


def gudhi_cells(X, connectivity):
    """GUDHI's critical voxels of a tie-free X, as C-order flat indices, per dimension."""
    cc = gudhi_complex(X, connectivity)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
    if connectivity == "full":
        regular, essential = cc.cofaces_of_persistence_pairs()
    else:
        regular, essential = cc.vertices_of_persistence_pairs()

    def to_c(i):
        return int(np.ravel_multi_index(np.unravel_index(i, X.shape, order="F"), X.shape))

    out = {}
    for d in range(3):
        reg = regular[d].reshape(-1, 2) if d < len(regular) else np.empty((0, 2), int)
        ess = essential[d] if d < len(essential) else np.empty(0, int)
        out[d] = sorted([(to_c(b), to_c(e)) for b, e in reg if b != e]
                        + [(to_c(b), -1) for b in ess])
    return out


def cells(dgm):
    return sorted(zip(dgm.birth_index.tolist(), dgm.death_index.tolist()))


def test_h1_kernel_is_built():
    assert _cubical._volume.h1_rank_pairs is _cubical3d.h1_rank_pairs


@pytest.mark.parametrize("shape", [(5, 7, 3), (1, 4, 6), (6, 1, 1), (2, 2, 2), (3, 8, 1),
                                   (9, 4, 5)])
@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_critical_voxels_equal_gudhi(shape, connectivity, rng):
    X = rng.random(shape)
    ours = cubical_persistence(X, connectivity=connectivity)
    expected = gudhi_cells(X, connectivity)
    for d in (0, 1, 2):
        assert cells(ours[d]) == expected[d], d
        dgm = ours[d]
        np.testing.assert_array_equal(dgm.births, X.ravel()[dgm.birth_index])
        fin = dgm.death_index >= 0
        np.testing.assert_array_equal(dgm.deaths[fin], X.ravel()[dgm.death_index[fin]])


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_superlevel_equals_gudhi_on_negated_values(connectivity, rng):
    X = rng.random((6, 5, 7))
    ours = cubical_persistence(X, superlevel=True, connectivity=connectivity)
    expected = gudhi_cells(-X, connectivity)
    for d in (0, 1, 2):
        assert cells(ours[d]) == expected[d]
        assert diagram_pairs(None, -ours[d].to_array()) == gudhi_intervals(-X, d,
                                                                            connectivity)


@settings(max_examples=40, deadline=None)
@given(X=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=st.integers(0, 3).map(float))),
    superlevel=st.booleans(), connectivity=st.sampled_from(CONNECTIVITIES))
def test_ties_diagrams_equal_gudhi(X, superlevel, connectivity):
    # integer values: plateaus everywhere; GUDHI sees the raw values, not our tie rule
    ours = cubical_persistence(X, superlevel=superlevel, connectivity=connectivity)
    Y = -X if superlevel else X
    sign = -1 if superlevel else 1
    for d in (0, 1, 2):
        assert diagram_pairs(None, sign * ours[d].to_array()) == gudhi_intervals(
            Y, d, connectivity)


@settings(max_examples=40, deadline=None)
@given(X=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=st.integers(0, 2).map(float))),
    connectivity=st.sampled_from(CONNECTIVITIES))
def test_ties_critical_voxels_follow_the_index_order(X, connectivity):
    # ties broken by C-order index: the critical voxels of GUDHI on the ranks
    ranks = _cubical._order_ranks(X.ravel()).reshape(X.shape).astype(np.float64)
    ours = cubical_persistence(X, connectivity=connectivity)
    on_ranks = cubical_persistence(ranks, connectivity=connectivity)
    expected = gudhi_cells(ranks, connectivity)
    assert cells(on_ranks[1]) == expected[1]
    values = X.ravel()
    keep = [(b, e) for b, e in expected[1] if values[b] != values[e]]
    assert cells(ours[1]) == keep


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_constant_and_two_level_volumes(connectivity):
    flat = cubical_persistence(np.full((4, 3, 5), 2.0), connectivity=connectivity)
    assert len(flat[1]) == len(flat[2]) == 0
    assert cells(flat[0]) == [(0, -1)]
    # a ring of ones in a plane of zeros around a hole of twos: one H1 class
    X = np.zeros((3, 5, 5))
    X[1] = 2.0
    X[1, 1:4, 1:4] = 1.0
    X[1, 2, 2] = 2.0
    for superlevel in (False, True):
        ours = cubical_persistence(X, superlevel=superlevel, connectivity=connectivity)
        Y = -X if superlevel else X
        sign = -1 if superlevel else 1
        assert diagram_pairs(None, sign * ours[1].to_array()) == gudhi_intervals(
            Y, 1, connectivity)


@pytest.mark.parametrize("dims", [(1,), (0, 1), (1, 2), (0, 2), (2,)])
@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_every_dimension_subset(dims, connectivity, rng):
    X = rng.random((5, 6, 4))
    full = cubical_persistence(X, connectivity=connectivity)
    sub = cubical_persistence(X, dims, connectivity=connectivity)
    assert sorted(sub) == list(dims)
    for d in dims:
        assert cells(sub[d]) == cells(full[d])


def cripser_cells(X, connectivity, dim):
    import cripser

    peer = cripser.computePH_T if connectivity == "full" else cripser.computePH
    rows = peer(X, maxdim=2)
    rows = rows[(rows[:, 0] == dim) & (rows[:, 1] != rows[:, 2])]
    birth = np.ravel_multi_index(tuple(rows[:, 3:6].astype(np.intp).T), X.shape)
    death = np.ravel_multi_index(tuple(rows[:, 6:9].astype(np.intp).T), X.shape)
    return sorted(zip(birth.tolist(), death.tolist()))


@pytest.mark.parametrize("kind", ["noise", "smooth"])
@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_h1_critical_voxels_equal_cripser(kind, connectivity):
    pytest.importorskip("cripser")
    rng = np.random.default_rng(7)
    if kind == "noise":
        X = rng.random((24, 20, 22))
    else:       # 64^3: few long bars, long reductions
        X = gaussian_filter(rng.random((64, 64, 64)), sigma=4)
    ours = cubical_persistence(X, 1, connectivity=connectivity)
    assert cells(ours[1]) == cripser_cells(X, connectivity, 1)


def test_h1_equals_gudhi_on_a_larger_noise_volume():
    X = np.random.default_rng(3).random((16, 18, 17))
    for connectivity in CONNECTIVITIES:
        ours = cubical_persistence(X, (0, 1, 2), connectivity=connectivity)
        expected = gudhi_cells(X, connectivity)
        for d in (0, 1, 2):
            assert cells(ours[d]) == expected[d]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_smooth_non_cubic_volume_equals_gudhi(ties, connectivity):
    # smooth: most H1 columns are reduced by one apparent column (and stored as the two
    # edges), some later columns add such stored ones; rounding adds ties
    X = gaussian_filter(np.random.default_rng(11).random((12, 20, 16)), sigma=1.0)
    if ties:
        X = np.round(20 * X)
    ranks = _cubical._order_ranks(X.ravel()).reshape(X.shape).astype(np.float64)
    ours = cubical_persistence(X, (0, 1, 2), connectivity=connectivity)
    expected = gudhi_cells(ranks, connectivity)
    for d in (0, 1, 2):
        # the pairs of GUDHI born and dead at one voxel of X are points of zero persistence
        want = [(b, e) for b, e in expected[d] if e < 0 or X.flat[b] != X.flat[e]]
        assert cells(ours[d]) == want, d


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("superlevel", [False, True])
def test_h1_gradient_equals_finite_differences(connectivity, superlevel):
    x = np.random.default_rng(4).random((5, 4, 6))      # tie-free
    for functional in (PersistenceNorm(p=2), PolynomialEnergy(1, 2, 1)):
        loss = TopologicalLoss(functional, homology_dimensions=1, superlevel=superlevel,
                               connectivity=connectivity)
        value, grad = assert_gradient_matches(loss.value_and_grad, x, atol=1e-5)
        assert np.count_nonzero(grad) > 0
        assert value == pytest.approx(loss(x))


def test_too_large_volume_is_refused_before_allocating():
    huge = np.broadcast_to(0.0, (1400, 1400, 1400))      # no memory behind it
    with pytest.raises(MemoryError, match="GiB"):
        _volume.volume_pairs(huge, True, False, True, False)
    assert _volume.memory_estimate((128, 128, 128)) < 2 ** 29
