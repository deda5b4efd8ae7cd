"""Linear regression problems with structured coefficients (Topology Layer paper, Fig. 5-6).

``y = X beta + noise`` with ``X ~ N(0, I)``; the coefficients take a few values (clusters:
the paper's {-1, 0, 1} and {1, 2, 3}) or have a few local maxima on the line of feature
indices (sawtooth, boxcars, sinusoid), or form a ring in a coefficient image. The
coefficient vectors are those of the paper's code (``problems.py`` of the Topology Layer
repository).
"""

import numpy as np
from sklearn.utils import check_random_state

from ..utils._validation import check_scalar

__all__ = ["make_cluster_regression", "make_sawtooth_regression", "make_boxcar_regression",
           "make_sinusoid_regression", "make_ring_regression", "sawtooth_coef", "boxcar_coef",
           "sinusoid_coef", "ring_coef"]


def _linear_problem(coef, n_samples, noise, rng):
    X = rng.standard_normal((n_samples, coef.size))
    y = X @ coef.ravel() + noise * rng.standard_normal(n_samples)
    return X, y


def _check_common(n_samples, n_features, noise):
    check_scalar(n_samples, "n_samples", low=1, integer=True)
    check_scalar(n_features, "n_features", low=1, integer=True)
    check_scalar(noise, "noise", low=0)


def sawtooth_coef(n_features=100, n_teeth=3):
    """``(t mod 1) * 2 - 1`` with ``t = linspace(0, n_teeth, n_features)``: ramps from -1 to 1.

    Examples
    --------
    >>> from sktopo.datasets import sawtooth_coef
    >>> sawtooth_coef(7, 2)
    array([-1.        , -0.33333333,  0.33333333, -1.        , -0.33333333,
            0.33333333, -1.        ])
    """
    t = np.linspace(0, n_teeth, n_features)
    return (t % 1) * 2 - 1


def boxcar_coef(n_features=100, n_boxes=3):
    """``2 * ((t mod 1) > 0.5) - 1`` with ``t = linspace(0, n_boxes, n_features)``.

    Examples
    --------
    >>> from sktopo.datasets import boxcar_coef
    >>> boxcar_coef(8, 2)
    array([-1., -1.,  1.,  1., -1., -1.,  1., -1.])
    """
    t = np.linspace(0, n_boxes, n_features)
    return 2.0 * ((t % 1) > 0.5) - 1.0


def sinusoid_coef(n_features=100, n_peaks=3):
    """``cos((2 n_peaks - 1) pi t)`` with ``t = linspace(0, 1, n_features)``: ``n_peaks``
    local maxima (both ends included), values in [-1, 1].

    Examples
    --------
    >>> from sktopo.datasets import sinusoid_coef
    >>> (sinusoid_coef(9, 2).round(2) + 0.0).tolist()      # + 0.0: no -0.0
    [1.0, 0.38, -0.71, -0.92, 0.0, 0.92, 0.71, -0.38, -1.0]
    """
    t = np.linspace(0, 1, n_features)
    return np.cos((2 * n_peaks - 1) * np.pi * t)


def ring_coef(size=50):
    """A ring on a ``size x size`` grid: ``exp(-(r - size / 3)^2 / (2 size))``, ``r`` the
    distance to the center ``(size / 2, size / 2)`` (the Topology Layer level-set example).

    Examples
    --------
    >>> from sktopo.datasets import ring_coef
    >>> beta = ring_coef(30)
    >>> beta.shape, round(float(beta.max()), 2)
    ((30, 30), 1.0)
    """
    i, j = np.mgrid[0:size, 0:size]
    r = np.sqrt((i - size / 2) ** 2 + (j - size / 2) ** 2)
    return np.exp(-(r - size / 3) ** 2 / (2 * size))


def make_cluster_regression(n_samples=75, n_features=100, *, values=(-1.0, 0.0, 1.0),
                            noise=0.05, random_state=None):
    """Coefficients drawn i.i.d. from a few ``values`` (Fig. 5): a problem for Top1/Top2 on
    the ``"clusters"`` filtration.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    coef : ndarray of shape (n_features,)

    Examples
    --------
    >>> from sktopo.datasets import make_cluster_regression
    >>> X, y, coef = make_cluster_regression(10, 5, values=(1, 2, 3), random_state=0)
    >>> X.shape, y.shape, sorted(set(coef.tolist())) <= [1.0, 2.0, 3.0]
    ((10, 5), (10,), True)
    """
    _check_common(n_samples, n_features, noise)
    rng = check_random_state(random_state)
    coef = rng.choice(np.asarray(values, dtype=np.float64), size=n_features)
    X, y = _linear_problem(coef, n_samples, noise, rng)
    return X, y, coef


def make_sawtooth_regression(n_samples=75, n_features=100, *, n_teeth=3, noise=0.1,
                             random_state=None):
    """Sawtooth coefficients (:func:`sawtooth_coef`, Fig. 6 left): ``n_teeth`` local maxima
    on the line of feature indices.

    Returns
    -------
    X, y, coef : as :func:`make_cluster_regression`

    Examples
    --------
    >>> from sktopo.datasets import make_sawtooth_regression
    >>> X, y, coef = make_sawtooth_regression(20, 30, random_state=0)
    >>> X.shape, float(coef.min()), bool(coef.max() < 1)
    ((20, 30), -1.0, True)
    """
    _check_common(n_samples, n_features, noise)
    rng = check_random_state(random_state)
    coef = sawtooth_coef(n_features, n_teeth)
    X, y = _linear_problem(coef, n_samples, noise, rng)
    return X, y, coef


def make_boxcar_regression(n_samples=75, n_features=100, *, n_boxes=3, noise=0.1,
                           random_state=None):
    """Boxcar coefficients (:func:`boxcar_coef`, Fig. 6 right).

    Returns
    -------
    X, y, coef : as :func:`make_cluster_regression`

    Examples
    --------
    >>> from sktopo.datasets import make_boxcar_regression
    >>> X, y, coef = make_boxcar_regression(20, 30, random_state=0)
    >>> sorted(set(coef.tolist()))
    [-1.0, 1.0]
    """
    _check_common(n_samples, n_features, noise)
    rng = check_random_state(random_state)
    coef = boxcar_coef(n_features, n_boxes)
    X, y = _linear_problem(coef, n_samples, noise, rng)
    return X, y, coef


def make_sinusoid_regression(n_samples=75, n_features=100, *, n_peaks=3, noise=0.1,
                             random_state=None):
    """Sinusoid coefficients (:func:`sinusoid_coef`): ``n_peaks`` smooth local maxima on
    the line of feature indices, the third level-set problem of the paper's code.

    Returns
    -------
    X, y, coef : as :func:`make_cluster_regression`

    Examples
    --------
    >>> from sktopo.datasets import make_sinusoid_regression
    >>> X, y, coef = make_sinusoid_regression(20, 30, random_state=0)
    >>> X.shape, float(coef[0]), float(coef[-1])
    ((20, 30), 1.0, -1.0)
    """
    _check_common(n_samples, n_features, noise)
    check_scalar(n_peaks, "n_peaks", low=1, integer=True)
    rng = check_random_state(random_state)
    coef = sinusoid_coef(n_features, n_peaks)
    X, y = _linear_problem(coef, n_samples, noise, rng)
    return X, y, coef


def make_ring_regression(n_samples=1500, size=50, *, noise=0.05, random_state=None):
    """A ring coefficient image (:func:`ring_coef`) seen through ``n_samples`` Gaussian
    measurements: the Topology Layer level-set regression example.

    Returns
    -------
    X : ndarray of shape (n_samples, size * size)
    y : ndarray of shape (n_samples,)
    coef : ndarray of shape (size, size)

    Examples
    --------
    >>> from sktopo.datasets import make_ring_regression
    >>> X, y, coef = make_ring_regression(40, 10, random_state=0)
    >>> X.shape, coef.shape
    ((40, 100), (10, 10))
    """
    check_scalar(n_samples, "n_samples", low=1, integer=True)
    check_scalar(size, "size", low=2, integer=True)
    check_scalar(noise, "noise", low=0)
    rng = check_random_state(random_state)
    coef = ring_coef(size)
    X, y = _linear_problem(coef, n_samples, noise, rng)
    return X, y, coef
