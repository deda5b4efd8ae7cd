"""Bad input and extreme values in penalties, functionals, optimizers and estimators
(issue 15): a result or a clear ValueError/TypeError/MemoryError, never NaN."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo import (PointCloudTopoOptimizer, TopoImageSimplifier, TopologicalClassifier,
                    TopologicalLoss, TopologicalRegressor, stump_minimize)
from sktopo.functionals import DiagramDistance, PersistenceNorm, WeightedSum
from sktopo.optim import big_step_minimize
from sktopo.penalties import (GroupingPenalty, L1Penalty, L2Penalty, TopologicalPenalty,
                              TV2Penalty, TVPenalty, distance_distortion, prox_tv1d, prox_tv2,
                              soft_threshold)
from sktopo.persistence import Diagram
from sktopo.simplification import simplify_function

CLEAN = (ValueError, TypeError, MemoryError)
PENALTIES = [L1Penalty(), L2Penalty(), TVPenalty(), TV2Penalty(), TopologicalPenalty(),
             TopologicalPenalty(filtration="line")]


@pytest.mark.parametrize("penalty", PENALTIES, ids=repr)
@pytest.mark.parametrize("beta, match", [
    (np.array([1.0, np.nan, 2.0]), "NaN"), (np.array([1.0, np.inf]), "infinite"),
    (np.zeros(0), "at least"), (None, "array-like"), ("ab", "array-like"),
    (np.array(["a", "b"]), "real numbers")])
def test_penalties_refuse_bad_coefficients(penalty, beta, match):
    with pytest.raises(CLEAN, match=match):
        penalty.value_and_grad(beta)
    if penalty.has_prox:
        with pytest.raises(CLEAN, match=match):
            penalty.prox(beta, 0.1)


@pytest.mark.parametrize("penalty", [p for p in PENALTIES if p.has_prox], ids=repr)
@pytest.mark.parametrize("step", [np.nan, -1.0, np.inf, "x"])
def test_prox_steps_are_checked(penalty, step):
    with pytest.raises(CLEAN, match="step"):
        penalty.prox(np.arange(5.0), step)


@pytest.mark.parametrize("penalty", PENALTIES, ids=repr)
@pytest.mark.parametrize("scale", [2.0 ** 1000, 2.0 ** -1000])
def test_penalties_are_homogeneous_at_extreme_magnitudes(penalty, scale):
    # values near 1e301 and 1e-301: no overflow of squares or differences, no NaN
    beta = np.random.default_rng(0).normal(size=12)
    value, grad = penalty.value_and_grad(beta)
    big_value, big_grad = penalty.value_and_grad(beta * scale)
    assert np.isfinite(big_value) and np.isfinite(big_grad).all()
    np.testing.assert_allclose(big_value, value * scale, rtol=1e-12)
    np.testing.assert_allclose(big_grad, grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("prox", [prox_tv1d, prox_tv2])
@pytest.mark.parametrize("scale", [2.0 ** 1000, 2.0 ** -1000])
def test_tv_proxes_are_scale_equivariant(prox, scale):
    v = np.random.default_rng(1).normal(size=15)
    np.testing.assert_allclose(prox(v * scale, 0.3 * scale) / scale, prox(v, 0.3),
                               rtol=1e-10, atol=1e-12)


def test_tv_proxes_take_vectors_only():
    for prox in (prox_tv1d, prox_tv2):
        with pytest.raises(ValueError, match="1-D"):
            prox(np.ones((3, 4)), 0.1)
    with pytest.raises(ValueError, match="threshold"):
        soft_threshold(np.ones(3), np.nan)


def test_grouping_term_at_extreme_magnitudes():
    X0 = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="rescale"):
        GroupingPenalty(X0 * 1e200)
    tau = GroupingPenalty(X0, scale=1.0)
    with pytest.raises(ValueError, match="NaN"):
        tau.value_and_grad(np.where(X0 > 1, np.nan, X0))
    X1 = X0 + np.random.default_rng(1).normal(size=X0.shape) * 0.1
    for scale in (1e-300, 1e300):
        d = distance_distortion(X0 * scale, X1 * scale)
        np.testing.assert_allclose(d, distance_distortion(X0, X1), rtol=1e-12)


def test_diagram_refuses_nan_and_infinite_births():
    with pytest.raises(ValueError, match="NaN"):
        Diagram(np.array([0.0, np.nan]), np.array([1.0, 2.0]), np.array([0, 1]),
                np.array([2, 3]))
    with pytest.raises(ValueError, match="finite"):
        Diagram(np.array([np.inf]), np.array([np.inf]), np.array([0]), np.array([-1]))
    with pytest.raises(ValueError, match="one length"):
        Diagram(np.array([0.0]), np.array([1.0, 2.0]), np.array([0]), np.array([1]))


def test_diagram_distance_orders_and_magnitudes():
    dgm = Diagram(np.array([0.0, 1.0]), np.array([4.0, 1.5]), np.array([0, 1]),
                  np.array([2, 3]))
    target = [[0.0, 3.0]]
    with pytest.raises(ValueError, match="bottleneck"):
        DiagramDistance(target, p=1e12).value_and_grad(dgm)
    for p in (1, 2, 1000, np.inf):
        for internal_p in (1, 2, 1e6, np.inf):
            f = DiagramDistance(target, p=p, internal_p=internal_p)
            value, gb, gd = f.value_and_grad(dgm)
            scale = 2.0 ** 1000
            big = Diagram(dgm.births * scale, dgm.deaths * scale, dgm.birth_index,
                          dgm.death_index)
            big_value, big_gb, big_gd = DiagramDistance(np.multiply(target, scale), p=p,
                                                        internal_p=internal_p).value_and_grad(big)
            assert np.isfinite([value, big_value]).all()
            np.testing.assert_allclose(big_value, value * scale, rtol=1e-9)
            np.testing.assert_allclose(np.r_[big_gb, big_gd], np.r_[gb, gd], atol=1e-9)


def test_weighted_sum_terms_are_checked():
    with pytest.raises(ValueError, match="weight"):
        WeightedSum([(np.nan, PersistenceNorm())])
    with pytest.raises(TypeError, match="terms"):
        WeightedSum([(1.0, "x")])
    with pytest.raises(TypeError, match="terms"):
        WeightedSum("x")


def test_value_and_grad_keeps_the_shape_of_a_scalar():
    for filtration in ("cubical", "rips", "weak_alpha"):
        value, grad = TopologicalLoss(PersistenceNorm(),
                                      filtration=filtration).value_and_grad(np.array(2.0))
        assert grad.shape == () and value == 0.0


@pytest.mark.parametrize("filtration", ["rips", "weak_alpha"])
def test_point_cloud_gradients_are_scale_free(filtration):
    # W1 is homogeneous of degree 1: its gradient does not depend on the scale, also where
    # the squared edge lengths overflow or underflow
    P = np.random.default_rng(0).normal(size=(9, 2))
    loss = TopologicalLoss(PersistenceNorm(p=1), filtration=filtration,
                           homology_dimensions=(0, 1))
    _, ref = loss.value_and_grad(P)
    for scale in (1e-300, 1e-160, 1e160, 1e300):
        np.testing.assert_allclose(loss.value_and_grad(P * scale)[1], ref, atol=1e-12)


@pytest.mark.parametrize("model", [TopologicalRegressor(max_iter=5),
                                   TopologicalClassifier(max_iter=5)], ids=repr)
@pytest.mark.parametrize("scale", [1e150, 1e300])
def test_linear_models_refuse_overflowing_magnitudes(model, scale):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 6)), np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match="rescale X"):
        model.fit(X * scale, y)
    if isinstance(model, TopologicalRegressor):
        with pytest.raises(ValueError, match="rescale y"):
            model.fit(X, y * scale)


def test_optimizers_stop_with_a_clear_error_when_the_loss_overflows():
    image = np.random.default_rng(0).normal(size=(12, 10))
    loss = TopologicalLoss(PersistenceNorm(p=2), homology_dimensions=0)
    with pytest.raises(ValueError, match="learning_rate"):
        stump_minimize(loss, image, learning_rate=1e300, max_iter=5)
    # a max_iter whose loss curve cannot fit is refused up front; a large one that fits
    # allocates as it goes (the callback stops the run)
    with pytest.raises(MemoryError, match="max_iter"):
        stump_minimize(loss, image, max_iter=10 ** 13)
    res = stump_minimize(loss, image, max_iter=10 ** 7, callback=lambda r: r.n_iter >= 3)
    assert res.n_iter == 3 and res.loss_curve.shape == (3,)
    with pytest.raises(ValueError, match="n_samples"):
        stump_minimize(loss, image, n_samples=10 ** 9)


# ---- fuzz: any value of any parameter gives a finite result or a clean error

_VALUES = st.one_of(st.none(), st.booleans(), st.sampled_from(["x", "", "auto"]),
                    st.integers(-3, 6), st.sampled_from([10 ** 12, -10 ** 12]),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.tuples(st.floats(-2, 2), st.floats(-2, 2)),
                    st.lists(st.integers(-1, 3), max_size=3))


def _finite(out):
    if isinstance(out, (list, tuple)):
        return all(_finite(o) for o in out)
    try:
        return not np.isnan(np.asarray(out, dtype=float)).any()
    except (TypeError, ValueError):
        return True


def _behaves(call):
    try:
        out = call()
    except CLEAN:
        return
    assert _finite(out)


_IMG = np.random.default_rng(0).normal(size=(8, 7))
_PTS = np.random.default_rng(1).normal(size=(10, 2))
_X = np.random.default_rng(2).normal(size=(16, 6))
_FAST = {"max_iter": 3}


def _estimator_calls():
    return [
        (TopologicalRegressor, lambda m: m.fit(_X, _X[:, 0]).predict(_X)),
        (TopologicalClassifier, lambda m: m.fit(_X, _X[:, 0] > 0).predict_proba(_X)),
        (TopoImageSimplifier, lambda m: m.set_params(image_shape=(8, 7))
         .fit_transform(_IMG.reshape(1, -1))),
        (PointCloudTopoOptimizer, lambda m: m.fit_transform(_PTS)),
    ]


@settings(max_examples=60, deadline=None)
@given(which=st.integers(0, 3), data=st.data())
def test_fuzz_estimator_parameters(which, data):
    cls, call = _estimator_calls()[which]
    name = data.draw(st.sampled_from(sorted(cls().get_params())))
    value = data.draw(_VALUES)
    if name == "max_iter" and isinstance(value, int) and value > 10:
        value = 10              # long but valid runs are not bad input
    params = {**_FAST, name: value}
    _behaves(lambda: call(cls(**params)))


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["learning_rate", "beta1", "beta2", "adam_eps", "tol",
                             "n_iter_no_change", "n_samples", "combine", "n_jobs", "prefetch",
                             "refine_iter", "bounds", "penalty_weight", "random_state",
                             "alpha", "fidelity", "smear", "verbose"]), value=_VALUES)
def test_fuzz_stump_parameters(name, value):
    loss = TopologicalLoss(PersistenceNorm(), homology_dimensions=0)
    _behaves(lambda: stump_minimize(loss, _IMG, **{"max_iter": 3, name: value}).x)


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(["learning_rate", "tol", "conflict", "sigma", "verbose"]),
       value=_VALUES)
def test_fuzz_big_step_parameters(name, value):
    loss = TopologicalLoss(PersistenceNorm(), homology_dimensions=0)
    _behaves(lambda: big_step_minimize(loss, _IMG, **{"max_iter": 3, name: value}).x)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["threshold", "n_kept", "homology_dimensions", "superlevel",
                             "connectivity", "method", "perturb", "return_removed"]),
       value=_VALUES, ndim=st.integers(1, 3))
def test_fuzz_simplify_function_parameters(name, value, ndim):
    X = np.random.default_rng(ndim).normal(size=(6, 5, 4)[:ndim])
    params = {"threshold": 0.5, name: value}
    _behaves(lambda: simplify_function(X, **params))


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["i0", "p", "q", "filtration", "shape"]), value=_VALUES,
       scale=st.sampled_from([1e-300, 1.0, 1e300]))
def test_fuzz_topological_penalty(name, value, scale):
    beta = np.random.default_rng(3).normal(size=12) * scale

    def call():
        penalty = TopologicalPenalty(**{name: value})
        value_, grad = penalty.value_and_grad(beta)
        return (value_, grad, penalty.prox(beta, 0.1) if penalty.has_prox else 0.0)
    _behaves(call)


def test_work_and_memory_guards(monkeypatch):
    import sktopo.utils._validation as validation
    from sktopo.persistence import rips_persistence

    monkeypatch.setattr(validation, "MEMORY_BUDGET", 2 ** 31)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="subsample"):
        rips_persistence(rng.random((60_000, 5)), 0)       # O(n^2) Prim: refused
    with pytest.raises(MemoryError, match="GiB"):
        distance_distortion(rng.random((20_000, 2)), rng.random((20_000, 2)))
    with pytest.raises(MemoryError, match="lower the scale"):
        GroupingPenalty(rng.random((20_000, 2)), scale=10.0)
    with pytest.raises(MemoryError, match="GiB"):
        TopologicalRegressor().fit(np.broadcast_to(0.0, (10 ** 5, 10 ** 5)), np.zeros(10 ** 5))
