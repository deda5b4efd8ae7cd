"""Critical smear plots: birth and death heat maps over an image."""

import numpy as np

from ._diagram import new_axes

__all__ = ["plot_critical_smear"]


def _overlay(heat, color):
    """An RGBA layer of one color whose opacity follows ``heat`` scaled to [0, 1]."""
    top = heat.max()
    alpha = heat / top if top > 0 else np.zeros_like(heat)
    rgba = np.zeros(heat.shape + (4,))
    rgba[..., :3] = color
    rgba[..., 3] = np.sqrt(alpha)            # sqrt: faint cells stay visible
    return rgba


def plot_critical_smear(image, smear, ax=None, *, title=None, cmap="gray",
                        birth_color=(0.9, 0.1, 0.1), death_color=(0.1, 0.3, 0.95),
                        show_critical_pixels=True):
    """Show the birth (red) and death (blue) maps of a critical smear over the image.

    Parameters
    ----------
    image : array-like of shape (height, width)
        The image the smear was computed on.
    smear : CriticalSmear
        The output of :func:`~sktopo.smear.critical_smear`.
    ax : matplotlib Axes, default=None
        Where to draw; None creates a new figure.
    title : str, default=None
    cmap : str, default="gray"
        Colormap of the image.
    birth_color, death_color : tuple of 3 floats
        Colors of the two heat maps (opacity follows the heat).
    show_critical_pixels : bool, default=True
        Mark the critical pixels of the point in the original image (x: birth, +: death).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import critical_smear
    >>> from sktopo.plotting import plot_critical_smear
    >>> yy, xx = np.mgrid[:12, :12]
    >>> X = np.minimum((yy - 3) ** 2 + (xx - 3) ** 2, (yy - 8) ** 2 + (xx - 8) ** 2)
    >>> smear = critical_smear(X, block_size=2, eps=1.0, n_samples=5, random_state=0)
    >>> ax = plot_critical_smear(X, smear)
    >>> len(ax.get_images())
    3
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or smear.birth.shape != image.shape:
        raise ValueError(f"The 'image' parameter must be 2-D of the smear's shape "
                         f"{smear.birth.shape}, got {image.shape}.")
    if ax is None:
        ax = new_axes((5, 5))
    ax.imshow(image, cmap=cmap)
    ax.imshow(_overlay(smear.birth, birth_color))
    ax.imshow(_overlay(smear.death, death_color))
    if show_critical_pixels:
        by, bx = np.unravel_index(smear.birth_pixel, image.shape)
        ax.scatter([bx], [by], marker="x", color=birth_color, s=40, label="birth pixel")
        if smear.death_pixel >= 0:
            dy, dx = np.unravel_index(smear.death_pixel, image.shape)
            ax.scatter([dx], [dy], marker="+", color=death_color, s=60, label="death pixel")
        ax.legend(loc="lower right", fontsize="small")
    ax.set_axis_off()
    b, d = smear.point
    ax.set_title(title if title is not None else f"critical smear of ({b:.3g}, {d:.3g})")
    return ax
