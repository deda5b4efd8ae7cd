r"""Topological simplification of images: ``simplify_image`` (the estimator,
:class:`~sktopo.TopoImageSimplifier`, is in ``_image_simplifier.py``).

References: E. Solomon, A. Wagner, P. Bendich, "A Fast and Robust Method for Global
Topological Functional Optimization", AISTATS 2021 (STUMP; the cell-membrane enhancement of
Sec. III); R. Bruel-Gabrielsson et al., "A Topology Layer for Machine Learning", AISTATS
2020 (Fig. 3: a noisy digit reduced to a single maximum).
"""

from collections.abc import Mapping
from numbers import Integral

import numpy as np

from ..functionals import BettiTarget, DiagramDistance, PersistenceNorm
from ..loss import TopologicalLoss
from ..optim import OptimizeResult, big_step_minimize, stump_minimize
from ..utils._validation import (check_homology_dimensions, check_option, check_scalar,
                                 check_values)

__all__ = ["simplify_image"]

_GOALS = ("simplify", "betti", "target", "enhance")
_SOLVERS = ("auto", "exact", "stump", "vanilla", "big_steps")
# the exact solver's methods (``simplify_function``'s ``method``)
_METHODS = ("flooding", "optimal")
# default threshold: this fraction of the value range (max - min) of each image
_DEFAULT_THRESHOLD = 0.1
# default refine_iter of "stump": this fraction of max_iter. Measured on the 256 x 256
# image of benchmarks/bench_transformers.py (15808 small bars, 200 steps): 2 x 2 pooling
# all along leaves 9192; pooling then 1/2 of the steps refining leaves 5, 3/4 leaves 0
# at a lower rms change than 1/2 (19 against 21); plain backpropagation leaves 1
# (rms 13) but its result is fragile: +-2 % noise brings 15 near-threshold bars back,
# against 1 after STUMP + refining
_DEFAULT_REFINE = 0.75


def _per_dim(value, dims, name):
    """A dict {dim: value} from one value or from a dict keyed by the dimensions."""
    if isinstance(value, Mapping):
        missing = [d for d in dims if d not in value]
        if missing:
            raise ValueError(f"The {name!r} parameter has no entry for homology dimension(s) "
                             f"{missing}.")
        return {d: value[d] for d in dims}
    return {d: value for d in dims}


def _check_dim_keys(dims, betti, target):
    for name, value in (("betti", betti), ("target", target)):
        extra = sorted(set(value) - set(dims)) if isinstance(value, Mapping) else []
        if extra:
            raise ValueError(f"The {name!r} parameter has entries for homology dimension(s) "
                             f"{extra} outside homology_dimensions={list(dims)}.")


def _functional(goal, dims, threshold, betti, target, p):
    """The diagram functional of each homology dimension for ``goal``."""
    if goal == "simplify":
        return {d: PersistenceNorm(p=p, max_persistence=threshold) for d in dims}
    if goal == "enhance":
        return {d: -PersistenceNorm(p=p, min_persistence=threshold) for d in dims}
    if goal == "betti":
        ks = _per_dim(betti, dims, "betti")
        for k in ks.values():
            check_scalar(k, "betti", low=0, integer=True)
        return {d: BettiTarget(k=ks[d], p=max(p, 1), min_persistence=threshold)
                for d in dims}
    if target is None:
        raise ValueError("The 'target' parameter is required by goal='target'.")
    targets = _per_dim(target, dims, "target")
    return {d: DiagramDistance(targets[d], p=max(p, 1)) for d in dims}


def _clip_block(block_size, shape):
    """Block sizes clipped to the image (a 2 x 2 block on a 1-pixel-wide axis is 1)."""
    if isinstance(block_size, (Integral, np.integer)) and not isinstance(block_size, bool):
        sizes = (int(block_size),) * len(shape)
    else:
        sizes = tuple(block_size)
        if len(sizes) != len(shape):
            raise ValueError(f"The 'block_size' parameter must be an int or {len(shape)} ints "
                             f"(one per axis), got {block_size!r}.")
    return tuple(min(int(k), n) if k >= 1 else k for k, n in zip(sizes, shape))


def simplify_image(image, goal="simplify", *, threshold=None, homology_dimensions=0,
                   betti=1, target=None, superlevel=False, connectivity="full", p=1,
                   gradient="both", fidelity="mse", fidelity_weight=None, solver="auto",
                   method="flooding", block_size=2, measure="simplex", eps=0.0,
                   learning_rate=None, max_iter=200, tol=None, random_state=None,
                   callback=None, verbose=0, refine_iter=None, prefetch="auto", bounds=None):
    r"""Change an image so that its persistence diagrams meet a topological goal.

    Minimizes, with Adam,

    .. math::

        (1 - w) \, \Phi(\mathrm{PD}(x)) + w \, F(x, x_0)

    where :math:`\Phi` is given by ``goal`` on the diagrams of the sub- (or super-) level
    filtration of the image in ``homology_dimensions``, :math:`F` the fidelity to the input
    :math:`x_0` and :math:`w` its weight. With ``solver="stump"`` every step evaluates
    :math:`\Phi` on a random approximate of the image (block pooling with random convex
    weights and uniform noise, see :func:`~sktopo.stump_minimize`) and the last
    ``refine_iter`` steps on the image itself (so that features smaller than a block go
    too), with ``solver="vanilla"`` every step on the image itself.

    Goals (``b``, ``d`` a point's birth and death, :math:`\ell = |d - b|` its lifetime,
    :math:`t` the ``threshold``):

    - ``"simplify"``: :math:`\sum_{\ell \le t} \ell^p`, removes the features shorter than
      the threshold (topological denoising);
    - ``"betti"``: keep the ``betti`` most persistent features per dimension (essential
      ones included) and remove the others (:class:`~sktopo.functionals.BettiTarget`;
      with a ``threshold``, the kept ones are also pushed above it);
    - ``"target"``: the ``p``-Wasserstein distance to ``target``
      (:class:`~sktopo.functionals.DiagramDistance`);
    - ``"enhance"``: :math:`-\sum_{\ell > t} \ell^p`, raises the persistence of the
      features above the threshold (the STUMP paper's cell membranes).

    Parameters
    ----------
    image : array-like of shape (n,), (height, width) or (height, width, depth)
        A signal, image or volume; never modified.
    goal : {"simplify", "betti", "target", "enhance"}, default="simplify"
        The topological term, see above.
    threshold : float, default=None
        Lifetime threshold of ``"simplify"``, ``"enhance"`` (and ``"betti"``), in the units
        of the image values, >= 0. None means 10 % of the value range (max - min) of the
        image for ``"simplify"`` and ``"enhance"``, and no threshold for ``"betti"``.
    homology_dimensions : int or sequence of int, default=0
        Dimensions the goal applies to (0 components, 1 loops, 2 cavities).
    betti : int or dict of {int: int}, default=1
        Number of features kept by ``"betti"``, one for all dimensions or one per dimension.
    target : Diagram, array-like of shape (n_points, 2) or dict, default=None
        Target diagram of ``"target"`` (one for all dimensions or a dict per dimension).
    superlevel : bool, default=False
        Superlevel filtration (bright structures on a dark background, e.g. digits).
    connectivity : {"full", "face"}, default="full"
        Cubical complex construction, see :func:`~sktopo.persistence.cubical_persistence`.
    p : float, default=1
        Power of the lifetimes (order of the distance for ``"target"``).
    gradient : {"both", "birth", "death"}, default="both"
        Which critical pixels move (the STUMP paper moves one side only).
    fidelity : {"mse", "bce"}, default="mse"
        Fidelity term; ``"bce"`` needs an image with values in [0, 1].
    fidelity_weight : float in [0, 1], default=None
        Weight :math:`w` of the fidelity term. None means ``1 / image.size`` (the STUMP
        paper's balance: the topological gradient is sparse, the fidelity's is dense).
    solver : {"auto", "exact", "stump", "vanilla", "big_steps"}, default="auto"
        ``"exact"``: :func:`sktopo.simplification.simplify_function` (goals
        ``"simplify"`` and ``"betti"``: every feature below the threshold, or beyond the
        ``betti`` kept, is removed, with a change below the threshold; an integer image
        stays integer-valued; H1 of a volume goes to STUMP first); ``"stump"``: STUMP
        (pooled, noisy approximates); ``"vanilla"``: plain topological backpropagation;
        ``"big_steps"``: critical sets moved to their targets at once
        (:func:`sktopo.optim.big_step_minimize`: ``"target"`` moves every point to its
        matched target point, ``"enhance"`` takes steps of ``learning_rate`` on the
        diagram; no fidelity term, ``max_iter`` big steps). ``"auto"``: ``"exact"`` for
        ``"simplify"`` and ``"betti"``, ``"stump"`` for ``"target"`` and ``"enhance"``.
        The gradient parameters (``p`` to ``bounds``) apply to the gradient solvers only.
    method : {"flooding", "optimal"}, default="flooding"
        The exact solver's method (the ``method`` of
        :func:`~sktopo.simplification.simplify_function`): ``"flooding"`` changes a pixel
        by less than the threshold; ``"optimal"`` by at most half of it, the least
        possible change, 10 to 300 times slower (see the user guide). Ignored by the
        gradient solvers.
    block_size : int or tuple of int, default=2
        Pooling blocks of ``"stump"``, clipped to the image shape.
    measure : {"center", "vertex", "simplex"}, default="simplex"
        Weights of a block in ``"stump"``.
    eps : float, default=0
        Half-width of the uniform noise of ``"stump"`` (image units), >= 0.
    learning_rate : float, default=None
        Adam's learning rate, in image units (a pixel moves by about this much per step).
        None means 1 % of the value range (max - min) of the image (1e-2 for a constant
        image); the STUMP paper uses 0.05 on images in [0, 255].
    max_iter : int, default=200
        Number of Adam steps.
    tol : float, default=None
        Loss-based stopping rule of :func:`~sktopo.stump_minimize`; None runs ``max_iter``
        steps.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the approximates; the same value gives the same result.
    callback : callable, default=None
        ``callback(intermediate_result)`` after every step, see
        :func:`~sktopo.stump_minimize`.
    verbose : int, default=0
        > 0 prints progress lines (the exact solver: those of
        :func:`~sktopo.simplification.simplify_function`).
    refine_iter : int, default=None
        Final steps of ``"stump"`` taken on the image itself (no pooling, no noise), out
        of ``max_iter``: the pooled approximates do not see the features smaller than a
        block. None means 3/4 of ``max_iter``; 0 smears every step.
    prefetch : bool or "auto", default="auto"
        Prepare the next approximate in a worker thread (see
        :func:`~sktopo.stump_minimize`); the result is the same either way.
    bounds : (low, high), "image" or None, default=None
        Keep the pixel values in ``[low, high]`` (clipped after every Adam step, see
        :func:`~sktopo.stump_minimize`; None for either end: no bound); ``"image"``: the
        value range of the image itself, so that e.g. an 8-bit image stays in its range.
        None: no bounds.

    Returns
    -------
    result : OptimizeResult
        ``x`` is the simplified image (float64, the shape of ``image``); ``fun``,
        ``loss_curve``, ``n_iter``, ``step_times`` describe the run.

    See Also
    --------
    TopoImageSimplifier : the same on a batch of images, as a scikit-learn transformer.
    sktopo.stump_minimize : the optimizer.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.estimators import simplify_image
    >>> from sktopo.persistence import cubical_persistence
    >>> image = np.zeros((9, 9))
    >>> image[2, 2], image[6, 6], image[2, 6] = 10.0, 9.0, 0.5     # two peaks and a speck
    >>> res = simplify_image(image, threshold=1.0, superlevel=True, solver="vanilla",
    ...                      max_iter=100)
    >>> dgm = cubical_persistence(res.x, 0, superlevel=True)[0]
    >>> np.sort(dgm.lifetimes).round(2).tolist()   # the speck is gone, the peaks remain
    [9.0, inf]
    """
    check_option(goal, "goal", _GOALS)
    check_option(solver, "solver", _SOLVERS)
    check_option(method, "method", _METHODS)
    solver = _resolve_solver(solver, goal)
    x0 = check_values(image, "image", ndim=(1, 2, 3))
    dims = check_homology_dimensions(homology_dimensions, x0.ndim - 1)
    _check_dim_keys(dims, betti, target)
    check_scalar(p, "p", low=0, include_low=False)
    value_range = float(np.ptp(x0))
    if threshold is None:
        if goal in ("simplify", "enhance"):
            threshold = _DEFAULT_THRESHOLD * value_range
    else:
        check_scalar(threshold, "threshold", low=0)
    if solver == "exact":
        return _exact(image, x0, goal, dims, threshold, betti, superlevel, connectivity,
                      method, verbose, dict(p=p, gradient=gradient, fidelity=fidelity,
                           fidelity_weight=fidelity_weight, block_size=block_size,
                           measure=measure, eps=eps, learning_rate=learning_rate,
                           max_iter=max_iter, tol=tol, random_state=random_state,
                           callback=callback, verbose=verbose, refine_iter=refine_iter,
                           prefetch=prefetch, bounds=bounds))
    if learning_rate is None:
        learning_rate = 0.01 * value_range if value_range > 0 else 0.01
    if fidelity_weight is None:
        fidelity_weight = 1.0 / x0.size
    check_scalar(fidelity_weight, "fidelity_weight", low=0, high=1)
    functional = _functional(goal, dims, threshold, betti, target, p)
    loss = TopologicalLoss(functional, superlevel=superlevel, connectivity=connectivity,
                           gradient=gradient)
    if solver == "big_steps":
        return big_step_minimize(loss, x0, max_iter=max_iter, learning_rate=learning_rate,
                                 callback=callback, verbose=verbose)
    if solver == "vanilla":
        block_size, eps, refine_iter = 1, 0.0, 0
    elif refine_iter is None:
        check_scalar(max_iter, "max_iter", low=1, integer=True)
        refine_iter = int(_DEFAULT_REFINE * max_iter)
    block_size = _clip_block(block_size, x0.shape)
    return stump_minimize(loss, x0, alpha=1.0 - fidelity_weight, fidelity=fidelity,
                          block_size=block_size, measure=measure, eps=eps,
                          learning_rate=learning_rate, max_iter=max_iter, tol=tol,
                          random_state=random_state, callback=callback, verbose=verbose,
                          refine_iter=refine_iter, prefetch=prefetch,
                          bounds=_box(bounds, x0))


def _resolve_solver(solver, goal):
    """``"auto"``: exact simplification where it applies, STUMP elsewhere."""
    if solver == "auto":
        return "exact" if goal in ("simplify", "betti") else "stump"
    if solver == "exact" and goal not in ("simplify", "betti"):
        raise ValueError(f"The 'solver' parameter 'exact' removes features (goals "
                         f"'simplify' and 'betti'); goal={goal!r} needs 'stump' or "
                         "'vanilla'.")
    return solver


def _exact(image, x0, goal, dims, threshold, betti, superlevel, connectivity, method,
           verbose, gradient_kw):
    """``solver="exact"``: :func:`~sktopo.simplification.simplify_function` (its
    ``method``). H1 of a volume
    (saddle-saddle pairs) has no exact method: STUMP removes it first, then the exact pass
    removes the minima and maxima pairs (its result keeps no H0/H2 pair below the
    threshold; H1 only as well as STUMP did)."""
    from ..simplification import simplify_function

    n_kept = None
    if goal == "betti":
        n_kept = _per_dim(betti, dims, "betti")
        for k in n_kept.values():
            check_scalar(k, "betti", low=0, integer=True)
    raw = np.asarray(image)
    # integers stay integers (simplify_function's integer path)
    x = raw if raw.dtype.kind in "iub" else x0
    n_iter, curve = 0, np.empty(0)
    exact_dims = dims
    if x0.ndim == 3 and 1 in dims:
        res = simplify_image(x0, goal, threshold=threshold, homology_dimensions=(1,),
                             betti=betti, superlevel=superlevel, connectivity=connectivity,
                             solver="stump", **gradient_kw)
        x, n_iter, curve = res.x, res.n_iter, res.loss_curve
        exact_dims = tuple(d for d in dims if d != 1)
    if exact_dims and (threshold is not None or n_kept is not None):
        x, info = simplify_function(
            x, threshold, n_kept=None if n_kept is None else
            {d: n_kept[d] for d in exact_dims}, homology_dimensions=exact_dims,
            superlevel=superlevel, connectivity=connectivity, method=method,
            return_removed=True, verbose=verbose)
        n_iter += info.n_rounds
        message = (f"exact, {method}: {sum(len(info.pairs[d]) for d in exact_dims)} "
                   f"pair(s) removed in {info.n_rounds} pairing(s)")
    else:
        message = f"exact, {method}: nothing to remove"
    x = np.asarray(x, dtype=np.float64)
    return OptimizeResult(x=x, fun=0.0, n_iter=n_iter, loss_curve=curve, converged=True,
                          message=message)


def _box(bounds, x0):
    """The ``bounds`` of ``stump_minimize``: ``"image"`` is the value range of ``x0`` (no
    bounds for a constant image, which has no room to move in)."""
    if not isinstance(bounds, str):
        return bounds
    if bounds != "image":
        raise ValueError(f"The 'bounds' parameter must be None, a pair (low, high) or "
                         f"'image', got {bounds!r}.")
    low, high = float(x0.min()), float(x0.max())
    return (low, high) if low < high else None
