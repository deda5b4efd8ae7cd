"""Synthetic images with known topology."""

import numpy as np
from sklearn.utils import check_random_state

from ..utils._validation import check_scalar

__all__ = ["make_blobs_image"]


def make_blobs_image(shape=(64, 64), n_blobs=6, *, radius=0.08, noise=0.05,
                     random_state=None):
    """An image of dark Gaussian blobs (minima) on a bright background, plus noise.

    Its sublevel H0 diagram has one long bar per blob and short bars from the noise.

    Parameters
    ----------
    shape : tuple of int, default=(64, 64)
        Image shape (height, width).
    n_blobs : int, default=6
        Number of blobs.
    radius : float, default=0.08
        Blob standard deviation, as a fraction of the image diagonal.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to every pixel.
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
    rng = check_random_state(random_state)
    check_scalar(n_blobs, "n_blobs", low=0, integer=True)
    check_scalar(radius, "radius", low=0, include_low=False)
    check_scalar(noise, "noise", low=0)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    sigma = radius * np.hypot(h, w)
    image = np.ones(shape)
    for cy, cx in rng.uniform([0.15 * h, 0.15 * w], [0.85 * h, 0.85 * w], size=(n_blobs, 2)):
        image -= 0.8 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma ** 2))
    return image + noise * rng.standard_normal(shape)
