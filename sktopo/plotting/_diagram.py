"""Persistence diagram plots."""

import numpy as np

from ..persistence import check_diagrams

__all__ = ["plot_diagram"]


def new_axes(figsize, ncols=None):
    """A new figure with a layout engine (labels are not clipped without
    ``bbox_inches="tight"``) and its Axes (an array of ``ncols`` Axes if given)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols or 1, figsize=figsize, layout="constrained")
    return axes


def plot_diagram(diagrams, ax=None, *, region=None, title=None):
    """Plot persistence diagrams, essential points on a line beyond the finite ones.

    Essential points (death ``+inf``) are drawn on a dashed line above the finite points,
    labelled ``+inf``; in a superlevel diagram (deaths below births, essential deaths
    ``-inf``) the line is below them, labelled ``-inf``.

    Parameters
    ----------
    diagrams : Diagram, dict, array-like of shape (n_points, 2) or GUDHI list
        The diagrams, e.g. the output of :func:`~sktopo.persistence.cubical_persistence`,
        in any form :func:`~sktopo.persistence.check_diagrams` reads.
    ax : matplotlib Axes, default=None
        Where to draw; None creates a new figure (with a constrained layout).
    region : PersistenceNorm, default=None
        Shade the birth/lifetime region a :class:`~sktopo.functionals.PersistenceNorm`
        counts (above the diagonal; below it for superlevel diagrams).
    title : str, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.persistence import cubical_persistence
    >>> from sktopo.plotting import plot_diagram
    >>> ax = plot_diagram(cubical_persistence(np.random.default_rng(0).random((8, 8))))
    >>> ax.get_xlabel()
    'birth'
    >>> ax = plot_diagram(np.array([[0.0, np.inf], [0.2, 0.5]]))   # any diagram form
    >>> ax.get_legend().get_texts()[0].get_text()
    'essential, death +inf (1)'
    """
    diagrams = check_diagrams(diagrams)
    if ax is None:
        ax = new_axes((4, 4))
    finite_values = np.concatenate(
        [np.concatenate([d.births, d.deaths[np.isfinite(d.deaths)]]) for d in
         diagrams.values()] + [np.zeros(0)])
    low, high = ((finite_values.min(), finite_values.max()) if finite_values.size
                 else (0.0, 1.0))
    pad = 0.05 * (high - low or 1.0)
    low, high = low - pad, high + pad
    # essential points on a line beyond the finite ones: above (+inf), or below for a
    # superlevel diagram (-inf)
    superlevel = any(d.superlevel for d in diagrams.values())
    inf_line = low - 2 * pad if superlevel else high + 2 * pad
    lim = (inf_line - pad, high) if superlevel else (low, inf_line + pad)
    ax.plot(lim, lim, color="0.6", lw=1)
    if region is not None:
        _shade_region(ax, region, *lim, superlevel)
    n_essential = sum(int(d.essential.sum()) for d in diagrams.values())
    ax.axhline(inf_line, color="0.7", lw=1, ls="--",
               label=f"essential, death {'-' if superlevel else '+'}inf ({n_essential})")
    ax.text(0.01, inf_line, "-inf" if superlevel else "+inf", color="0.4",
            transform=ax.get_yaxis_transform(), va="top" if superlevel else "bottom")
    for dim, dgm in sorted(diagrams.items()):
        deaths = np.where(np.isinf(dgm.deaths), inf_line, dgm.deaths)
        ax.scatter(dgm.births, deaths, s=12, label=f"H{dim} ({len(dgm)})")
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.legend(loc="upper left" if superlevel else "lower right", fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def _shade_region(ax, norm, low, high, superlevel=False):
    """Shade {b in birth_range, min_persistence < |d - b| <= max_persistence}."""
    b_low, b_high = norm.birth_range if norm.birth_range is not None else (low, high)
    b = np.linspace(max(b_low, low), min(b_high, high), 200)
    if superlevel:            # below the diagonal
        lower = np.maximum(b - norm.max_persistence, low)
        upper = np.maximum(b - norm.min_persistence, low)
    else:
        lower = np.minimum(b + norm.min_persistence, high)
        upper = np.minimum(b + norm.max_persistence, high)
    ax.fill_between(b, lower, upper, color="tab:orange", alpha=0.15, lw=0,
                    label="functional's region")
