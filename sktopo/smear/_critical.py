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
from numbers import Integral, Real

import numpy as np

from ..functionals._matching import diagram_matching
from ..persistence import cubical_persistence
from ..utils._sklearn_compat import Interval, StrOptions
from ..utils._validation import CONSTRAINTS, check_memory, check_values, validate_params
from ._pooling import (MEASURES, SIMPLEX_SAMPLINGS, block_pool, check_block_size,
                       sample_block_weights)
from ._random import as_generator

__all__ = ["CriticalSmear", "critical_smear", "sliced_matching_weights"]

# approximates of one smear (each costs a pooling and a persistence: about 1 ms)
_MAX_SAMPLES = 50_000
# approximates times pixels: about a minute of work (1000 approximates of 360 x 360)
_MAX_WORK = 2 ** 27
_MAX_DIRECTIONS = 10_000
_N_DIRECTIONS = [Interval(Integral, 1, _MAX_DIRECTIONS, closed="both")]


def _check_diagram(D, name, min_points):
    D = check_values(D, name, ndim=(2,), min_size=0)
    if D.shape[1:] != (2,) or len(D) < min_points:
        raise ValueError(f"The {name!r} parameter must be a finite diagram of shape (n, 2) "
                         f"with n >= {min_points}, got shape {D.shape}.")
    return D


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


@validate_params({"A": ["array-like"], "B": ["array-like"],
                  "index": [Interval(Integral, 0, None, closed="left")],
                  "n_directions": _N_DIRECTIONS})
def sliced_matching_weights(A, B, index, n_directions=20):
    """How much of point ``A[index]`` each point of ``B`` inherits by sliced matching.

    Parameters
    ----------
    A, B : ndarray of shape (n, 2) and (m, 2)
        Finite diagrams.
    index : int
        The point of ``A`` whose gradient is transferred, in ``[0, n)``.
    n_directions : int, default=20
        Number of projection directions, angles evenly spaced in ``[-pi/2, pi/2)``; at
        most 10_000.

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
    index, n_directions = int(index), int(n_directions)
    A = _check_diagram(A, "A", 1)
    B = _check_diagram(B, "B", 0)
    if index >= len(A):
        raise ValueError(f"The 'index' parameter must be in [0, {len(A)}) (a point of A), "
                         f"got {index}.")
    check_memory(32.0 * (len(A) + len(B)) * n_directions, "the sliced matching",
                 "use fewer 'n_directions'")
    m = len(B)
    # projections on the diagonal, (b + d) / 2 without overflow
    diag_a = np.repeat(A[:, :1] / 2 + A[:, 1:] / 2, 2, axis=1)
    diag_b = np.repeat(B[:, :1] / 2 + B[:, 1:] / 2, 2, axis=1)
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


@validate_params({
    "X": ["array-like"], "point": [Interval(Integral, 0, None, closed="left"), None],
    "homology_dimension": [Interval(Integral, 0, 1, closed="both")],
    "block_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
    "measure": [StrOptions(set(MEASURES))],
    "simplex_sampling": [StrOptions(set(SIMPLEX_SAMPLINGS))],
    "eps": [Interval(Real, 0, None, closed="left")],
    "n_samples": [Interval(Integral, 1, _MAX_SAMPLES, closed="both")],
    "matching": [StrOptions({"sliced", "exact"})], "n_directions": _N_DIRECTIONS,
    "superlevel": CONSTRAINTS["superlevel"], "connectivity": [StrOptions({"full", "face"})],
    "random_state": CONSTRAINTS["random_state"]})
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
    homology_dimension : {0, 1}, default=0
    block_size : int or tuple of int, default=5
        Pooling blocks of the approximates.
    measure : {"center", "vertex", "simplex"}, default="simplex"
    simplex_sampling : {"normalized_uniform", "dirichlet"}, default="normalized_uniform"
    eps : float, default=50
        Uniform noise half-width added per pixel before pooling.
    n_samples : int, default=1000
        Number of approximates, at most 50_000 (each costs a pooling and a persistence
        computation); ``n_samples * X.size`` is at most ``2**27``.
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
    n_samples, dim = int(n_samples), int(homology_dimension)
    if n_samples * X.size > _MAX_WORK:
        raise ValueError(f"The 'n_samples' parameter ({n_samples}) times the {X.size} "
                         f"pixels of X exceeds {_MAX_WORK}: use fewer samples or a "
                         "smaller image.")
    if np.abs(X).max() > np.finfo(np.float64).max - eps:
        raise ValueError("X + noise overflows the float64 range: rescale X or use a "
                         "smaller 'eps'.")
    original = cubical_persistence(X, dim, superlevel=superlevel,
                                   connectivity=connectivity)[dim].finite()
    if len(original) == 0:
        raise ValueError("The diagram of X in this homology dimension has no finite point.")
    if point is None:
        point = int(np.argmax(original.lifetimes))
    elif not 0 <= (point := int(point)) < len(original):
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
