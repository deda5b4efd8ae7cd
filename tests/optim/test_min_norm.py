import numpy as np
import pytest

from sktopo.optim import min_norm_combination


def test_orthogonal_vectors_known_answer():
    # c_i proportional to 1 / |g_i|^2 (STUMP paper, Sec. II-C)
    norms = np.array([1.0, 2.0, 4.0])
    c, sq = min_norm_combination(np.diag(norms ** 2))
    expected = norms ** -2 / np.sum(norms ** -2)
    np.testing.assert_allclose(c, expected, atol=1e-6)
    np.testing.assert_allclose(sq, 1 / np.sum(norms ** -2), rtol=1e-6)


def test_origin_in_hull_gives_zero():
    g = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 3.0]])
    c, sq = min_norm_combination(g @ g.T)
    assert sq < 1e-10
    np.testing.assert_allclose(c[:2], [0.5, 0.5], atol=1e-5)
    assert c[2] < 1e-5


def test_segment_projection_and_dominated_point():
    # hull of (1, 1) and (1, -1) and (3, 0): min-norm point is (1, 0)
    g = np.array([[1.0, 1.0], [1.0, -1.0], [3.0, 0.0]])
    c, sq = min_norm_combination(g @ g.T)
    np.testing.assert_allclose(c @ g, [1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(sq, 1.0, atol=1e-6)
    assert np.all(c >= 0) and np.isclose(c.sum(), 1.0)


def test_random_against_brute_force():
    rng = np.random.default_rng(0)
    g = rng.normal(size=(4, 3)) + 1.0
    c, sq = min_norm_combination(g @ g.T)
    grid = rng.dirichlet(np.ones(4), size=20000)
    brute = np.min(np.sum((grid @ g) ** 2, axis=1))
    assert sq <= brute + 1e-9
    assert np.all(c >= 0) and np.isclose(c.sum(), 1.0)


def test_bad_gram():
    with pytest.raises(ValueError, match="gram"):
        min_norm_combination(np.ones((2, 3)))
