"""The compiled O(n) pairing of 1-D signals gives exactly the arrays of the numpy one."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sktopo.persistence import _cubical

from .signal_oracle import signal_pairs


def _assert_same(f):
    f = np.ascontiguousarray(f, dtype=np.float64)
    fast = _cubical._sublevel_pairs(f, (0,), "full", backend="compiled")[0]
    reference = signal_pairs(f)
    # the same pairs in the same order: the essential class first, then by local maximum
    np.testing.assert_array_equal(fast[0], reference[0])
    np.testing.assert_array_equal(fast[1], reference[1])


signals = st.integers(1, 60).flatmap(lambda n: st.one_of(
    arrays(np.float64, n, elements=st.integers(0, 3).map(float)),
    arrays(np.float64, n, elements=st.floats(-1e6, 1e6, allow_nan=False,
                                             allow_infinity=False))))


@settings(max_examples=400, deadline=None)
@given(f=signals)
def test_signals_match_numpy(f):
    _assert_same(f)


def test_special_signals():
    for f in [[0.0], [1.0, 0.0], [0.0, 1.0], [2.0, 2.0, 2.0], np.arange(10.0),
              np.arange(10.0)[::-1], [0.0, 1.0] * 7, [1.0, 0.0] * 7, [3, 1, 2, 0, 2, 1, 3]]:
        _assert_same(f)


def test_long_signals():
    rng = np.random.default_rng(0)
    _assert_same(rng.standard_normal(20_000))
    _assert_same(rng.integers(0, 5, 20_000))
    _assert_same(np.cumsum(rng.standard_normal(20_000)))


def test_superlevel_signal_through_public_api():
    from sktopo.persistence import cubical_persistence

    f = np.array([0.0, 3.0, 1.0, 2.0, -1.0])
    dgm = cubical_persistence(f, superlevel=True)[0]
    assert sorted(zip(dgm.births.tolist(), dgm.deaths.tolist())) == [
        (2.0, 1.0), (3.0, -np.inf)]
    assert sorted(zip(dgm.birth_index.tolist(), dgm.death_index.tolist())) == [
        (1, -1), (3, 2)]
