r"""Critical smears: a stable picture of where a diagram point is born and dies (Sec. IV-A).

One point of the diagram of the original image gets a unit gradient on its birth (and,
separately, on its death). Many approximates ``(f + h)_omega`` are drawn (noise, then
block pooling); each approximate's diagram is matched to the original diagram, the
points matched to the chosen one inherit its gradient, which is pulled back through the
approximate's pairing (its critical block) and through the pooling weights to the pixels.
The average over the approximates is a heat map over the pixels: a fuzzy assignment of
critical pixels to the point, stable where the single critical pixel is not.

Matchings: ``"sliced"``, the sliced Wasserstein matching of Carriere, Cuturi and Oudot
(each diagram augmented with the diagonal projections of the other's points, both
projected on ``n_directions`` lines through the origin with angles evenly spaced in
``[-pi/2, pi/2)``, sorted, and matched by rank; every direction carries ``1 /
n_directions`` of the gradient), or ``"exact"``, the optimal partial matching for the
2-Wasserstein distance (POT).
"""

from dataclasses import dataclass

import numpy as np

from ..functionals._matching import diagram_matching
from ..persistence import cubical_persistence
from ..utils._validation import check_option, check_scalar, check_values
from ._pooling import (MEASURES, SIMPLEX_SAMPLINGS, block_pool, check_block_size,
                       sample_block_weights)
from ._random import as_generator

__all__ = ["CriticalSmear", "critical_smear", "sliced_matching_weights"]


@dataclass(eq=False)
class CriticalSmear:
    """Birth and death heat maps of one diagram point (see :func:`critical_smear`).

    Attributes
    ----------
    birth : ndarray of the image shape
        Average pulled-back unit gradient of the point's birth (sums to at most 1).
    death : ndarray of the image shape
        Same for its death.
    point : tuple of (float, float)
        The (birth, death) of the chosen point in the original diagram.
    birth_pixel, death_pixel : int
        Its critical pixels in the original image (C-order flat indices).
    n_samples : int
        Number of approximates averaged.
    """

    birth: np.ndarray
    death: np.ndarray
    point: tuple
    birth_pixel: int
    death_pixel: int
    n_samples: int


def sliced_matching_weights(A, B, index, n_directions=20):
    """How much of point ``A[index]`` each point of ``B`` inherits by sliced matching.

    Parameters
    ----------
    A, B : ndarray of shape (n, 2) and (m, 2)
        Finite diagrams.
    index : int
        The point of ``A`` whose gradient is transferred.
    n_directions : int, default=20
        Number of projection directions, angles evenly spaced in ``[-pi/2, pi/2)``.

    Returns
    -------
    weights : ndarray of shape (m,)
        Fraction of the directions in which ``A[index]`` is matched to ``B[j]`` (the
        rest goes to the diagonal).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import sliced_matching_weights
    >>> A = np.array([[0.0, 10.0], [1.0, 2.0]])
    >>> B = np.array([[0.5, 9.0]])
    >>> sliced_matching_weights(A, B, 0)
    array([0.95])
    """
    m = len(B)
    diag_a = np.repeat(A.mean(axis=1, keepdims=True), 2, axis=1)   # projections of A
    diag_b = np.repeat(B.mean(axis=1, keepdims=True), 2, axis=1)
    left = np.concatenate([A, diag_b])          # A plus the diagonal points of B
    right = np.concatenate([B, diag_a])
    angles = -np.pi / 2 + np.pi * np.arange(n_directions) / n_directions
    directions = np.stack([np.cos(angles), np.sin(angles)])           # (2, M)
    rank_left = np.argsort(np.argsort(left @ directions, axis=0, kind="stable"), axis=0,
                           kind="stable")
    order_right = np.argsort(right @ directions, axis=0, kind="stable")
    partner = order_right[rank_left[index], np.arange(n_directions)]  # (M,)
    partner = partner[partner < m]
    return np.bincount(partner, minlength=m) / n_directions


def critical_smear(X, point=None, *, homology_dimension=0, block_size=5, measure="simplex",
                   simplex_sampling="normalized_uniform", eps=50.0, n_samples=1000,
                   matching="sliced", n_directions=20, superlevel=False,
                   connectivity="full", random_state=None):
    """Birth and death heat maps of one diagram point over the pixels (STUMP Sec. IV-A).

    Parameters
    ----------
    X : array-like of shape (height, width)
        The image.
    point : int, default=None
        Index of the point in the finite part of ``cubical_persistence(X)[dim]``
        (in that diagram's order); None takes the most persistent finite point.
    homology_dimension : int, default=0
    block_size : int or tuple of int, default=5
        Pooling blocks of the approximates.
    measure : {"center", "vertex", "simplex"}, default="simplex"
    simplex_sampling : {"normalized_uniform", "dirichlet"}, default="normalized_uniform"
    eps : float, default=50
        Uniform noise half-width added per pixel before pooling.
    n_samples : int, default=1000
        Number of approximates.
    matching : {"sliced", "exact"}, default="sliced"
        Gradient transfer between the original and an approximate's diagram.
    n_directions : int, default=20
        Directions of the sliced matching (the paper uses 20).
    superlevel : bool, default=False
    connectivity : {"full", "face"}, default="full"
    random_state : int, RandomState, Generator or None, default=None

    Returns
    -------
    smear : CriticalSmear
        ``birth`` and ``death`` maps of the image shape, and the chosen point.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.smear import critical_smear
    >>> yy, xx = np.mgrid[:20, :20]
    >>> X = np.minimum((yy - 5) ** 2 + (xx - 5) ** 2, (yy - 14) ** 2 + (xx - 14) ** 2)
    >>> smear = critical_smear(X, block_size=2, eps=1.0, n_samples=20, random_state=0)
    >>> smear.point
    (0.0, 32.0)
    >>> bool(smear.death.sum() > 0.5), smear.death.shape
    (True, (20, 20))
    """
    X = check_values(X, "X", ndim=(2,))
    sizes = check_block_size(block_size, X.shape)
    check_option(measure, "measure", MEASURES)
    check_option(simplex_sampling, "simplex_sampling", SIMPLEX_SAMPLINGS)
    check_option(matching, "matching", ("sliced", "exact"))
    check_scalar(eps, "eps", low=0)
    check_scalar(n_samples, "n_samples", low=1, integer=True)
    check_scalar(n_directions, "n_directions", low=1, integer=True)
    dim = homology_dimension
    original = cubical_persistence(X, dim, superlevel=superlevel,
                                   connectivity=connectivity)[dim].finite()
    if len(original) == 0:
        raise ValueError("The diagram of X in this homology dimension has no finite point.")
    if point is None:
        point = int(np.argmax(original.lifetimes))
    elif not 0 <= point < len(original):
        raise ValueError(f"The 'point' parameter must be in [0, {len(original)}), got "
                         f"{point}.")
    A = original.to_array()
    rng = as_generator(random_state)
    birth_map = np.zeros(X.shape)
    death_map = np.zeros(X.shape)
    pooled_grid = tuple(-(-n // k) for n, k in zip(X.shape, sizes))
    for _ in range(n_samples):
        w = sample_block_weights(X.shape, sizes, measure, simplex_sampling=simplex_sampling,
                                 random_state=rng)
        noisy = X + rng.uniform(-eps, eps, X.shape) if eps > 0 else X
        g = block_pool(noisy, sizes, w)
        approx = cubical_persistence(g, dim, superlevel=superlevel,
                                     connectivity=connectivity)[dim].finite()
        if len(approx) == 0:
            continue
        B = approx.to_array()
        if matching == "sliced":
            share = sliced_matching_weights(A, B, point, n_directions)
        else:
            match = diagram_matching(A, B, 2.0)[1]
            share = np.zeros(len(B))
            if match[point] >= 0:
                share[match[point]] = 1.0
        # gradient on the pooled image: the inherited shares at the critical blocks,
        # pulled back through the pooling weights (block_pullback, written sparsely)
        gb = np.bincount(approx.birth_index, share, minlength=g.size).reshape(pooled_grid)
        gd = np.bincount(approx.death_index, share, minlength=g.size).reshape(pooled_grid)
        up = tuple(slice(0, n) for n in X.shape)
        birth_map += w * np.kron(gb, np.ones(sizes))[up]
        death_map += w * np.kron(gd, np.ones(sizes))[up]
    birth_map /= n_samples
    death_map /= n_samples
    return CriticalSmear(birth_map, death_map, (float(A[point, 0]), float(A[point, 1])),
                         int(original.birth_index[point]), int(original.death_index[point]),
                         n_samples)
