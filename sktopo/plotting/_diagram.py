"""Persistence diagram plots."""

import numpy as np

__all__ = ["plot_diagram"]


def plot_diagram(diagrams, ax=None, *, region=None, title=None):
    """Plot persistence diagrams, essential points on a line above the finite ones.

    Parameters
    ----------
    diagrams : Diagram or dict of {int: Diagram}
        The diagrams, e.g. the output of :func:`~sktopo.persistence.cubical_persistence`.
    ax : matplotlib Axes, default=None
        Where to draw; None creates a new figure.
    region : PersistenceNorm, default=None
        Shade the birth/lifetime region a :class:`~sktopo.functionals.PersistenceNorm`
        counts (sublevel diagrams: above the diagonal).
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
    """
    import matplotlib.pyplot as plt

    if not isinstance(diagrams, dict):
        diagrams = {diagrams.dim: diagrams}
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    finite_values = np.concatenate(
        [np.concatenate([d.births, d.deaths[np.isfinite(d.deaths)]]) for d in
         diagrams.values()] + [np.zeros(0)])
    low, high = ((finite_values.min(), finite_values.max()) if finite_values.size
                 else (0.0, 1.0))
    pad = 0.05 * (high - low or 1.0)
    low, high = low - pad, high + pad
    inf_line = high + 2 * pad
    ax.plot([low, inf_line], [low, inf_line], color="0.6", lw=1)
    if region is not None:
        _shade_region(ax, region, low, inf_line)
    ax.axhline(inf_line, color="0.8", lw=1, ls="--")
    for dim, dgm in sorted(diagrams.items()):
        deaths = np.where(np.isinf(dgm.deaths), inf_line, dgm.deaths)
        ax.scatter(dgm.births, deaths, s=12, label=f"H{dim} ({len(dgm)})")
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.set_xlim(low, inf_line + pad)
    ax.set_ylim(low, inf_line + pad)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def _shade_region(ax, norm, low, high):
    """Shade {b in birth_range, min_persistence < d - b <= max_persistence}."""
    b_low, b_high = norm.birth_range if norm.birth_range is not None else (low, high)
    b = np.linspace(max(b_low, low), min(b_high, high), 200)
    lower = np.minimum(b + norm.min_persistence, high)
    upper = np.minimum(b + norm.max_persistence, high)
    ax.fill_between(b, lower, upper, color="tab:orange", alpha=0.15, lw=0,
                    label="functional's region")
