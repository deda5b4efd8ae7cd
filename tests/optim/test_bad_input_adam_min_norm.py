"""Bad input of adam_update, Adam and min_norm_combination: a clear error naming the
parameter, or a finite result."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.optim import Adam, adam_update, min_norm_combination

CLEAN = (ValueError, TypeError, MemoryError)


def _state(n=3):
    return dict(x=np.ones(n), grad=np.full(n, 0.5), m=np.zeros(n), v=np.zeros(n), t=1)


@pytest.mark.parametrize("changes, error, match", [
    (dict(t=0), ValueError, "'t'"),
    (dict(t=1.5), ValueError, "'t'"),
    (dict(beta1=True), ValueError, "beta1"),
    (dict(beta1=1.0), ValueError, "beta1"),
    (dict(beta2=np.nan), ValueError, "beta2"),
    (dict(learning_rate=np.inf), ValueError, "learning_rate"),
    (dict(eps=-1.0), ValueError, "eps"),
    (dict(grad=np.array([1.0, np.nan, 0.0])), ValueError, "grad"),
    (dict(x=[1.0, 2.0, 3.0]), ValueError, "'x'"),
    (dict(x=np.ones(3, dtype=int)), TypeError, "'x'"),
    (dict(m=np.zeros(4)), ValueError, "'m'"),
    (dict(v=-np.ones(3)), ValueError, "'v'"),
])
def test_adam_update_bad_input_is_named(changes, error, match):
    with pytest.raises(error, match=match):
        adam_update(**{**_state(), **changes})


def test_adam_step_refuses_a_nan_gradient():
    with pytest.raises(ValueError, match="grad"):
        Adam().step(np.ones(2), [np.nan, 1.0])
    with pytest.raises(ValueError, match="beta1"):
        Adam(beta1=True)


@pytest.mark.parametrize("kwargs, match", [
    (dict(gram=np.array([[1.0, np.nan], [np.nan, 1.0]])), "gram"),
    (dict(gram=np.array([[np.inf, 0.0], [0.0, 1.0]])), "gram"),
    (dict(gram=np.array([[1.0, 2.0], [0.0, 1.0]])), "symmetric"),
    (dict(gram=np.ones((2, 3))), "gram"),
    (dict(gram=np.empty((0, 0))), "gram"),
    (dict(gram=np.eye(2), max_iter=-1), "max_iter"),
    (dict(gram=np.eye(2), tol=np.nan), "tol"),
])
def test_min_norm_bad_input_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        min_norm_combination(**kwargs)


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1.0, 1e150, 1e300, 1.7e308])
def test_min_norm_is_scale_safe(scale):
    g = np.array([[1.0, 1.0], [1.0, -1.0], [3.0, 0.0]])
    G = g @ g.T
    c_ref, sq_ref = min_norm_combination(G)
    c, sq = min_norm_combination(G / G.max() * scale)
    assert np.isfinite(c).all() and np.isfinite(sq) and np.isclose(c.sum(), 1.0)
    if scale >= 1:       # below, the absolute floor of tol (tol * max(1, max diag)) stops it
        np.testing.assert_allclose(c, c_ref, atol=1e-6)
        np.testing.assert_allclose(sq, sq_ref / G.max() * scale, rtol=1e-6)


_values = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.integers(-3, 10),
                    st.sampled_from([10 ** 12, 2 ** 64, 1e300, -1e-300]),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.lists(st.floats(), max_size=3))


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["t", "learning_rate", "beta1", "beta2", "eps", "grad", "x",
                             "max_iter", "tol", "gram"]), value=_values)
def test_fuzz_adam_and_min_norm_parameters(name, value):
    if name in ("max_iter", "tol", "gram"):
        kwargs = {"gram": np.eye(3), name: value}
        try:
            c, sq = min_norm_combination(**kwargs)
        except CLEAN:
            return
        assert np.isfinite(c).all() and np.isfinite(sq)
        return
    state = {**_state(), name: value}
    try:
        adam_update(**state)
    except CLEAN:
        return
    assert np.isfinite(state["x"]).all()
