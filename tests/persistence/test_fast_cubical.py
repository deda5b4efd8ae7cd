"""The compiled cubical pairing gives exactly the diagrams and critical pixels of GUDHI."""

import gudhi
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sktopo.persistence import cubical_persistence
from sktopo.persistence import _cubical


def _diagrams(X, dims, superlevel, connectivity, backend):
    X = np.ascontiguousarray(X, dtype=np.float64)
    return _cubical._cubical_diagrams(X, dims, superlevel, connectivity, backend)


def _points(dgm):
    """The diagram as a sorted list of (birth, death, birth_index, death_index)."""
    return sorted(zip(dgm.births.tolist(), dgm.deaths.tolist(), dgm.birth_index.tolist(),
                      dgm.death_index.tolist()))


def _assert_same(X, dims, superlevel, connectivity):
    fast = _diagrams(X, dims, superlevel, connectivity, "compiled")
    reference = _diagrams(X, dims, superlevel, connectivity, "gudhi")
    assert sorted(fast) == sorted(reference) == list(dims)
    for d in dims:
        assert fast[d].dim == d
        assert _points(fast[d]) == _points(reference[d]), (X, d, superlevel, connectivity)


images = st.tuples(st.integers(1, 9), st.integers(1, 9)).flatmap(
    lambda shape: st.one_of(
        arrays(np.float64, shape, elements=st.integers(0, 3).map(float)),      # plateaus
        arrays(np.float64, shape, elements=st.floats(-1e3, 1e3, allow_nan=False,
                                                      allow_infinity=False, width=32))))


@settings(max_examples=300, deadline=None)
@given(X=images, superlevel=st.booleans(), connectivity=st.sampled_from(["full", "face"]))
def test_images_match_gudhi(X, superlevel, connectivity):
    _assert_same(X, (0, 1), superlevel, connectivity)


@pytest.mark.parametrize("dims", [(0,), (1,)])
@pytest.mark.parametrize("connectivity", ["full", "face"])
def test_each_dimension_alone(dims, connectivity):
    rng = np.random.default_rng(0)
    for shape in [(7, 13), (13, 7), (1, 20), (20, 1), (1, 1), (2, 2)]:
        _assert_same(rng.integers(0, 4, shape), dims, False, connectivity)
        _assert_same(rng.standard_normal(shape), dims, True, connectivity)


@pytest.mark.parametrize("connectivity", ["full", "face"])
@pytest.mark.parametrize("superlevel", [False, True])
def test_constant_image(connectivity, superlevel):
    X = np.full((5, 8), 2.5)
    dgms = _diagrams(X, (0, 1), superlevel, connectivity, "compiled")
    assert len(dgms[1]) == 0
    assert len(dgms[0]) == 1 and dgms[0].birth_index[0] == 0
    assert dgms[0].deaths[0] == (-np.inf if superlevel else np.inf)
    _assert_same(X, (0, 1), superlevel, connectivity)


def test_rings_and_checkerboards():
    ring = np.zeros((9, 9))
    ring[2:7, 2:7] = 1.0
    ring[4, 4] = 0.5
    checker = np.indices((8, 11)).sum(axis=0) % 2 * 1.0
    for X in [ring, -ring, checker, np.arange(40.0).reshape(5, 8), np.eye(6)]:
        for connectivity in ["full", "face"]:
            for superlevel in [False, True]:
                _assert_same(X, (0, 1), superlevel, connectivity)


@settings(max_examples=60, deadline=None)
@given(X=st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=st.integers(0, 4).map(float))),
    superlevel=st.booleans(), connectivity=st.sampled_from(["full", "face"]))
def test_volumes_h0_h2_match_gudhi(X, superlevel, connectivity):
    _assert_same(X, (0, 2), superlevel, connectivity)


def test_volume_h1_is_compiled():
    # H1 of a volume: sktopo.persistence._cubical3d (tests/persistence/test_cubical3d.py)
    X = np.random.default_rng(1).random((4, 5, 6))
    auto = _diagrams(X, (0, 1, 2), False, "full", "compiled")
    reference = _diagrams(X, (0, 1, 2), False, "full", "gudhi")
    for d in (0, 1, 2):
        assert _points(auto[d]) == _points(reference[d])


def _gudhi_raw(X, superlevel, connectivity):
    """(dim, birth, death) of GUDHI on the raw values: no tie handling of ours involved."""
    f = -X if superlevel else X
    if connectivity == "full":
        cc = gudhi.CubicalComplex(top_dimensional_cells=f)
    else:
        cc = gudhi.CubicalComplex(vertices=f)
    sign = -1.0 if superlevel else 1.0
    return sorted((d, sign * b, sign * e) for d, (b, e) in cc.persistence(
        homology_coeff_field=2, min_persistence=0) if b != e)


@settings(max_examples=150, deadline=None)
@given(X=images, superlevel=st.booleans(), connectivity=st.sampled_from(["full", "face"]))
def test_diagram_multiset_matches_gudhi_on_raw_values(X, superlevel, connectivity):
    dgms = cubical_persistence(X, superlevel=superlevel, connectivity=connectivity)
    ours = sorted((d, b, e) for d in dgms for b, e in zip(dgms[d].births.tolist(),
                                                         dgms[d].deaths.tolist()))
    assert ours == _gudhi_raw(X, superlevel, connectivity)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("shape", [(6,), (4, 5), (3, 3, 3)])
def test_non_finite_values_rejected(bad, shape):
    X = np.zeros(shape)
    X.flat[2] = bad
    with pytest.raises(ValueError, match="finite"):
        cubical_persistence(X)


def test_larger_noise_images():
    rng = np.random.default_rng(2)
    for shape in [(64, 64), (31, 97)]:
        X = rng.random(shape)
        for connectivity in ["full", "face"]:
            _assert_same(X, (0, 1), False, connectivity)
        _assert_same(np.round(X * 5), (0, 1), True, "full")


def test_input_not_modified():
    X = np.random.default_rng(3).random((10, 12))
    copy = X.copy()
    cubical_persistence(X, superlevel=True)
    np.testing.assert_array_equal(X, copy)


@pytest.mark.parametrize("connectivity", ["full", "face"])
def test_radix_sort_ties_of_truncated_keys(connectivity):
    # values that differ only in their last bits share the kernel's truncated sort keys,
    # signed zeros are equal values ordered by index
    rng = np.random.default_rng(6)
    for X in [1.0 + rng.integers(0, 5, (9, 11)) * 2.0 ** -45,
              np.where(rng.random((8, 8)) < 0.5, -0.0, 0.0) + rng.integers(0, 2, (8, 8)),
              rng.random((300, 260))]:
        _assert_same(X, (0, 1), False, connectivity)
        _assert_same(X, (0, 1), True, connectivity)


@pytest.mark.parametrize("connectivity", ["full", "face"])
def test_radix_sort_keys_of_any_range(connectivity):
    # the sort keys map the values linearly onto the key range: a range that overflows
    # or is too small to scale takes the bit keys, an outlier puts every other value in
    # one key (sorted by the full key), an integer image has long runs of equal values
    rng = np.random.default_rng(7)
    outlier = rng.random((40, 50))
    outlier[3, 4] = 1e12
    for X in [np.where(rng.random((9, 11)) < 0.5, -1e308, 1e308) * rng.random((9, 11)),
              rng.integers(0, 3, (9, 11)) * 5e-324,
              outlier,
              rng.integers(0, 4, (70, 60)).astype(float),
              rng.normal(size=(33, 35)) * 1e-200]:
        _assert_same(X, (0, 1), False, connectivity)
        _assert_same(X, (0, 1), True, connectivity)


@pytest.mark.parametrize("connectivity", ["full", "face"])
def test_radix_sort_of_volumes(connectivity):
    # the volume kernel sorts its voxels once with the same radix sort (padded 3-D
    # indices): truncated keys, signed zeros, ranges that overflow or do not scale,
    # outliers and plateaus, every dimension against GUDHI
    rng = np.random.default_rng(8)
    outlier = rng.random((7, 6, 9))
    outlier[2, 3, 4] = 1e12
    for X in [1.0 + rng.integers(0, 5, (5, 6, 7)) * 2.0 ** -45,
              np.where(rng.random((4, 5, 6)) < 0.5, -0.0, 0.0) + rng.integers(0, 2, (4, 5, 6)),
              np.where(rng.random((5, 4, 6)) < 0.5, -1e308, 1e308) * rng.random((5, 4, 6)),
              rng.integers(0, 3, (6, 5, 4)) * 5e-324,
              outlier,
              rng.normal(size=(5, 7, 6)) * 1e-200,
              rng.random((45, 40, 41))]:      # 3 radix passes from 65536 voxels on
        _assert_same(X, (0, 1, 2), False, connectivity)
        _assert_same(X, (0, 1, 2), True, connectivity)


def _sorted_pairs(pairs):
    birth, death = pairs
    return sorted(zip(birth.tolist(), death.tolist()))


@pytest.mark.parametrize("full", [True, False])
def test_large_images_match_the_volume_kernel(full):
    # from 2**18 pixels on, the image kernel prefetches ahead in sort order and its class
    # tables grow many times: the same pairs as the plain union-find of the padded grids
    # (``_volume.grid_pairs``, another implementation)
    from sktopo.persistence import _pairing, _volume

    rng = np.random.default_rng(9)
    for X in [rng.random((520, 530)), rng.integers(0, 6, (530, 520)).astype(float)]:
        low, top = _pairing.image_pairs(X, full, True, True)
        ref_low, ref_top = _volume.grid_pairs(_cubical._padded(X), X.size, full, True, True)
        assert low[0][0] == ref_low[0][0] and low[1][0] == ref_low[1][0] == -1
        assert _sorted_pairs(low) == _sorted_pairs(ref_low)
        assert _sorted_pairs(top) == _sorted_pairs(ref_top)
