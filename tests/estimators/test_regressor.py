import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktopo import TopologicalRegressor
from sktopo.datasets import make_cluster_regression, make_ring_regression
from sktopo.estimators import topological_regression
from sktopo.penalties import TopologicalPenalty, make_penalty

PENALTIES = ["top1", "top2", "l1", "l2", "tv", "tv2"]


def _problem(rng, n=40, p=12, noise=0.05):
    X = rng.standard_normal((n, p))
    coef = rng.choice([1.0, 2.0, 3.0], size=p)
    return X, X @ coef + noise * rng.standard_normal(n), coef


def _objective(X, y, coef, intercept, penalty, alpha):
    return np.mean((y - X @ coef - intercept) ** 2) + alpha * penalty.value(coef)


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("filtration", ["clusters", "line"])
def test_solution_is_a_fixed_point_of_the_prox_step(rng, penalty, filtration):
    # first-order condition: beta = prox(beta - t grad f(beta), t alpha)
    X, y, _ = _problem(rng)
    alpha = 0.05
    res = topological_regression(X, y, penalty, alpha=alpha, filtration=filtration,
                                 tol=1e-10, max_iter=20000, solver="fista")
    pen = make_penalty(penalty, filtration)
    Xc, yc = X - X.mean(0), y - y.mean()
    grad = 2 * Xc.T @ (Xc @ res.coef - yc) / len(y)
    step = 1.0 / (2 * np.linalg.eigvalsh(Xc.T @ Xc / len(y))[-1])
    assert_allclose(pen.prox(res.coef - step * grad, step * alpha), res.coef, atol=1e-6)


def test_l1_equals_sklearn_lasso(rng):
    # ours: mean squared error + alpha ||b||_1 == Lasso(alpha / 2)
    X, y, _ = _problem(rng)
    res = topological_regression(X, y, "l1", alpha=0.2, tol=1e-12, max_iter=50000)
    ref = Lasso(alpha=0.1, tol=1e-12, max_iter=100000).fit(X, y)
    assert_allclose(res.coef, ref.coef_, atol=1e-6)
    assert res.intercept == pytest.approx(ref.intercept_, abs=1e-6)


def test_alpha_zero_with_n_greater_than_p_is_ols(rng):
    X, y, _ = _problem(rng, n=60, p=8)
    res = topological_regression(X, y, "top2", alpha=0.0, tol=1e-12, max_iter=20000)
    ref = np.linalg.lstsq(np.column_stack([X, np.ones(60)]), y, rcond=None)[0]
    assert_allclose(res.coef, ref[:-1], atol=1e-6)


def test_huge_alpha_top1_collapses_the_weights_to_one_value(rng):
    # the optimum is then beta = c * 1 with c the least-squares fit of y on X @ 1
    X, y, _ = _problem(rng)
    res = topological_regression(X, y, "top1", alpha=1e4, tol=1e-12, max_iter=20000)
    assert np.ptp(res.coef) < 1e-10
    Xc, yc = X - X.mean(0), y - y.mean()
    s = Xc.sum(axis=1)
    assert res.coef[0] == pytest.approx((s @ yc) / (s @ s), rel=1e-6)


def test_top1_reaches_the_convex_optimum(rng):
    # Top1 on clusters is convex: from any start FISTA reaches the same objective, and
    # no perturbation of the solution does better
    X, y, _ = _problem(rng, n=20, p=30)
    pen = TopologicalPenalty(2)
    a = topological_regression(X, y, "top1", alpha=0.1, tol=1e-12, max_iter=50000)
    b = topological_regression(X, y, "top1", alpha=0.1, tol=1e-12, max_iter=50000,
                               coef_init=rng.standard_normal(30))
    fa = _objective(X, y, a.coef, a.intercept, pen, 0.1)
    fb = _objective(X, y, b.coef, b.intercept, pen, 0.1)
    assert fa == pytest.approx(fb, rel=1e-8)
    for _ in range(100):
        c = a.coef + 1e-4 * rng.standard_normal(30)
        intercept = np.mean(y - X @ c)
        assert _objective(X, y, c, intercept, pen, 0.1) >= fa - 1e-12


def test_top2_recovers_three_clusters():
    X, y, coef = make_cluster_regression(60, 40, values=(1.0, 2.0, 3.0), random_state=0)
    reg = TopologicalRegressor("top2", alpha=0.1).fit(X, y)
    assert np.sum((reg.coef_ - coef) ** 2) < 0.01
    assert len(np.unique(np.round(reg.coef_, 6))) <= 4


def test_loss_curve_decreases_and_ends_below_adam(rng):
    X, y, _ = _problem(rng, n=30, p=40)
    fista = TopologicalRegressor("top1", alpha=0.1, max_iter=3000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        adam = TopologicalRegressor("top1", alpha=0.1, solver="adam", max_iter=300,
                                    learning_rate=0.05).fit(X, y)
    curve = np.array(fista.loss_curve_)
    assert curve[-1] <= curve[0]
    assert len(curve) >= 2
    assert fista.loss_curve_[-1] < adam.loss_curve_[-1]


def test_convergence_warning_and_warm_start(rng):
    X, y, _ = _problem(rng)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        TopologicalRegressor("l1", alpha=0.01, max_iter=2).fit(X, y)
    reg = TopologicalRegressor("tv", alpha=0.05, tol=1e-8, max_iter=5000).fit(X, y)
    n_cold = reg.n_iter_
    reg.set_params(warm_start=True, alpha=0.051).fit(X, y)
    assert reg.n_iter_ < n_cold


def test_sample_weight_equals_repetition(rng):
    X, y, _ = _problem(rng, n=20, p=6)
    w = rng.integers(1, 3, size=20)
    a = TopologicalRegressor("tv", alpha=0.05, tol=1e-12, max_iter=20000).fit(
        X, y, sample_weight=w)
    b = TopologicalRegressor("tv", alpha=0.05, tol=1e-12, max_iter=20000).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w))
    assert_allclose(a.coef_, b.coef_, atol=1e-7)
    with pytest.raises(ValueError, match="sample_weight"):
        TopologicalRegressor().fit(X, y, sample_weight=-np.ones(20))


def test_penalty_as_dict_and_object(rng):
    X, y, _ = _problem(rng)
    a = TopologicalRegressor({"n_kept": 3}, alpha=0.1).fit(X, y)
    b = TopologicalRegressor("top2", alpha=0.1).fit(X, y)
    c = TopologicalRegressor(TopologicalPenalty(4), alpha=0.1).fit(X, y)
    assert_allclose(a.coef_, b.coef_)
    assert_allclose(c.coef_, b.coef_)
    d = TopologicalRegressor({"i0": 3, "p": 2}, alpha=0.1, max_iter=3000).fit(X, y)
    assert np.all(np.isfinite(d.coef_))


def test_bad_parameters_name_themselves(rng):
    X, y, _ = _problem(rng)
    with pytest.raises(ValueError, match="alpha"):
        TopologicalRegressor(alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match="filtration"):
        TopologicalRegressor(filtration="tree").fit(X, y)
    with pytest.raises(ValueError, match="penalty"):
        TopologicalRegressor(penalty="top7").fit(X, y)
    with pytest.raises(ValueError, match="coef_shape"):
        TopologicalRegressor(filtration="image").fit(X, y)
    with pytest.raises(ValueError, match="coef_shape"):
        TopologicalRegressor(filtration="image", coef_shape=(5, 5)).fit(X, y)


def test_pipeline_gridsearch_and_pickle():
    X, y, coef = make_cluster_regression(60, 20, values=(1.0, 2.0, 3.0), random_state=1)
    pipe = make_pipeline(StandardScaler(), TopologicalRegressor())
    grid = GridSearchCV(pipe, {"topologicalregressor__alpha": [1e-3, 1e-2, 1e-1],
                               "topologicalregressor__penalty": ["top1", "top2", "l2"]},
                        cv=3)
    grid.fit(X, y)
    assert grid.best_score_ > 0.9
    clone = pickle.loads(pickle.dumps(grid.best_estimator_))
    assert_allclose(clone.predict(X), grid.best_estimator_.predict(X))


def test_feature_names_in(rng):
    pd = pytest.importorskip("pandas")
    X, y, _ = _problem(rng, p=4)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    reg = TopologicalRegressor("l1", alpha=0.01).fit(df, y)
    assert list(reg.feature_names_in_) == ["a", "b", "c", "d"]
    assert reg.n_features_in_ == 4


def test_image_filtration_recovers_a_ring_better_than_ols_and_ridge():
    X, y, ring = make_ring_regression(n_samples=120, size=12, noise=0.05, random_state=0)
    pen = {"i0": {0: 1, 1: 2}}
    reg = TopologicalRegressor(pen, alpha=0.05, filtration="image", coef_shape=(12, 12),
                               max_iter=300, tol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    err = np.sum((reg.coef_ - ring.ravel()) ** 2)
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    ridge = Ridge(alpha=1.0).fit(X, y).coef_
    assert err < 0.5 * np.sum((ols - ring.ravel()) ** 2)
    assert err < np.sum((ridge - ring.ravel()) ** 2)


def test_inputs_are_not_modified(rng):
    X, y, _ = _problem(rng)
    X0, y0 = X.copy(), y.copy()
    init = np.ones(X.shape[1])
    topological_regression(X, y, "top2", alpha=0.1, coef_init=init)
    assert_allclose(X, X0)
    assert_allclose(y, y0)
    assert_allclose(init, 1.0)


@pytest.mark.parametrize("penalty, filtration", [("top1", "clusters"), ("top2", "clusters"),
                                                 ("top2", "line"), ("l1", "clusters")])
def test_fista_extrapolated_gradient_points_equal_the_plain_iteration(rng, penalty,
                                                                      filtration):
    # quadratic=True extrapolates x - grad f(x) / L; quadratic=False recomputes the
    # gradient at the extrapolated point: same iterates up to rounding
    from sktopo.estimators._proximal import minimize_composite

    X, y, _ = _problem(rng)
    A = (X - X.mean(0)) / np.sqrt(len(y))
    b = (y - y.mean()) / np.sqrt(len(y))

    def smooth(beta):
        r = A @ beta - b
        return float(r @ r), 2.0 * (A.T @ r)

    lipschitz = 2.0 * np.linalg.eigvalsh(A.T @ A)[-1] * 1.0001
    pen = make_penalty(penalty, filtration)
    runs = [minimize_composite(smooth, pen, 0.05, np.ones(X.shape[1]), lipschitz,
                               X.shape[1], quadratic=quad, max_iter=30, tol=0)
            for quad in (True, False)]
    assert runs[0].n_iter == runs[1].n_iter == 30
    assert_allclose(runs[0].loss_curve, runs[1].loss_curve, rtol=1e-9)
    assert_allclose(runs[0].x, runs[1].x, atol=1e-8)


def test_line_top2_below_p_reaches_zero_objective_below_the_truth():
    # n < p: weights with at most three maxima interpolate the data, so the objective of
    # the line Top2 has a set of (near) zero minimizers; FISTA reaches one, below the
    # objective at the true sawtooth (which pays the noise), and the penalty vanishes:
    # the reason why solver="auto" is Adam on the line
    from sktopo.datasets import make_sawtooth_regression

    X, y, coef = make_sawtooth_regression(75, 100, noise=0.1, random_state=75000)
    pen = make_penalty("top2", "line")
    for alpha in (0.01, 1.0):
        res = topological_regression(X, y, "top2", alpha=alpha, filtration="line",
                                     max_iter=5000, solver="fista")
        reached = _objective(X, y, res.coef, res.intercept, pen, alpha)
        truth = _objective(X, y, coef, y.mean() - X.mean(0) @ coef, pen, alpha)
        assert reached < 1e-3 * truth
        assert pen.value(res.coef) < 1e-3


def test_adam_starts_from_least_squares():
    # the Topology Layer paper's protocol: Adam from the (min-norm) least-squares solution
    import warnings

    from sktopo.estimators import topological_regression

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 30))                       # n < p: min-norm solution
    y = X @ rng.standard_normal(30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = topological_regression(X, y, "top2", alpha=0.0, solver="adam", max_iter=1,
                                     learning_rate=1e-12, fit_intercept=False)
    np.testing.assert_allclose(res.coef, np.linalg.pinv(X) @ y, atol=1e-8)


def test_auto_solver_on_the_line_lands_closer_to_the_sawtooth_than_fista():
    # the exact minimizers interpolate (test above); the default Adam schedule from the
    # least-squares solution stays close to the truth (Topology Layer paper, Fig. 6)
    from sktopo.datasets import make_sawtooth_regression

    X, y, coef = make_sawtooth_regression(75, 100, noise=0.1, random_state=3)
    auto = TopologicalRegressor("top2", alpha=0.15, filtration="line").fit(X, y)
    fista = TopologicalRegressor("top2", alpha=0.15, filtration="line",
                                 solver="fista").fit(X, y)
    ols = np.linalg.lstsq(X - X.mean(0), y - y.mean(), rcond=None)[0]
    err = np.sum((auto.coef_ - coef) ** 2)
    assert auto.n_iter_ <= 200
    assert err < 0.1
    assert err < 0.5 * np.sum((fista.coef_ - coef) ** 2)
    assert err < 0.05 * np.sum((ols - coef) ** 2)
