import gudhi
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sktopo.persistence import cubical_persistence


def reference_pairs(f):
    """GUDHI on the ranks of (value, index): the documented tie rule."""
    rank = np.empty(f.size)
    rank[np.argsort(f, kind="stable")] = np.arange(f.size)
    cc = gudhi.CubicalComplex(top_dimensional_cells=rank)
    cc.compute_persistence(homology_coeff_field=2)
    regular, essential = cc.cofaces_of_persistence_pairs()
    reg = regular[0].reshape(-1, 2) if len(regular) else np.empty((0, 2), int)
    pairs = [(int(b), int(d)) for b, d in reg if f[b] != f[d]]
    return sorted(pairs + [(int(b), -1) for b in essential[0]])


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    arrays(np.float64, st.integers(1, 60), elements=st.integers(0, 4).map(float)),
    arrays(np.float64, st.integers(1, 60), elements=st.floats(-1e3, 1e3, width=64))))
def test_signal_pairs_equal_gudhi_with_ties(f):
    dgm = cubical_persistence(f)[0]
    ours = sorted(zip(dgm.birth_index.tolist(), dgm.death_index.tolist()))
    assert ours == reference_pairs(f)


def test_known_signal():
    f = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    dgm = cubical_persistence(f)[0]
    pairs = sorted(zip(dgm.births.tolist(), dgm.deaths.tolist()))
    # minima 1 (idx 1), 1 (idx 3), 2 (idx 6); the tie: index 1 is the elder
    assert pairs == [(1.0, 4.0), (1.0, np.inf), (2.0, 9.0)]
    assert dgm.birth_index[np.isinf(dgm.deaths)][0] == 1


def test_superlevel_signal_counts_maxima():
    t = np.linspace(0, 3, 100)
    saw = (t % 1) * 2 - 1        # three teeth: three maxima
    dgm = cubical_persistence(saw, superlevel=True)[0]
    assert len(dgm) == 3 and dgm.essential.sum() == 1
    assert np.isneginf(dgm.deaths).sum() == 1


def test_single_sample_and_constant():
    assert len(cubical_persistence(np.array([2.0]))[0]) == 1
    dgm = cubical_persistence(np.ones(7))[0]
    assert len(dgm) == 1 and dgm.birth_index[0] == 0


def test_signal_rejects_h1():
    with pytest.raises(ValueError, match="homology_dimensions"):
        cubical_persistence(np.arange(5.0), homology_dimensions=(0, 1))
