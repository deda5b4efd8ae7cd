import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sktopo import TopologicalClassifier


def _binary(rng, n=200, p=6):
    X = rng.standard_normal((n, p))
    y = np.where(X[:, :3].sum(axis=1) + 0.3 * rng.standard_normal(n) > 0, "yes", "no")
    return X, y


def test_binary_fit_predict_proba(rng):
    X, y = _binary(rng)
    clf = TopologicalClassifier("top2", alpha=0.01).fit(X, y)
    assert list(clf.classes_) == ["no", "yes"]
    assert clf.coef_.shape == (1, 6) and clf.intercept_.shape == (1,)
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(clf.predict(X), clf.classes_[np.argmax(proba, axis=1)])
    assert clf.score(X, y) > 0.9


def test_l2_small_alpha_is_close_to_unpenalized_logistic_regression(rng):
    X, y = _binary(rng)
    clf = TopologicalClassifier("l1", alpha=0.0, tol=1e-10, max_iter=20000).fit(X, y)
    ref = LogisticRegression(C=1e10, tol=1e-10, max_iter=10000).fit(X, y)
    assert_allclose(clf.coef_, ref.coef_, rtol=1e-3, atol=1e-3)


def test_top1_huge_alpha_ties_the_weights(rng):
    X, y = _binary(rng)
    clf = TopologicalClassifier("top1", alpha=100.0, tol=1e-10, max_iter=5000).fit(X, y)
    assert np.ptp(clf.coef_) < 1e-8


def test_multiclass_one_vs_rest_on_digit_images():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400] / 16.0, y[:400]
    clf = TopologicalClassifier({"i0": {0: 2}}, alpha=1e-3, filtration="image",
                                coef_shape=(8, 8), max_iter=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.coef_.shape == (10, 64) and clf.n_iter_.shape == (10,)
    assert len(clf.loss_curve_) == 10
    assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.9
    clone = pickle.loads(pickle.dumps(clf))
    assert_allclose(clone.decision_function(X), clf.decision_function(X))


def test_errors(rng):
    X, y = _binary(rng)
    with pytest.raises(ValueError, match="1 class|one class"):
        TopologicalClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="alpha"):
        TopologicalClassifier(alpha=-1.0).fit(X, y)
