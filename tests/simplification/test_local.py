"""The local proof that a flooding pass left the other dimension's diagram as it was."""

from unittest import mock

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import ndimage

from sktopo.persistence import cubical_persistence
from sktopo.simplification import _local, simplify_function
from sktopo.simplification._problem import _Problem


def _points(dgm):
    """The points of a diagram with their extremum pixels (the death pixel of a pair dying
    among ties can be another pixel of that value, see ``_local``)."""
    extremum = dgm.birth_index if dgm.dim == 0 else dgm.death_index
    order = np.lexsort((dgm.deaths, dgm.births, extremum))
    return extremum[order], dgm.births[order], dgm.deaths[order]


def _inputs():
    for seed in range(14):
        rng = np.random.default_rng(seed)
        shape = [(40, 56), (33, 71), (10, 11, 12), (64, 48)][seed % 4]
        X = rng.random(shape)
        if seed % 3 == 1:
            X = np.round(X * 12)                          # ties
        elif seed % 3 == 2:
            X = ndimage.gaussian_filter(X, 1.5) + 0.05 * X  # smooth
        for connectivity in ("full", "face"):
            yield X, connectivity


def test_the_other_diagram_is_the_pairing_s_where_the_proof_holds():
    """Wherever the pass's proof holds, the other dimension's diagram paired again has the
    same points and extremum pixels (noise, integers, smooth fields, volumes, both
    connectivities, several thresholds and Betti targets); it holds often enough to be
    tested."""
    held = []
    keeps = _Problem.keeps_other

    def checked(problem, g, dim, other):
        out = keeps(problem, g, dim, other)
        if out:
            again = problem.diagrams(g, (other.dim,))[other.dim]
            for a, b in zip(_points(again), _points(other)):
                assert_array_equal(a, b)
            held.append(dim)
        return out

    with mock.patch.object(_Problem, "keeps_other", checked):
        for X, connectivity in _inputs():
            dgms = cubical_persistence(X, connectivity=connectivity)
            life = np.concatenate([d.lifetimes[~d.essential] for d in dgms.values()])
            for q in (0.5, 0.8, 0.95):
                simplify_function(X, float(np.quantile(life, q)),
                                  connectivity=connectivity)
            for n_kept in (1, 4, 16):      # removed basins may hold kept features
                simplify_function(X, n_kept=n_kept, connectivity=connectivity)
    assert len(held) >= 10 and len(set(held)) == 3     # H0, H1 and H2 of volumes


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("connectivity", ["full", "face"])
def test_the_proof_saves_a_pairing_and_changes_nothing(seed, connectivity):
    """128^2 noise at the 95 % quantile: the tail's last pairing is replaced by the
    proof (one pairing fewer), the output is the same. With ``"face"`` the last basins
    touch each other (diagonally): each fill is checked on the image it meets."""
    X = np.random.default_rng(seed).random((128, 128))
    dgms = cubical_persistence(X, connectivity=connectivity)
    t = float(np.quantile(np.concatenate([d.lifetimes[~d.essential]
                                          for d in dgms.values()]), 0.95))
    Y, info = simplify_function(X, t, connectivity=connectivity, return_removed=True)
    with mock.patch.object(_Problem, "keeps_other", lambda *args: False):
        Y_paired, info_paired = simplify_function(X, t, connectivity=connectivity,
                                                  return_removed=True)
    assert_array_equal(Y, Y_paired)
    assert info.n_rounds == info_paired.n_rounds - 1


def _pit(hole):
    """A 3 x 3 basin of 2 filled up to 5 (its death pixel above it) in a field of 9,
    around a peak of 12 where ``hole``; marked 1 in the marks (base 0). Returns the
    image after the fill, before it, and the marks."""
    g = np.full((40, 40), 9.0)
    mark = np.zeros(g.size, dtype=np.int32)
    basin = np.zeros(g.shape, dtype=bool)
    basin[19:22, 19:22] = True
    if hole:
        basin[20, 20] = False
        g[20, 20] = 12.0
    g[18, 20] = 5.0
    before = g.copy()
    before[basin] = 2.0
    g[basin] = 5.0
    mark[basin.ravel()] = 1
    return g, before, mark


@pytest.mark.parametrize("hole", [False, True])
def test_a_basin_around_a_peak_is_paired_again(hole):
    """A basin filled around a peak (a ring with a hole) fails the proof: the peak's
    saddle moves; without the hole it holds."""
    g, before, mark = _pit(hole)
    out = _local.keeps_other(g.ravel(), before.ravel(), (1, 40, 40), 2, False, True, mark,
                             0, np.array([18 * 40 + 20]), 1.0)
    assert out is (not hole)
