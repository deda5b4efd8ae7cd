import numpy as np
import pytest

from sktopo.persistence import lower_star_persistence
from sktopo.smear import (cover_nerve, cover_pool, cover_pullback, sample_cover_weights)


def _labels():
    return np.array([[0, 0, 1, 1],
                     [0, 0, 1, 1],
                     [2, 2, 3, 3],
                     [5, 5, 3, 3]])


@pytest.mark.parametrize("measure", ["center", "vertex", "simplex"])
def test_cover_pullback_is_adjoint(measure):
    rng = np.random.default_rng(0)
    labels = _labels()
    w = sample_cover_weights(labels, measure, random_state=rng)
    X = rng.normal(size=labels.shape)
    G = rng.normal(size=5)
    np.testing.assert_allclose(np.dot(cover_pool(X, labels, w), G),
                               np.sum(X * cover_pullback(G, labels, w)), rtol=1e-12)
    np.testing.assert_allclose(cover_pool(np.ones(labels.shape), labels, w), 1.0)


def test_nerve_of_a_grid_of_regions():
    simplices = cover_nerve(_labels())
    edges = [s for s in simplices if len(s) == 2]
    triangles = [s for s in simplices if len(s) == 3]
    assert len(edges) + len(triangles) == len(simplices)
    # regions 0 1 / 2 3 / 4(=label 5) 3: full connectivity joins diagonals
    assert set(edges) == {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3),
                                                  (2, 3), (2, 4), (3, 4)}
    assert set(triangles) == {(0, 1, 2), (0, 1, 3), (0, 2, 3),
                                                      (1, 2, 3), (2, 3, 4)}
    face_edges = cover_nerve(_labels(), connectivity="face", max_dim=1)
    assert set(face_edges) == {(0, 1), (0, 2), (1, 3), (2, 3),
                                                       (2, 4), (3, 4)}


def test_pooled_function_on_nerve_has_expected_h0():
    # two low regions separated by a high one: two H0 classes on the nerve
    labels = np.repeat(np.array([[0, 1, 2]]), 2, axis=0).repeat(2, axis=1)
    X = np.where(labels == 1, 10.0, 0.0) + np.where(labels == 2, 1.0, 0.0)
    values = cover_pool(X, labels)
    dgm = lower_star_persistence(values, cover_nerve(labels), 0)[0]
    assert sorted(dgm.deaths.tolist()) == [10.0, np.inf]


def test_cover_bad_arguments():
    with pytest.raises(TypeError, match="labels"):
        cover_nerve(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="measure"):
        sample_cover_weights(_labels(), "mode")
    with pytest.raises(ValueError, match="labels"):
        cover_pool(np.zeros((3, 3)), _labels())
