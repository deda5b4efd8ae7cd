"""Scatter gradients on diagram points onto the cells of the input.

Each diagram point (b, d) has a critical cell for b and one for d; the value of a cell is
the input itself (a pixel or vertex value) or an edge length (point clouds). So the
gradient of a functional with respect to the input is a scatter-add of its gradient with
respect to the births and deaths:

    dL/dx[c] = sum over points with birth cell c of dL/db + same for deaths.
"""

import numpy as np

__all__ = ["edge_gradient", "scatter_to_values", "scatter_to_points"]


def scatter_to_values(size, index, grad):
    """Gradient on a flat array of ``size`` values; index -1 (essential deaths) is skipped."""
    valid = index >= 0
    if not valid.all():
        index, grad = index[valid], grad[valid]
    # astype: numpy's bincount of no values returns integers, even with weights
    return np.bincount(index, weights=grad, minlength=size).astype(np.float64, copy=False)


def edge_gradient(points, edges, grad):
    """Sparse gradient on the flat coordinates of ``points`` from a gradient on edge lengths.

    d |x_i - x_j| / d x_i = (x_i - x_j) / |x_i - x_j|, and the opposite for x_j; edges of
    length 0 (births of H0 classes, coincident points) get no gradient. Returns ``(idx,
    vals)``: flat indices into ``points`` (``i * n_dims + k``; they may repeat, their
    values add up) and values.
    """
    valid = (edges[:, 0] >= 0) & (edges[:, 0] != edges[:, 1]) & (grad != 0)
    edges, grad = edges[valid], grad[valid]
    diff = points[edges[:, 0]] - points[edges[:, 1]]
    # the unit vector diff / |diff|, from each row divided by its largest entry first: the
    # squares of coordinates beyond 1e154 (or below 1e-154) would overflow (underflow)
    top = np.abs(diff).max(axis=1) if len(diff) else np.zeros(0)
    diff /= np.where(top > 0, top, 1.0)[:, None]
    length = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    diff *= np.divide(grad, length, out=np.zeros_like(grad), where=length > 0)[:, None]
    dim = points.shape[1]
    cols = np.arange(dim)
    idx = np.concatenate([(edges[:, 0] * dim)[:, None] + cols,
                          (edges[:, 1] * dim)[:, None] + cols]).ravel()
    return idx.astype(np.intp, copy=False), np.concatenate([diff, -diff]).ravel()


def scatter_to_points(points, edges, grad):
    """Gradient on the coordinates of the points from a gradient on edge lengths (dense,
    of the shape of ``points``; see :func:`edge_gradient`)."""
    idx, vals = edge_gradient(points, edges, grad)
    return scatter_to_values(points.size, idx, vals).reshape(points.shape)
