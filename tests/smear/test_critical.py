import numpy as np
import pytest

from sktopo.smear import critical_smear, sliced_matching_weights


def _two_wells(n=20):
    yy, xx = np.mgrid[:n, :n]
    # the second well is 10 higher: the H0 point is born there, dies at the saddle
    return np.minimum((yy - 5) ** 2 + (xx - 5) ** 2,
                      (yy - 14) ** 2 + (xx - 14) ** 2 + 10).astype(float)


def test_sliced_matching_identical_diagrams():
    A = np.array([[0.0, 10.0], [2.0, 3.0], [5.0, 9.0]])
    for i in range(3):
        w = sliced_matching_weights(A, A, i, n_directions=10)
        assert w[i] == pytest.approx(1.0)


@pytest.mark.parametrize("matching", ["sliced", "exact"])
def test_smear_concentrates_near_the_critical_pixels(matching):
    X = _two_wells()
    smear = critical_smear(X, block_size=2, eps=0.5, n_samples=15, matching=matching,
                           random_state=0)
    assert smear.birth.shape == X.shape and smear.n_samples == 15
    assert 0.5 < smear.death.sum() <= 1.0 + 1e-9
    assert 0.5 < smear.birth.sum() <= 1.0 + 1e-9
    # mass sits around the original critical pixels
    for heat, pixel in [(smear.birth, smear.birth_pixel), (smear.death, smear.death_pixel)]:
        py, px = np.unravel_index(pixel, X.shape)
        yy, xx = np.mgrid[:20, :20]
        near = (np.abs(yy - py) <= 3) & (np.abs(xx - px) <= 3)
        assert heat[near].sum() > 0.8 * heat.sum()


def test_smear_bad_arguments():
    X = _two_wells()
    with pytest.raises(ValueError, match="matching"):
        critical_smear(X, matching="greedy", n_samples=1)
    with pytest.raises(ValueError, match="point"):
        critical_smear(X, point=99, n_samples=1)
    with pytest.raises(ValueError, match="block_size"):
        critical_smear(X, block_size=30, n_samples=1)
