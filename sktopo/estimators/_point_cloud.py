r"""Topological optimization of point clouds: ``optimize_point_cloud`` and its batch
version (the estimator is in ``_point_cloud_optimizer.py``).

References: R. Bruel-Gabrielsson et al., "A Topology Layer for Machine Learning", AISTATS
2020 (Figs. 1-2: point clouds shaped by the energies E(p, q, i0)); "Regularizing persistent
homology gradient computation with a grouping term" (the grouping term tau(X), Eqs. 4-6);
E. Solomon, A. Wagner, P. Bendich, AISTATS 2021, Sec. IV-B (STUMP for point clouds: a
random subsample plus jitter per step).
"""

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from ..functionals import DiagramDistance, DiagramFunctional, PersistenceNorm, PolynomialEnergy
from ..functionals._matching import _target_points
from ..loss import TopologicalLoss
from ..optim import big_step_minimize, stump_minimize
from ..smear import GradientExtension
from ..penalties import GroupingPenalty
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._validation import (CONSTRAINTS, check_homology_dimensions, check_option,
                                 check_points)

__all__ = ["optimize_point_cloud", "optimize_point_clouds"]

_OBJECTIVES = ("energy", "norm", "target")
_FILTRATIONS = ("auto", "weak_alpha", "rips")
# "auto": weak alpha up to this dimension (its Delaunay graph is cheap there), Rips above
_MAX_WEAK_ALPHA_DIM = 3
_KERNELS = ("uniform", "gaussian")


def _functional(objective, dims, *, maximize, p, q, i0, min_persistence, max_persistence,
                target):
    """The diagram functional of each homology dimension (sign included)."""
    if target is not None:      # checked even when the objective does not use it
        for t in (target.values() if isinstance(target, Mapping) else [target]):
            _target_points(t)
    if isinstance(objective, DiagramFunctional):
        funcs = {d: objective for d in dims}
    elif isinstance(objective, Mapping):
        return dict(objective)
    else:
        check_option(objective, "objective", _OBJECTIVES)
        if objective == "energy":
            funcs = {d: PolynomialEnergy(p=p, q=q, i0=i0) for d in dims}
        elif objective == "norm":
            funcs = {d: PersistenceNorm(p=p, min_persistence=min_persistence,
                                        max_persistence=max_persistence) for d in dims}
        else:
            if target is None:
                raise ValueError("The 'target' parameter is required by "
                                 "objective='target'.")
            targets = target if isinstance(target, Mapping) else {d: target for d in dims}
            missing = [d for d in dims if d not in targets]
            if missing:
                raise ValueError(f"The 'target' parameter has no diagram for homology "
                                 f"dimension(s) {missing}.")
            funcs = {d: DiagramDistance(targets[d], p=max(p, 1)) for d in dims}
    if maximize:
        funcs = {d: -f for d, f in funcs.items()}
    return funcs


# the parameters of PointCloudTopoOptimizer, shared with optimize_point_cloud
POINT_CLOUD_CONSTRAINTS = {
    "objective": [StrOptions(set(_OBJECTIVES)), DiagramFunctional, dict],
    "homology_dimensions": [Interval(Integral, 0, None, closed="left"), tuple, list],
    "maximize": ["boolean"],
    "p": [Interval(Real, 0, None, closed="neither")],
    "q": [Real],
    "i0": [Interval(Integral, 1, None, closed="left")],
    "min_persistence": [Interval(Real, 0, None, closed="left")],
    "max_persistence": [Interval(Real, 0, None, closed="both")],
    "target": ["array-like", dict, None],
    "filtration": [StrOptions(set(_FILTRATIONS))],
    "max_edge_length": [Interval(Real, 0, None, closed="both")],
    "gradient": [StrOptions({"both", "birth", "death"})],
    "grouping": [Interval(Real, 0, None, closed="left")],
    "grouping_scale": [Interval(Real, 0, None, closed="neither")],
    "grouping_kernel": [StrOptions(set(_KERNELS))],
    "fidelity_weight": [Interval(Real, 0, 1, closed="left")],
    "subsample": [Interval(Integral, 1, None, closed="left"),
                  Interval(Real, 0, 1, closed="right")],
    "eps": [Interval(Real, 0, None, closed="left")],
    "solver": [StrOptions({"adam", "big_steps"})],
    "gradient_extension": [StrOptions({"none", "diffeo"})],
    "sigma": [Interval(Real, 0, None, closed="neither"), None],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left"), None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


@validate_params({**POINT_CLOUD_CONSTRAINTS, "X": ["array-like"], "callback": [callable, None],
                  "random_state": ["random_state", np.random.Generator]},
                 prefer_skip_nested_validation=True)
def optimize_point_cloud(X, objective="energy", *, homology_dimensions=0, maximize=False,
                         p=2, q=0, i0=1, min_persistence=0.0, max_persistence=np.inf,
                         target=None, filtration="auto", max_edge_length=np.inf,
                         gradient="both", grouping=0.0, grouping_scale=1.0,
                         grouping_kernel="uniform", fidelity_weight=0.0, subsample=1.0,
                         solver="adam", gradient_extension="none", sigma=None,
                         eps=0.0, learning_rate=0.01, max_iter=500, tol=None,
                         random_state=None, callback=None, verbose=0):
    r"""Move the points of a cloud to lower (or raise) a function of its diagrams.

    Minimizes, with Adam,

    .. math::

        \pm \Phi(\mathrm{PD}(X)) + \lambda \, \tau(X) + w \, \mathrm{MSE}(X, X_0)

    where :math:`\Phi` is given by ``objective`` on the diagrams of the Rips or weak alpha
    filtration of :math:`X` (critical cells are edges: the gradient moves their end
    points), :math:`\tau` is the grouping term of the original cloud :math:`X_0` (see
    :class:`~sktopo.penalties.GroupingPenalty`: the squared changes of the pairwise
    distances shorter than ``grouping_scale``, so that groups of points move together
    rather than single points being torn out) with weight :math:`\lambda` = ``grouping``,
    and :math:`w` = ``fidelity_weight``. With ``subsample < 1`` or ``eps > 0`` each step
    evaluates :math:`\Phi` on a random subsample of the points, each jittered uniformly in
    :math:`[-\epsilon, \epsilon]` (STUMP for point clouds).

    Parameters
    ----------
    X : array-like of shape (n_points, n_dims)
        The point cloud; never modified. Coincident points are allowed (they are merged
        by the filtration).
    objective : {"energy", "norm", "target"}, DiagramFunctional or dict, default="energy"
        :math:`\Phi`: the energy :math:`\mathcal{E}(p, q, i_0)` of the Topology Layer
        paper (:class:`~sktopo.functionals.PolynomialEnergy`); the sum of the ``p``-th
        powers of the lifetimes in ``(min_persistence, max_persistence]``
        (:class:`~sktopo.functionals.PersistenceNorm`); the ``p``-Wasserstein distance to
        ``target``; any diagram functional; or a dict ``{dim: functional}`` (then
        ``homology_dimensions`` and ``maximize`` are not used, put the signs in the
        functionals).
    homology_dimensions : int or sequence of int, default=0
        Dimensions :math:`\Phi` is summed over (0 clusters, 1 holes).
    maximize : bool, default=False
        Raise :math:`\Phi` instead of lowering it.
    p, q : float, default=2, 0
        Powers of the lifetimes and of the mid-points (``q`` for ``"energy"`` only).
    i0 : int, default=1
        First rank summed by ``"energy"`` (2 leaves the most persistent point free).
    min_persistence, max_persistence : float, default=0, inf
        Lifetime window of ``"norm"``.
    target : array-like of shape (n_points, 2) or dict, default=None
        Target diagram of ``"target"`` (one, or one per dimension).
    filtration : {"auto", "weak_alpha", "rips"}, default="auto"
        Weak alpha (the flag complex of the Delaunay graph, ``n_dims <= 3``, fast) or
        Vietoris-Rips (any dimension; H1 and above are expensive beyond ~100 points).
        ``"auto"``: weak alpha for points of up to 3 dimensions, Rips above (the Delaunay
        triangulation costs seconds per step in 10 dimensions). Both have the same H0.
    max_edge_length : float, default=np.inf
        Truncation of the Rips filtration.
    gradient : {"both", "birth", "death"}, default="both"
        Which critical edges move: those of the births, of the deaths, or both.
    grouping : float, default=0
        Weight :math:`\lambda` of the grouping term, >= 0 (0: no grouping).
    grouping_scale : float, default=1.0
        Kernel scale :math:`s` of the grouping term, > 0.
    grouping_kernel : {"uniform", "gaussian"}, default="uniform"
        The grouping kernel (the paper's uniform kernel, or a Gaussian of width ``s``).
    fidelity_weight : float in [0, 1), default=0
        Weight of the mean squared displacement from ``X``.
    subsample : int or float, default=1.0
        Points kept in each step's approximate (count, or fraction in (0, 1]).
    eps : float, default=0
        Half-width of the uniform jitter of the approximates, >= 0.
    solver : {"adam", "big_steps"}, default="adam"
        ``"adam"``: Adam steps on the loss (:func:`~sktopo.stump_minimize`);
        ``"big_steps"``: every critical edge moved to its target length at once
        (:func:`~sktopo.optim.big_step_minimize`: ``"norm"`` and ``"distance"`` move
        each point to its target, other objectives take a step of ``learning_rate`` on
        the diagram; the fidelity, grouping and subsample parameters do not apply).
    gradient_extension : {"none", "diffeo"}, default="none"
        ``"diffeo"``: the gradient of each step (or the moves of a big step) is extended
        from the points that carry it to the whole cloud by a Gaussian kernel of width
        ``sigma`` (diffeomorphic interpolation, :class:`~sktopo.smear.GradientExtension`),
        so that whole regions move instead of single points. With ``subsample`` the field
        of each subsample's gradient moves every point. The grouping term (``grouping``)
        is the other way to keep neighbourhoods together.
    sigma : float, default=None
        Width of the kernel of ``gradient_extension="diffeo"``, in the units of ``X``;
        None means 0.1 times the root mean square distance of the points to their mean
        (0.1 on the unit circle, the paper's).
    learning_rate : float, default=0.01
        Adam's learning rate (the grouping paper's).
    max_iter : int, default=500
        Number of Adam steps.
    tol : float, default=None
        Loss-based stopping rule, see :func:`~sktopo.stump_minimize`.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the subsamples and the jitter.
    callback : callable, default=None
        ``callback(intermediate_result)`` after every step.
    verbose : int, default=0
        > 0 prints a progress bar.

    Returns
    -------
    result : OptimizeResult
        ``x`` holds the moved points (float64, shape of ``X``); ``fun``, ``loss_curve``,
        ``n_iter``, ``step_times`` describe the run (the loss includes the grouping term).

    See Also
    --------
    optimize_point_clouds : the same on a list of clouds, in parallel.
    PointCloudTopoOptimizer : the scikit-learn transformer.

    Examples
    --------
    Two clusters drawn together (H0 lifetimes above 0.1 are penalized), each cluster kept
    rigid by the grouping term:

    >>> import numpy as np
    >>> from sktopo.estimators import optimize_point_cloud
    >>> from sktopo.persistence import weak_alpha_persistence
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.uniform(0, 0.2, (10, 2)), rng.uniform(0, 0.2, (10, 2)) + 1])
    >>> res = optimize_point_cloud(X, "norm", p=2, min_persistence=0.1, grouping=1.0,
    ...                            grouping_scale=0.5, learning_rate=0.01, max_iter=300)
    >>> def gap(Y):
    ...     return weak_alpha_persistence(Y, 0)[0].finite().lifetimes.max()
    >>> bool(gap(res.x) < 0.5 * gap(X))
    True
    """
    X0 = check_points(X, "X")
    if filtration == "auto":
        filtration = "weak_alpha" if X0.shape[1] <= _MAX_WEAK_ALPHA_DIM else "rips"
    max_dim = X0.shape[1] + 1 if filtration == "weak_alpha" else 8
    if isinstance(objective, Mapping):
        dims = check_homology_dimensions(list(objective), max_dim, "objective keys")
    else:
        dims = check_homology_dimensions(homology_dimensions, max_dim)
    funcs = _functional(objective, dims, maximize=maximize, p=p, q=q, i0=i0,
                        min_persistence=min_persistence, max_persistence=max_persistence,
                        target=target)
    loss = TopologicalLoss(funcs, filtration=filtration, max_edge_length=max_edge_length,
                           gradient=gradient)
    if gradient_extension == "diffeo" and sigma is None:
        sigma = 0.1 * float(np.sqrt(np.mean(np.sum((X0 - X0.mean(axis=0)) ** 2, axis=1))))
        sigma = sigma if sigma > 0 else 1.0
    diffeo = gradient_extension == "diffeo"
    if solver == "big_steps":
        return big_step_minimize(loss, X0, max_iter=max_iter, learning_rate=learning_rate,
                                 sigma=sigma if diffeo else None, callback=callback,
                                 verbose=verbose)
    if diffeo:
        smear = {"smear": GradientExtension(sigma, subsample, eps=eps)}
    else:
        smear = {"subsample": subsample, "eps": eps}
    penalty = None
    if grouping > 0:
        penalty = GroupingPenalty(X0, scale=grouping_scale, kernel=grouping_kernel)
    # the topological term has weight 1 - w; the grouping weight is rescaled so that the
    # objective reads Phi + lambda tau + w / (1 - w) MSE, i.e. lambda is the paper's
    alpha = 1.0 - fidelity_weight
    return stump_minimize(loss, X0, alpha=alpha, fidelity="mse", **smear,
                          penalty=penalty, penalty_weight=grouping * alpha,
                          learning_rate=learning_rate, max_iter=max_iter, tol=tol,
                          random_state=random_state, callback=callback, verbose=verbose)


@validate_params({"clouds": [list, tuple, "array-like"], "n_jobs": CONSTRAINTS["n_jobs"],
                  "random_state": ["random_state"]}, prefer_skip_nested_validation=False)
def optimize_point_clouds(clouds, objective="energy", *, n_jobs=None, random_state=None,
                          **params):
    """:func:`optimize_point_cloud` on every cloud of a list, in parallel.

    Parameters
    ----------
    clouds : list of array-like of shape (n_points_i, n_dims_i)
        The clouds (they may have different sizes).
    objective : see :func:`optimize_point_cloud`
    n_jobs : int, default=None
        Clouds optimized in parallel by joblib (processes: a step is mostly Python code
        holding the GIL). None means 1 unless in a joblib context.
    random_state : int, RandomState or None, default=None
        One seed per cloud is drawn from it before the work is split, so the results do
        not depend on ``n_jobs``.
    **params
        The other parameters of :func:`optimize_point_cloud`.

    Returns
    -------
    results : list of OptimizeResult
        One per cloud, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo.estimators import optimize_point_clouds
    >>> rng = np.random.default_rng(0)
    >>> clouds = [rng.random((20, 2)), rng.random((30, 2))]
    >>> results = optimize_point_clouds(clouds, "energy", p=2, max_iter=20, random_state=0)
    >>> [r.x.shape for r in results]
    [(20, 2), (30, 2)]
    """
    if isinstance(clouds, np.ndarray) and clouds.ndim == 2:
        raise TypeError("The 'clouds' parameter must be a list of point clouds; use "
                        "optimize_point_cloud for a single cloud.")
    clouds = list(clouds)
    seeds = check_random_state(random_state).randint(np.iinfo(np.int32).max,
                                                     size=len(clouds))
    if n_jobs in (None, 1):
        return [optimize_point_cloud(c, objective, random_state=int(s), **params)
                for c, s in zip(clouds, seeds)]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs)(
        delayed(optimize_point_cloud)(c, objective, random_state=int(s), **params)
        for c, s in zip(clouds, seeds))
