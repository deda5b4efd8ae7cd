"""Synthetic images with known topology."""

from numbers import Integral, Real

import numpy as np

from ..utils._sklearn_compat import Interval
from ..utils._validation import CONSTRAINTS, check_random_state, check_shape, validate_params
from ._regression import MAGNITUDE

__all__ = ["make_blobs_image"]

# blobs times pixels: each blob is evaluated on every pixel (about a minute of work)
_MAX_WORK = 2 ** 31


@validate_params({"n_blobs": [Interval(Integral, 0, None, closed="left")],
                  "radius": [Interval(Real, 0, MAGNITUDE, closed="right")],
                  "noise": [Interval(Real, 0, MAGNITUDE, closed="both")],
                  "random_state": CONSTRAINTS["random_state"]})

def make_blobs_image(shape=(64, 64), n_blobs=6, *, radius=0.08, noise=0.05,
                     random_state=None):
    """An image of dark Gaussian blobs (minima) on a bright background, plus noise.

    Its sublevel H0 diagram has one long bar per blob and short bars from the noise.

    Parameters
    ----------
    shape : tuple of int, default=(64, 64)
        Image shape (height, width).
    n_blobs : int, default=6
        Number of blobs; ``n_blobs * height * width`` is at most ``2**31``.
    radius : float, default=0.08
        Blob standard deviation, as a fraction of the image diagonal, in (0, 1e300].
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to every pixel, in [0, 1e300].
    random_state : int, RandomState instance or None, default=None
        Seed of the blob centers and the noise.

    Returns
    -------
    image : ndarray of shape ``shape``
        Values in about [0, 1] (1 = background).

    Examples
    --------
    >>> from sktopo.datasets import make_blobs_image
    >>> make_blobs_image((32, 48), n_blobs=3, random_state=0).shape
    (32, 48)
    """
    h, w = shape = check_shape(shape, ndim=(2,), bytes_per_value=40)
    n_blobs = int(n_blobs)
    if n_blobs * h * w > _MAX_WORK:
        raise ValueError(f"The 'n_blobs' parameter times the pixels of the image "
                         f"({n_blobs} * {h * w}) exceeds {_MAX_WORK}: use fewer blobs or a "
                         "smaller 'shape'.")
    rng = check_random_state(random_state, caller="make_blobs_image")
    yy, xx = np.mgrid[0:h, 0:w]
    sigma = radius * np.hypot(h, w)
    image = np.ones(shape)
    centres = rng.uniform([0.15 * h, 0.15 * w], [0.85 * h, 0.85 * w], size=(n_blobs, 2))
    with np.errstate(over="ignore"):    # distances in units of sigma: inf is a zero blob
        for cy, cx in centres:
            image -= 0.8 * np.exp(-(((yy - cy) / sigma) ** 2 + ((xx - cx) / sigma) ** 2) / 2)
    return image + noise * rng.standard_normal(shape)
