"""Point clouds of the grouping paper's experiments."""

from numbers import Integral, Real

import numpy as np

from ..utils._sklearn_compat import Interval
from ..utils._validation import (CONSTRAINTS, check_memory, check_random_state,
                                 validate_params)
from ._regression import MAGNITUDE

__all__ = ["make_two_clusters", "make_horseshoe"]

_LENGTH = [Interval(Real, 0, MAGNITUDE, closed="both")]


def _check_n_samples(n_samples, caller):
    check_memory(40.0 * n_samples, f"{caller}(n_samples={n_samples})",
                 "use a smaller 'n_samples'")
    return int(n_samples)


@validate_params({"n_samples": [Interval(Integral, 2, None, closed="left")],
                  "radius": _LENGTH, "separation": _LENGTH,
                  "random_state": CONSTRAINTS["random_state"]})

def make_two_clusters(n_samples=100, *, radius=0.25, separation=1.5, random_state=None):
    """Two uniform disks whose centres lie ``separation`` apart on the x axis.

    With the defaults, points within a cluster are closer than the grouping scale 1 and
    the only H0 lifetime above 0.10 is the gap between the clusters (the first experiment
    of the grouping paper).

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points (split evenly; the first cluster gets the extra point).
    radius : float, default=0.25
        Radius of each disk, in [0, 1e300].
    separation : float, default=1.5
        Distance between the centres, in [0, 1e300].
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    labels : ndarray of int of shape (n_samples,)
        The cluster of each point (0 or 1).

    Examples
    --------
    >>> from sktopo.datasets import make_two_clusters
    >>> X, labels = make_two_clusters(10, random_state=0)
    >>> X.shape, labels.tolist()
    ((10, 2), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """
    n_samples = _check_n_samples(n_samples, "make_two_clusters")
    rng = check_random_state(random_state, caller="make_two_clusters")
    sizes = [n_samples - n_samples // 2, n_samples // 2]
    disks = []
    for centre, n in zip((0.0, separation), sizes):
        angle = rng.uniform(0, 2 * np.pi, n)
        r = radius * np.sqrt(rng.uniform(0, 1, n))      # uniform on the disk
        disks.append(np.column_stack([centre + r * np.cos(angle), r * np.sin(angle)]))
    return np.concatenate(disks), np.repeat([0, 1], sizes)


@validate_params({"n_samples": [Interval(Integral, 1, None, closed="left")],
                  "radius": [Interval(Real, 0, MAGNITUDE, closed="right")], "width": _LENGTH,
                  "opening_degrees": [Interval(Real, 0, 360, closed="both")],
                  "random_state": CONSTRAINTS["random_state"]})
def make_horseshoe(n_samples=300, *, radius=3.0, width=0.4, opening_degrees=60.0,
                   random_state=None):
    """Points on a circular band open over ``opening_degrees`` at the bottom.

    Parameters
    ----------
    n_samples : int, default=300
    radius : float, default=3.0
        Radius of the band's centre line, in (0, 1e300].
    width : float, default=0.4
        Width of the band, in [0, 1e300].
    opening_degrees : float, default=60.0
        Angle of the gap between the two ends, in [0, 360].
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    angle : ndarray of shape (n_samples,)
        Angle of each point from the bottom (the two ends are the smallest and largest).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.datasets import make_horseshoe
    >>> X, angle = make_horseshoe(50, random_state=0)
    >>> bool(np.all((angle > np.pi / 6) & (angle < 2 * np.pi - np.pi / 6)))
    True
    """
    n_samples = _check_n_samples(n_samples, "make_horseshoe")
    rng = check_random_state(random_state, caller="make_horseshoe")
    half = np.deg2rad(opening_degrees) / 2
    angle = rng.uniform(half, 2 * np.pi - half, n_samples)
    r = radius + rng.uniform(-width / 2, width / 2, n_samples)
    return np.column_stack([r * np.sin(angle), -r * np.cos(angle)]), angle
