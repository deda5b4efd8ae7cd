"""Plots of optimization runs: loss curves, images before/after, moved point clouds."""

import numpy as np

from ._diagram import new_axes

__all__ = ["plot_loss_curve", "plot_image_change", "plot_point_cloud_change"]


def plot_loss_curve(results, ax=None, *, x="step", labels=None, relative=False,
                    title=None):
    """Plot the loss of one or several runs against the step or the wall time.

    Parameters
    ----------
    results : OptimizeResult, array-like or list of them
        Runs to overlay: :class:`~sktopo.optim.OptimizeResult` (``loss_curve`` and
        ``step_times``) or plain loss curves.
    ax : matplotlib Axes, default=None
        Where to draw; None creates a new figure.
    x : {"step", "time"}, default="step"
        Horizontal axis; ``"time"`` needs results with ``step_times``.
    labels : list of str, default=None
        Legend entries, one per run.
    relative : bool, default=False
        Plot ``loss / loss[0]`` (the loss reduction), to compare runs of different losses.
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sktopo.plotting import plot_loss_curve
    >>> ax = plot_loss_curve([[3.0, 2.0, 1.5], [3.0, 1.0, 0.5]], labels=["a", "b"])
    >>> len(ax.get_lines())
    2
    """
    if x not in ("step", "time"):
        raise ValueError(f"The 'x' parameter must be 'step' or 'time', got {x!r}.")
    if hasattr(results, "loss_curve") or (np.ndim(results) == 1 and len(results) and
                                          np.isscalar(results[0])):
        results = [results]
    if ax is None:
        ax = new_axes((5, 3.5))
    for k, res in enumerate(results):
        curve = np.asarray(getattr(res, "loss_curve", res), dtype=float)
        if x == "time":
            if not hasattr(res, "step_times"):
                raise ValueError("x='time' needs results with step_times (OptimizeResult).")
            xs = np.asarray(res.step_times)
        else:
            xs = np.arange(1, curve.size + 1)
        if relative and curve.size and curve[0] != 0:
            curve = curve / curve[0]
        label = labels[k] if labels is not None else None
        ax.plot(xs, curve, label=label)
    ax.set_xlabel("wall time (s)" if x == "time" else "step")
    ax.set_ylabel("loss / initial loss" if relative else "loss")
    if labels is not None:
        ax.legend()
    if title:
        ax.set_title(title)
    return ax


def plot_image_change(before, after, axes=None, *, cmap="gray", titles=None):
    """Show an image before and after optimization and their difference.

    Parameters
    ----------
    before, after : array-like of shape (height, width)
    axes : sequence of 3 matplotlib Axes, default=None
        Where to draw; None creates a new figure with three panels.
    cmap : str, default="gray"
        Colormap of the two images (the difference uses a diverging map centred at 0).
    titles : sequence of 3 str, default=None

    Returns
    -------
    axes : ndarray of 3 matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting import plot_image_change
    >>> axes = plot_image_change(np.zeros((4, 4)), np.eye(4))
    >>> [ax.get_title() for ax in axes]
    ['before', 'after', 'after - before']
    """
    before, after = np.asarray(before, float), np.asarray(after, float)
    if before.shape != after.shape or before.ndim != 2:
        raise ValueError("before and after must be 2-D images of the same shape, got "
                         f"{before.shape} and {after.shape}.")
    if axes is None:
        axes = new_axes((11, 3.6), ncols=3)
    axes = np.asarray(axes).ravel()
    titles = titles or ("before", "after", "after - before")
    vmin, vmax = min(before.min(), after.min()), max(before.max(), after.max())
    axes[0].imshow(before, cmap=cmap, vmin=vmin, vmax=vmax)
    axes[1].imshow(after, cmap=cmap, vmin=vmin, vmax=vmax)
    diff = after - before
    scale = np.abs(diff).max() or 1.0
    im = axes[2].imshow(diff, cmap="RdBu_r", vmin=-scale, vmax=scale)
    axes[2].figure.colorbar(im, ax=axes[2], fraction=0.046)
    for ax, t in zip(axes, titles):
        ax.set_title(t)
        ax.set_axis_off()
    return axes


def plot_point_cloud_change(before, after, ax=None, *, trajectories=None, title=None):
    """Show a 2-D point cloud before (grey) and after (blue) optimization.

    Parameters
    ----------
    before, after : array-like of shape (n_points, 2)
    ax : matplotlib Axes, default=None
    trajectories : array-like of shape (n_steps, n_points, 2), default=None
        Intermediate positions; drawn as thin lines. None draws a segment from each
        point's start to its end for the points that moved.
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.plotting import plot_point_cloud_change
    >>> ax = plot_point_cloud_change(np.zeros((3, 2)), np.ones((3, 2)))
    >>> len(ax.collections) >= 2
    True
    """
    from matplotlib.collections import LineCollection

    before, after = np.asarray(before, float), np.asarray(after, float)
    if before.shape != after.shape or before.ndim != 2 or before.shape[1] != 2:
        raise ValueError("before and after must be 2-D point clouds of shape "
                         f"(n_points, 2), got {before.shape} and {after.shape}.")
    if ax is None:
        ax = new_axes((4.5, 4.5))
    if trajectories is not None:
        paths = np.transpose(np.asarray(trajectories, float), (1, 0, 2))
    else:
        moved = np.linalg.norm(after - before, axis=1) > 0
        paths = np.stack([before[moved], after[moved]], axis=1)
    ax.add_collection(LineCollection(paths, colors="0.5", linewidths=0.6, alpha=0.7))
    ax.scatter(before[:, 0], before[:, 1], s=10, color="0.6", label="before")
    ax.scatter(after[:, 0], after[:, 1], s=10, color="tab:blue", label="after")
    ax.set_aspect("equal")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return ax


def save_figure(fig, name, folder=None):
    """Write a figure as PNG into an output folder and return its path.

    Parameters
    ----------
    fig : matplotlib Figure
    name : str
        File name, e.g. ``"stump_experiments.png"``.
    folder : str, default=None
        Output folder, created if needed; None means the ``SKTOPO_OUTPUT`` environment
        variable, or ``sktopo_output`` in the working directory.

    Returns
    -------
    path : str
        The absolute path written.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import os, tempfile
    >>> from sktopo.plotting import save_figure
    >>> fig, _ = plt.subplots()
    >>> path = save_figure(fig, "empty.png", folder=tempfile.mkdtemp())
    >>> os.path.basename(path), os.path.getsize(path) > 0
    ('empty.png', True)
    """
    import os

    folder = folder or os.environ.get("SKTOPO_OUTPUT", "sktopo_output")
    os.makedirs(folder, exist_ok=True)
    path = os.path.abspath(os.path.join(folder, name))
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return path
