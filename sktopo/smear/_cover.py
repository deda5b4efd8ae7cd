r"""Pooling over a general cover given as a label array (superpixels), STUMP Sec. II-A.

Each label is an open set :math:`U_i` of the cover. The pooled function lives on the
nerve of the cover: one vertex per region, an edge between two regions when some of their
pixels are adjacent, and the flag (clique) complex of that region adjacency graph up to
triangles. Its persistence is the lower-star persistence of the pooled values
(:func:`~sktopo.persistence.lower_star_persistence` with :func:`cover_nerve`).
"""

import numpy as np

from .._backprop import scatter_to_values
from ..utils._validation import check_option, check_scalar, check_values
from ._pooling import MEASURES, SIMPLEX_SAMPLINGS
from ._random import as_generator

__all__ = ["LabelCover", "check_labels", "cover_nerve", "sample_cover_weights", "cover_pool",
           "cover_pullback"]


def check_labels(labels):
    """Return the labels relabelled to 0 .. n_regions - 1 (as an intp array) and n_regions."""
    arr = np.asarray(labels)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"The 'labels' parameter must hold integers, got dtype {arr.dtype}.")
    if arr.size == 0:
        raise ValueError("The 'labels' parameter must not be empty.")
    uniq, inverse = np.unique(arr.ravel(), return_inverse=True)
    return inverse.reshape(arr.shape).astype(np.intp), len(uniq)


def _adjacent_pairs(labels, connectivity):
    """Pairs of distinct labels of adjacent pixels (face or full connectivity)."""
    ndim = labels.ndim
    if connectivity == "face":
        offsets = [tuple(1 if a == i else 0 for a in range(ndim)) for i in range(ndim)]
    else:
        grid = np.stack(np.meshgrid(*[[-1, 0, 1]] * ndim, indexing="ij"), -1).reshape(-1, ndim)
        # half of the neighbourhood: the first non-zero offset is positive
        offsets = [tuple(o) for o in grid if any(o) and o[np.flatnonzero(o)[0]] > 0]
    pairs = []
    for off in offsets:
        src = tuple(slice(max(0, -o), n - max(0, o)) for o, n in zip(off, labels.shape))
        dst = tuple(slice(max(0, o), n - max(0, -o)) for o, n in zip(off, labels.shape))
        a, b = labels[src].ravel(), labels[dst].ravel()
        diff = a != b
        pairs.append(np.column_stack([np.minimum(a[diff], b[diff]),
                                      np.maximum(a[diff], b[diff])]))
    pairs = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.intp)
    return np.unique(pairs, axis=0)


def cover_nerve(labels, connectivity="full", max_dim=2):
    """Simplices of the nerve of a label cover: region adjacency graph and its triangles.

    Parameters
    ----------
    labels : array-like of int
        Region of every pixel (any integers; relabelled to 0 .. n_regions - 1 in sorted
        order).
    connectivity : {"full", "face"}, default="full"
        Pixels touching at a corner (``"full"``) or through a face only are adjacent.
    max_dim : {1, 2}, default=2
        1: the graph only; 2: with the triangles of its flag complex (needed for H1).

    Returns
    -------
    simplices : list of tuple of int
        The edges (pairs), then the triangles (triples, only when ``max_dim == 2``),
        sorted; vertex ids are the relabelled regions. Ready for
        :func:`~sktopo.persistence.lower_star_persistence`.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import cover_nerve
    >>> labels = np.array([[0, 0, 1],
    ...                    [2, 2, 1]])
    >>> cover_nerve(labels)
    [(0, 1), (0, 2), (1, 2), (0, 1, 2)]
    """
    labels, n = check_labels(labels)
    check_option(connectivity, "connectivity", ("full", "face"))
    if max_dim not in (1, 2):
        raise ValueError(f"The 'max_dim' parameter must be 1 or 2, got {max_dim!r}.")
    edges = _adjacent_pairs(labels, connectivity).astype(np.intp)
    if max_dim == 1:
        return [tuple(e) for e in edges.tolist()]
    neighbours = [set() for _ in range(n)]
    for i, j in edges.tolist():
        neighbours[i].add(j)
    triangles = [(i, j, k) for i, j in edges.tolist()
                 for k in sorted(neighbours[i] & neighbours[j])]
    return [tuple(e) for e in edges.tolist()] + triangles


def sample_cover_weights(labels, measure="simplex", *, simplex_sampling="normalized_uniform",
                         random_state=None):
    """Draw per-pixel weights, a convex combination over every region of ``labels``.

    Same measures as :func:`~sktopo.smear.sample_block_weights`.

    Returns
    -------
    weights : ndarray of float64 of the shape of ``labels``

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import sample_cover_weights
    >>> sample_cover_weights(np.array([[0, 0, 1]]), "center")
    array([[0.5, 0.5, 1. ]])
    """
    labels, n = check_labels(labels)
    check_option(measure, "measure", MEASURES)
    check_option(simplex_sampling, "simplex_sampling", SIMPLEX_SAMPLINGS)
    flat = labels.ravel()
    counts = np.bincount(flat, minlength=n).astype(np.float64)
    if measure == "center":
        return (1.0 / counts[flat]).reshape(labels.shape)
    rng = as_generator(random_state)
    if measure == "vertex":
        # a random key per pixel; each region keeps its pixel of smallest key
        keys = rng.random(flat.size)
        order = np.lexsort((keys, flat))
        first = np.r_[True, flat[order][1:] != flat[order][:-1]]
        weights = np.zeros(flat.size)
        weights[order[first]] = 1.0
        return weights.reshape(labels.shape)
    u = rng.standard_exponential(flat.size) if simplex_sampling == "dirichlet" else rng.random(
        flat.size)
    return (u / np.bincount(flat, weights=u, minlength=n)[flat]).reshape(labels.shape)


def cover_pool(X, labels, weights=None):
    """Pooled values of ``X`` over the regions: ``sum over v in U_i of weights[v] X[v]``.

    Parameters
    ----------
    X : array-like
        The image.
    labels : array-like of int of the shape of X
        The cover.
    weights : array-like of the shape of X, default=None
        Per-pixel weights; None means the region averages.

    Returns
    -------
    values : ndarray of shape (n_regions,)
        One value per (relabelled) region: a function on the vertices of
        :func:`cover_nerve`.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import cover_pool
    >>> cover_pool(np.array([[1., 3., 5.]]), np.array([[7, 7, 2]]))
    array([5., 2.])
    """
    X = check_values(X, "X")
    labels, n = check_labels(labels)
    if labels.shape != X.shape:
        raise ValueError(f"The 'labels' parameter must have the shape of X {X.shape}, got "
                         f"{labels.shape}.")
    if weights is None:
        weights = sample_cover_weights(labels, "center")
    weights = check_values(weights, "weights")
    if weights.shape != X.shape:
        raise ValueError(f"The 'weights' parameter must have the shape of X {X.shape}, got "
                         f"{weights.shape}.")
    return np.bincount(labels.ravel(), weights=(weights * X).ravel(), minlength=n)


def cover_pullback(grad, labels, weights=None):
    """Adjoint of :func:`cover_pool`: ``out[v] = weights[v] * grad[label(v)]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import cover_pullback
    >>> cover_pullback(np.array([2., 1.]), np.array([[0, 0, 1]]))
    array([[1., 1., 1.]])
    """
    labels, n = check_labels(labels)
    grad = check_values(grad, "grad", ndim=(1,))
    if grad.size != n:
        raise ValueError(f"The 'grad' parameter must have one value per region ({n}), got "
                         f"{grad.size}.")
    if weights is None:
        weights = sample_cover_weights(labels, "center")
    weights = check_values(weights, "weights")
    return weights * grad[labels]


class LabelCover:
    """Random pooling over a label cover: a sampler of approximates (STUMP, Sec. II-A).

    Each draw adds uniform noise in ``[-eps, eps]`` to every pixel and pools the regions
    of ``labels`` with random convex weights (:func:`sample_cover_weights`); the
    approximate is a function on the vertices of the cover's nerve (:attr:`nerve`, whose
    lower-star persistence :func:`~sktopo.stump_minimize` evaluates).

    Parameters
    ----------
    labels : array-like of int
        The region of every pixel (the shape of the images).
    measure : {"center", "vertex", "simplex"}, default="simplex"
    eps : float, default=0
        Half-width of the uniform noise, >= 0.
    simplex_sampling : {"normalized_uniform", "dirichlet"}, default="normalized_uniform"
    connectivity : {"full", "face"}, default="full"
        Adjacency of the regions (see :func:`cover_nerve`).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import LabelCover
    >>> cover = LabelCover(np.array([[0, 0, 1]]), "center")
    >>> values, draw = cover.sample(np.array([[1.0, 3.0, 5.0]]), random_state=0)
    >>> values
    array([2., 5.])
    >>> cover.pullback(np.array([2.0, 1.0]), draw)
    array([[1., 1., 1.]])
    """

    def __init__(self, labels, measure="simplex", *, eps=0.0,
                 simplex_sampling="normalized_uniform", connectivity="full"):
        self.labels = labels
        self.measure = measure
        self.eps = eps
        self.simplex_sampling = simplex_sampling
        self.connectivity = connectivity

    def _setup(self):
        """Validate once; the relabelled regions and their members (cached)."""
        cache = getattr(self, "_cache", None)
        if cache is not None and cache[0] is self.labels:
            return cache[1]
        check_option(self.measure, "measure", MEASURES)
        check_option(self.simplex_sampling, "simplex_sampling", SIMPLEX_SAMPLINGS)
        check_option(self.connectivity, "connectivity", ("full", "face"))
        check_scalar(self.eps, "eps", low=0)
        labels, n = check_labels(self.labels)
        flat = labels.ravel()
        order = np.argsort(flat, kind="stable")
        count = np.bincount(flat, minlength=n)
        members = np.split(order, np.cumsum(count)[:-1])
        setup = (labels, flat, n, members, count.astype(np.float64))
        self._cache = (self.labels, setup)
        return setup

    @property
    def nerve(self):
        """The simplices of the nerve of the cover (see :func:`cover_nerve`)."""
        return cover_nerve(self._setup()[0], self.connectivity)

    def sample(self, x, random_state=None):
        """Draw one approximate of ``x``: one value per region; returns it and the draw
        (the pixels' weights)."""
        labels, flat, n, _, count = self._setup()
        x = check_values(x, "x")
        if x.shape != labels.shape:
            raise ValueError(f"The 'labels' parameter must have the shape of x {x.shape}, "
                             f"got {labels.shape}.")
        rng = as_generator(random_state)
        t = x.ravel()
        if self.eps > 0:
            t = t + rng.uniform(-self.eps, self.eps, t.shape)
        if self.measure == "center":
            w = 1.0 / count[flat]
        elif self.measure == "vertex":
            keys = rng.random(flat.size)
            order = np.lexsort((keys, flat))
            first = np.r_[True, flat[order][1:] != flat[order][:-1]]
            w = np.zeros(flat.size)
            w[order[first]] = 1.0
        else:
            u = (rng.standard_exponential(flat.size)
                 if self.simplex_sampling == "dirichlet" else rng.random(flat.size))
            w = u / np.bincount(flat, weights=u, minlength=n)[flat]
        return np.bincount(flat, weights=w * t, minlength=n), w

    def pullback(self, grad, draw):
        """The adjoint of the draw: a gradient on the regions (an array, or a sparse
        ``(indices, values)``) to one on the pixels (of the same kind)."""
        labels, _, n, members, _ = self._setup()
        if not isinstance(grad, tuple):
            return scatter_to_values(labels.size, *self.pullback(
                (np.arange(n), check_values(grad, "grad").ravel()), draw)).reshape(
                labels.shape)
        idx, vals = grad
        pix = [members[i] for i in idx]
        if not pix:
            return np.empty(0, dtype=np.intp), np.empty(0)
        lengths = [len(p) for p in pix]
        pix = np.concatenate(pix)
        return pix, draw[pix] * np.repeat(vals, lengths)
