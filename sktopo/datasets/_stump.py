"""The input images of the STUMP paper's synthetic experiments (MIT license, see data/stump)."""

from importlib import resources

import numpy as np

from ..utils._validation import check_option

__all__ = ["load_stump_image"]

# name: (crop, channel, negate), as the paper's reference code prepares them
_RECIPES = {
    "blobs": ((slice(0, 256), slice(0, 256)), 0, True),
    "circle": ((slice(0, 210), slice(0, 210)), 1, False),
    "wells": ((slice(20, 330), slice(20, 330)), 1, True),
}


def load_stump_image(name):
    """Load one of the STUMP paper's input images, prepared as in the paper.

    The PNG is cropped, one channel is taken, optionally negated, then normalised to
    [0, 255] (``f -= f.min(); f /= f.max(); f *= 255``):

    ========  ======================  =======  =======  ========
    name      crop                    channel  negated  shape
    ========  ======================  =======  =======  ========
    blobs     ``[:256, :256]``        0        yes      256x256
    circle    ``[0:210, 0:210]``      1        no       210x210
    wells     ``[20:330, 20:330]``    1        yes      310x310
    ========  ======================  =======  =======  ========

    Parameters
    ----------
    name : {"blobs", "circle", "wells"}

    Returns
    -------
    image : ndarray of float64
        The prepared image; the 8-bit source makes it full of ties.

    References
    ----------
    .. [1] E. Solomon, A. Wagner, P. Bendich, "A Fast and Robust Method for Global
       Topological Functional Optimization", AISTATS 2021; images from the paper's
       reference code (MIT license).

    Examples
    --------
    >>> from sktopo.datasets import load_stump_image
    >>> f = load_stump_image("blobs")
    >>> f.shape, float(f.min()), float(f.max())
    ((256, 256), 0.0, 255.0)
    """
    from PIL import Image

    check_option(name, "name", sorted(_RECIPES))
    crop, channel, negate = _RECIPES[name]
    source = resources.files("sktopo.datasets").joinpath("data", "stump", f"{name}.png")
    with resources.as_file(source) as path, Image.open(path) as img:
        f = np.asarray(img)[crop + (channel,)].astype(np.float64)
    if negate:
        f = -f
    f -= f.min()
    f /= f.max()
    return f * 255
