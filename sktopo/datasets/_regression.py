"""Linear regression problems with structured coefficients (Topology Layer paper, Fig. 5-6).

``y = X beta + noise`` with ``X ~ N(0, I)``; the coefficients take a few values (clusters:
the paper's {-1, 0, 1} and {1, 2, 3}) or have a few local maxima on the line of feature
indices (sawtooth, boxcars, sinusoid), or form a ring in a coefficient image. The
coefficient vectors are those of the paper's code (``problems.py`` of the Topology Layer
repository).
"""

from numbers import Integral, Real

import numpy as np

from ..utils._sklearn_compat import Interval
from ..utils._validation import (CONSTRAINTS, check_memory, check_random_state, check_values,
                                 validate_params)

__all__ = ["make_cluster_regression", "make_sawtooth_regression", "make_boxcar_regression",
           "make_sinusoid_regression", "make_ring_regression", "sawtooth_coef", "boxcar_coef",
           "sinusoid_coef", "ring_coef"]


# the largest scale parameter (noise, lengths, coefficient values): sums of a few
# thousand such terms stay finite
MAGNITUDE = 1e300
# the largest count of teeth, boxes or peaks (the coefficients of more are aliased)
_MAX_PERIODS = 10 ** 9

_POSITIVE = [Interval(Integral, 1, None, closed="left")]
_PERIODS = [Interval(Integral, 1, _MAX_PERIODS, closed="both")]
_COMMON = {"n_samples": _POSITIVE, "n_features": _POSITIVE,
           "noise": [Interval(Real, 0, MAGNITUDE, closed="both")],
           "random_state": CONSTRAINTS["random_state"]}


def _check_size(n_values, what):
    check_memory(8.0 * n_values, what, "use smaller sizes")


def _linear_problem(coef, n_samples, noise, random_state, caller):
    _check_size(n_samples * (coef.size + 2.0), f"{caller}(n_samples={n_samples}) of "
                f"{coef.size} features")
    rng = check_random_state(random_state, caller=caller)
    X = rng.standard_normal((int(n_samples), coef.size))
    y = X @ coef.ravel() + noise * rng.standard_normal(int(n_samples))
    return X, y


def _grid(n_features, n_periods):
    """``linspace(0, n_periods, n_features)``, memory checked."""
    _check_size(2.0 * n_features, f"coefficients of n_features={n_features}")
    return np.linspace(0, int(n_periods), int(n_features))


@validate_params({"n_features": _POSITIVE, "n_teeth": _PERIODS})
def sawtooth_coef(n_features=100, n_teeth=3):
    """``(t mod 1) * 2 - 1`` with ``t = linspace(0, n_teeth, n_features)``: ramps from -1 to 1.

    ``n_features >= 1``; ``n_teeth`` in ``[1, 10**9]``.

    Examples
    --------
    >>> from sktopo.datasets import sawtooth_coef
    >>> sawtooth_coef(7, 2)
    array([-1.        , -0.33333333,  0.33333333, -1.        , -0.33333333,
            0.33333333, -1.        ])
    """
    return (_grid(n_features, n_teeth) % 1) * 2 - 1


@validate_params({"n_features": _POSITIVE, "n_boxes": _PERIODS})
def boxcar_coef(n_features=100, n_boxes=3):
    """``2 * ((t mod 1) > 0.5) - 1`` with ``t = linspace(0, n_boxes, n_features)``.

    ``n_features >= 1``; ``n_boxes`` in ``[1, 10**9]``.

    Examples
    --------
    >>> from sktopo.datasets import boxcar_coef
    >>> boxcar_coef(8, 2)
    array([-1., -1.,  1.,  1., -1., -1.,  1., -1.])
    """
    return 2.0 * ((_grid(n_features, n_boxes) % 1) > 0.5) - 1.0


@validate_params({"n_features": _POSITIVE, "n_peaks": _PERIODS})
def sinusoid_coef(n_features=100, n_peaks=3):
    """``cos((2 n_peaks - 1) pi t)`` with ``t = linspace(0, 1, n_features)``: ``n_peaks``
    local maxima (both ends included), values in [-1, 1].

    ``n_features >= 1``; ``n_peaks`` in ``[1, 10**9]``.

    Examples
    --------
    >>> from sktopo.datasets import sinusoid_coef
    >>> (sinusoid_coef(9, 2).round(2) + 0.0).tolist()      # + 0.0: no -0.0
    [1.0, 0.38, -0.71, -0.92, 0.0, 0.92, 0.71, -0.38, -1.0]
    """
    return np.cos((2 * n_peaks - 1) * np.pi * _grid(n_features, 1))


@validate_params({"size": _POSITIVE})
def ring_coef(size=50):
    """A ring on a ``size x size`` grid: ``exp(-(r - size / 3)^2 / (2 size))``, ``r`` the
    distance to the center ``(size / 2, size / 2)`` (the Topology Layer level-set example).

    ``size >= 1``.

    Examples
    --------
    >>> from sktopo.datasets import ring_coef
    >>> beta = ring_coef(30)
    >>> beta.shape, round(float(beta.max()), 2)
    ((30, 30), 1.0)
    """
    size = int(size)
    _check_size(5.0 * size * size, f"ring_coef(size={size})")
    i, j = np.mgrid[0:size, 0:size]
    r = np.sqrt((i - size / 2) ** 2 + (j - size / 2) ** 2)
    return np.exp(-(r - size / 3) ** 2 / (2 * size))


@validate_params({**_COMMON, "values": ["array-like"]})
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
    values = check_values(values, "values", ndim=(1,))
    if np.abs(values).max() > MAGNITUDE:
        raise ValueError(f"The 'values' parameter must lie in [-{MAGNITUDE:g}, "
                         f"{MAGNITUDE:g}].")
    _check_size(2.0 * n_features, f"coefficients of n_features={n_features}")
    rng = check_random_state(random_state, caller="make_cluster_regression")
    coef = rng.choice(values, size=int(n_features))
    X, y = _linear_problem(coef, n_samples, noise, rng, "make_cluster_regression")
    return X, y, coef


@validate_params({**_COMMON, "n_teeth": _PERIODS})
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
    coef = sawtooth_coef(n_features, n_teeth)
    X, y = _linear_problem(coef, n_samples, noise, random_state, "make_sawtooth_regression")
    return X, y, coef


@validate_params({**_COMMON, "n_boxes": _PERIODS})
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
    coef = boxcar_coef(n_features, n_boxes)
    X, y = _linear_problem(coef, n_samples, noise, random_state, "make_boxcar_regression")
    return X, y, coef


@validate_params({**_COMMON, "n_peaks": _PERIODS})
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
    coef = sinusoid_coef(n_features, n_peaks)
    X, y = _linear_problem(coef, n_samples, noise, random_state, "make_sinusoid_regression")
    return X, y, coef


@validate_params({"n_samples": _POSITIVE, "size": [Interval(Integral, 2, None, closed="left")],
                  "noise": _COMMON["noise"], "random_state": CONSTRAINTS["random_state"]})
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
    coef = ring_coef(size)
    X, y = _linear_problem(coef, n_samples, noise, random_state, "make_ring_regression")
    return X, y, coef
