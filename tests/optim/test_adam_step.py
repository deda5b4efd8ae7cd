"""The compiled STUMP step (fidelity + scatter-add + Adam) against its numpy form."""

import numpy as np
import pytest

from sktopo.optim import _adam
from sktopo.optim._adam import _mse_adam_step, adam_update

needs_compiled = pytest.mark.skipif(_adam._adam_step is None,
                                    reason="the compiled kernels were not built")


def _state(seed, n_total=400, n_act=150):
    rng = np.random.default_rng(seed)
    act = rng.choice(n_total, n_act, replace=False).astype(np.intp)
    pos = np.full(n_total, -1, dtype=np.intp)
    pos[act] = np.arange(n_act)
    x = rng.normal(size=n_total) * 10
    x_act = x[act].copy()
    x0_act = x_act + rng.normal(size=n_act)
    m, v = rng.normal(size=n_act) * 0.1, rng.random(n_act) * 0.1
    return dict(x=x, act=act, x_act=x_act, x0_act=x0_act, m=m, v=v, pos=pos)


def _pulled(rng, act, size=40):
    # repeated indices (their values add up) and exact zeros, as pullbacks give
    pidx = rng.choice(act, size)
    pval = rng.normal(size=size)
    pval[::7] = 0.0
    return pidx, pval


def _run(state, n_steps, compiled, seed=1, **adam):
    rng = np.random.default_rng(seed)
    s = {k: a.copy() for k, a in state.items()}
    bins = np.zeros(s["x"].size)
    values = []
    for t in range(1, n_steps + 1):
        pidx, pval = _pulled(rng, s["act"])
        values.append(_mse_adam_step(s["x"], s["act"], s["x_act"], s["x0_act"], s["m"], s["v"],
                                     bins, s["pos"], pidx, pval, s["x"].size, 1e-3, 0.7, t,
                                     compiled=compiled, **adam))
    assert not bins.any()                      # the scratch space is left zero
    return s, np.array(values)


@needs_compiled
@pytest.mark.parametrize("adam", [dict(learning_rate=0.05, beta1=0.9, beta2=0.999, eps=1e-8),
                                  dict(learning_rate=1.5, beta1=0.0, beta2=0.5, eps=0.0),
                                  dict(learning_rate=0.01, beta1=0.99, beta2=0.9, eps=1e-3)])
def test_compiled_step_equals_the_numpy_step_to_the_bit(adam):
    state = _state(0)
    fast, fast_values = _run(state, 60, True, **adam)
    slow, slow_values = _run(state, 60, False, **adam)
    for key in ("x", "x_act", "m", "v"):
        np.testing.assert_array_equal(fast[key], slow[key])
    np.testing.assert_allclose(fast_values, slow_values, rtol=1e-13)
    assert not np.array_equal(fast["x"], state["x"])


@pytest.mark.parametrize("compiled", [True, False])
def test_step_is_the_plain_update(compiled):
    # fidelity gradient + bincount scatter + adam_update on the active coordinates
    state = _state(2)
    rng = np.random.default_rng(5)
    pidx, pval = _pulled(rng, state["act"])
    n = state["x"].size
    x, act = state["x"].copy(), state["act"]
    x_act, m, v = state["x_act"].copy(), state["m"].copy(), state["v"].copy()
    diff = x_act - state["x0_act"]
    grad = 2 * 1e-3 * diff / n + np.bincount(state["pos"][pidx], pval,
                                             minlength=act.size) * 0.7
    adam_update(x_act, grad, m, v, 3, 0.05)
    x[act] = x_act

    s = {k: a.copy() for k, a in state.items()}
    value = _mse_adam_step(s["x"], act, s["x_act"], s["x0_act"], s["m"], s["v"],
                           np.zeros(n), state["pos"], pidx, pval, n, 1e-3, 0.7, 3, 0.05,
                           0.9, 0.999, 1e-8, compiled=compiled)
    np.testing.assert_allclose(value, np.mean(diff ** 2) * act.size / n, rtol=1e-13)
    np.testing.assert_allclose(s["x"], x, rtol=1e-14, atol=0)
    np.testing.assert_allclose(s["m"], m, rtol=1e-14, atol=0)
    np.testing.assert_allclose(s["v"], v, rtol=1e-14, atol=0)
    # the coordinates outside the active set do not move
    rest = np.setdiff1d(np.arange(n), act)
    np.testing.assert_array_equal(s["x"][rest], state["x"][rest])


@needs_compiled
def test_compiled_step_rejects_inactive_indices_without_moving():
    s = _state(3)
    x = s["x"].copy()
    inactive = np.setdiff1d(np.arange(s["x"].size), s["act"])[:1]
    for pidx in (inactive, np.array([s["x"].size])):
        with pytest.raises(ValueError, match="not active"):
            _mse_adam_step(s["x"], s["act"], s["x_act"], s["x0_act"], s["m"], s["v"],
                           np.zeros(s["x"].size), s["pos"], pidx, np.ones(1), s["x"].size,
                           1e-3, 0.7, 1, 0.05, 0.9, 0.999, 1e-8)
    np.testing.assert_array_equal(s["x"], x)


@needs_compiled
def test_compiled_step_on_an_empty_active_set():
    x = np.arange(4.0)
    empty = np.empty(0)
    value = _mse_adam_step(x, np.empty(0, dtype=np.intp), empty.copy(), empty.copy(),
                           empty.copy(), empty.copy(), np.zeros(4), np.full(4, -1),
                           np.empty(0, dtype=np.intp), empty.copy(), 4, 0.1, 0.9, 1, 0.05,
                           0.9, 0.999, 1e-8)
    assert value == 0.0
    np.testing.assert_array_equal(x, np.arange(4.0))
