"""Point clouds of the grouping paper's experiments."""

import numpy as np
from sklearn.utils import check_random_state

from ..utils._validation import check_scalar

__all__ = ["make_two_clusters", "make_horseshoe"]


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
        Radius of each disk.
    separation : float, default=1.5
        Distance between the centres.
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
    check_scalar(n_samples, "n_samples", low=2, integer=True)
    check_scalar(radius, "radius", low=0)
    check_scalar(separation, "separation", low=0)
    rng = check_random_state(random_state)
    sizes = [n_samples - n_samples // 2, n_samples // 2]
    disks = []
    for centre, n in zip((0.0, separation), sizes):
        angle = rng.uniform(0, 2 * np.pi, n)
        r = radius * np.sqrt(rng.uniform(0, 1, n))      # uniform on the disk
        disks.append(np.column_stack([centre + r * np.cos(angle), r * np.sin(angle)]))
    return np.concatenate(disks), np.repeat([0, 1], sizes)


def make_horseshoe(n_samples=300, *, radius=3.0, width=0.4, opening_degrees=60.0,
                   random_state=None):
    """Points on a circular band open over ``opening_degrees`` at the bottom.

    Parameters
    ----------
    n_samples : int, default=300
    radius : float, default=3.0
        Radius of the band's centre line.
    width : float, default=0.4
        Width of the band.
    opening_degrees : float, default=60.0
        Angle of the gap between the two ends.
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
    check_scalar(n_samples, "n_samples", low=1, integer=True)
    check_scalar(radius, "radius", low=0, include_low=False)
    check_scalar(width, "width", low=0)
    check_scalar(opening_degrees, "opening_degrees", low=0, high=360)
    rng = check_random_state(random_state)
    half = np.deg2rad(opening_degrees) / 2
    angle = rng.uniform(half, 2 * np.pi - half, n_samples)
    r = radius + rng.uniform(-width / 2, width / 2, n_samples)
    return np.column_stack([r * np.sin(angle), -r * np.cos(angle)]), angle
