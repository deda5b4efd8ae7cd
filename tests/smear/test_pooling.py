import numpy as np
import pytest

from sktopo.smear import (BlockPooling, block_pool, block_pullback, check_block_size,
                          pooled_shape, sample_block_weights)

SHAPES = [(8, 8), (7, 5), (9, 10, 3), (11,)]
MEASURES = ["center", "vertex", "simplex"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("sampling", ["normalized_uniform", "dirichlet"])
def test_pullback_is_adjoint_of_pooling(shape, k, measure, sampling):
    rng = np.random.default_rng(0)
    w = sample_block_weights(shape, k, measure, simplex_sampling=sampling, random_state=rng)
    X = rng.normal(size=shape)
    G = rng.normal(size=pooled_shape(shape, k))
    lhs = np.sum(block_pool(X, k, w) * G)
    rhs = np.sum(X * block_pullback(G, k, w))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("measure", MEASURES)
def test_weights_are_convex_per_block(shape, measure):
    k = 3
    w = sample_block_weights(shape, k, measure, random_state=1)
    assert (w >= 0).all()
    # pooling a constant image gives that constant: the weights sum to 1 per block
    np.testing.assert_allclose(block_pool(np.full(shape, 7.0), k, w), 7.0)
    if measure == "vertex":
        assert np.isin(w, [0.0, 1.0]).all()


def test_ragged_edge_is_padded_with_partial_blocks():
    X = np.arange(15.0).reshape(3, 5)
    assert pooled_shape(X.shape, 2) == (2, 3)
    expected = np.array([[(0 + 1 + 5 + 6) / 4, (2 + 3 + 7 + 8) / 4, (4 + 9) / 2],
                         [(10 + 11) / 2, (12 + 13) / 2, 14.0]])
    np.testing.assert_allclose(block_pool(X, 2), expected)


def test_center_pool_and_pullback_known_values():
    X = np.arange(16.0).reshape(4, 4)
    np.testing.assert_allclose(block_pool(X, (2, 4)), [[3.5], [11.5]])
    np.testing.assert_allclose(block_pullback(np.array([[8.0], [0.0]]), (2, 4), shape=(4, 4)),
                               np.r_[np.ones((2, 4)), np.zeros((2, 4))])


def test_dirichlet_and_uniform_differ_in_spread():
    # Dirichlet(1) on 16 pixels has Var w = (1/16)(15/16)/17; normalized uniforms less
    wd = sample_block_weights((256, 256), 4, "simplex", simplex_sampling="dirichlet",
                              random_state=0)
    wu = sample_block_weights((256, 256), 4, "simplex", random_state=0)
    np.testing.assert_allclose(wd.var(), (1 / 16) * (15 / 16) / 17, rtol=0.05)
    assert wu.var() < 0.6 * wd.var()


def test_same_random_state_same_weights():
    a = sample_block_weights((6, 6), 2, "simplex", random_state=3)
    b = sample_block_weights((6, 6), 2, "simplex", random_state=3)
    np.testing.assert_array_equal(a, b)
    c = sample_block_weights((6, 6), 2, "simplex", random_state=np.random.RandomState(3))
    assert c.shape == (6, 6)


def test_block_pooling_object():
    pooling = BlockPooling(2, "vertex", offset=0)
    X = np.arange(16.0).reshape(4, 4)
    pooled, draw = pooling.sample(X, random_state=0)
    assert set(pooled.ravel()) <= set(X.ravel())
    w = pooling.pullback(np.ones((2, 2)), draw)
    assert set(w.ravel()) == {0.0, 1.0} and w.sum() == 4
    np.testing.assert_array_equal(pooled, block_pool(X, 2, w))


def test_inputs_not_modified():
    X = np.arange(16.0).reshape(4, 4)
    w = sample_block_weights(X.shape, 2, "simplex", random_state=0)
    X0, w0 = X.copy(), w.copy()
    block_pool(X, 2, w)
    block_pullback(np.ones((2, 2)), 2, w)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(w, w0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="block_size"):
        block_pool(np.zeros((4, 4)), 5)
    with pytest.raises(ValueError, match="block_size"):
        check_block_size(0, (4, 4))
    with pytest.raises(ValueError, match="block_size"):
        check_block_size((2, 2, 2), (4, 4))
    with pytest.raises(ValueError, match="measure"):
        sample_block_weights((4, 4), 2, "median")
    with pytest.raises(ValueError, match="simplex_sampling"):
        sample_block_weights((4, 4), 2, "simplex", simplex_sampling="gauss")
    with pytest.raises(ValueError, match="weights"):
        block_pool(np.zeros((4, 4)), 2, np.ones((3, 3)))
    with pytest.raises(ValueError, match="weights"):
        block_pool(np.zeros((4, 4)), 2, -np.ones((4, 4)))
    with pytest.raises(ValueError, match="grad"):
        block_pullback(np.ones((3, 3)), 2, np.ones((4, 4)))
