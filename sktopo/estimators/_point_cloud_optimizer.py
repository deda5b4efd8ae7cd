"""``PointCloudTopoOptimizer``: a scikit-learn transformer over :func:`optimize_point_cloud`."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state

from ..utils._sklearn_compat import _fit_context, validate_data
from ._output import feature_names_out
from ._point_cloud import POINT_CLOUD_CONSTRAINTS, optimize_point_cloud

__all__ = ["PointCloudTopoOptimizer"]


class PointCloudTopoOptimizer(TransformerMixin, BaseEstimator):
    r"""Move the points of a cloud to shape its topology (clusters, holes, a target).

    A scikit-learn transformer over :func:`optimize_point_cloud`: ``fit(X)`` optimizes the
    cloud ``X`` (rows are points) and stores the result, ``fit_transform(X)`` returns it.
    Like :class:`~sklearn.manifold.TSNE` there is no ``transform``: the moved points of one
    cloud say nothing about another one (use :func:`optimize_point_clouds` for a list).

    Parameters
    ----------
    objective : {"energy", "norm", "target"}, DiagramFunctional or dict, default="energy"
        The function of the diagrams, see :func:`optimize_point_cloud`.
    homology_dimensions : int or tuple of int, default=0
        Dimensions it is summed over.
    maximize : bool, default=False
        Raise it instead of lowering it.
    p : float, default=2
        Power of the lifetimes (order of the distance for ``"target"``).
    q : float, default=0
        Power of the mid-points (``"energy"``).
    i0 : int, default=1
        First rank summed (``"energy"``).
    min_persistence : float, default=0
        Lifetimes above this are counted (``"norm"``).
    max_persistence : float, default=np.inf
        Lifetimes up to this are counted (``"norm"``).
    target : array-like of shape (n_points, 2) or dict, default=None
        Target diagram (``"target"``).
    filtration : {"auto", "weak_alpha", "rips"}, default="auto"
        The filtration of the cloud; ``"auto"`` is weak alpha for points of up to 3
        dimensions and Rips above (see :func:`optimize_point_cloud`).
    max_edge_length : float, default=np.inf
        Truncation of the Rips filtration.
    gradient : {"both", "birth", "death"}, default="both"
        Which critical edges move.
    grouping : float, default=0
        Weight :math:`\lambda` of the grouping term (0: none).
    grouping_scale : float, default=1.0
        Its kernel scale :math:`s`.
    grouping_kernel : {"uniform", "gaussian"}, default="uniform"
        Its kernel.
    fidelity_weight : float in [0, 1), default=0
        Weight of the mean squared displacement.
    subsample : int or float, default=1.0
        STUMP subsample per step.
    eps : float, default=0
        STUMP jitter half-width.
    solver : {"adam", "big_steps"}, default="adam"
        Adam steps, or big steps (critical edges moved to their targets at once), see
        :func:`optimize_point_cloud`.
    gradient_extension : {"none", "diffeo"}, default="none"
        ``"diffeo"`` extends each step's gradient to the whole cloud (diffeomorphic
        interpolation with a Gaussian kernel of width ``sigma``).
    sigma : float, default=None
        Kernel width of ``"diffeo"``; None: 0.1 times the cloud's RMS radius.
    learning_rate : float, default=0.01
        Adam's learning rate.
    max_iter : int, default=500
        Adam steps.
    tol : float, default=None
        Loss-based stopping rule (None runs ``max_iter`` steps).
    random_state : int, RandomState or None, default=None
        Seeds the subsamples and the jitter.
    verbose : int, default=0
        > 0 prints a progress bar.

    Attributes
    ----------
    points_ : ndarray of shape (n_points, n_dims)
        The moved points.
    loss_curve_ : ndarray of shape (n_iter,)
        The objective at every step.
    n_iter_ : int
        Steps taken.
    n_features_in_ : int
        Dimension of the points.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns of ``X`` when it has string column names (a DataFrame);
        ``fit_transform`` then returns a DataFrame after ``set_output(transform="pandas")``.

    See Also
    --------
    optimize_point_cloud : the function behind it.
    TopoImageSimplifier : the same idea for images.

    Examples
    --------
    Push 50 uniform points into clusters (raise the H0 energy, Topology Layer Fig. 1):

    >>> import numpy as np
    >>> from sktopo import PointCloudTopoOptimizer
    >>> from sktopo.functionals import PolynomialEnergy
    >>> X = np.random.default_rng(0).random((50, 2))
    >>> opt = PointCloudTopoOptimizer("energy", p=2, i0=2, maximize=True, max_iter=100,
    ...                               random_state=0)
    >>> Y = opt.fit_transform(X)
    >>> Y.shape, opt.n_iter_
    ((50, 2), 100)
    >>> energy = PolynomialEnergy(p=2, i0=2)
    >>> from sktopo.persistence import weak_alpha_persistence
    >>> bool(energy(weak_alpha_persistence(Y, 0)[0]) > energy(weak_alpha_persistence(X, 0)[0]))
    True
    """

    _parameter_constraints = POINT_CLOUD_CONSTRAINTS

    def __init__(self, objective="energy", *, homology_dimensions=0, maximize=False, p=2,
                 q=0, i0=1, min_persistence=0.0, max_persistence=np.inf, target=None,
                 filtration="auto", max_edge_length=np.inf, gradient="both", grouping=0.0,
                 grouping_scale=1.0, grouping_kernel="uniform", fidelity_weight=0.0,
                 subsample=1.0, eps=0.0, solver="adam", gradient_extension="none",
                 sigma=None, learning_rate=0.01, max_iter=500, tol=None, random_state=None,
                 verbose=0):
        self.objective = objective
        self.homology_dimensions = homology_dimensions
        self.maximize = maximize
        self.p = p
        self.q = q
        self.i0 = i0
        self.min_persistence = min_persistence
        self.max_persistence = max_persistence
        self.target = target
        self.filtration = filtration
        self.max_edge_length = max_edge_length
        self.gradient = gradient
        self.grouping = grouping
        self.grouping_scale = grouping_scale
        self.grouping_kernel = grouping_kernel
        self.fidelity_weight = fidelity_weight
        self.subsample = subsample
        self.eps = eps
        self.solver = solver
        self.gradient_extension = gradient_extension
        self.sigma = sigma
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Optimize the cloud ``X``.

        Parameters
        ----------
        X : array-like of shape (n_points, n_dims)
            The point cloud; never modified.
        y : None
            Ignored.

        Returns
        -------
        self : PointCloudTopoOptimizer
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        res = optimize_point_cloud(
            X, self.objective, homology_dimensions=self.homology_dimensions,
            maximize=self.maximize, p=self.p, q=self.q, i0=self.i0,
            min_persistence=self.min_persistence, max_persistence=self.max_persistence,
            target=self.target, filtration=self.filtration,
            max_edge_length=self.max_edge_length, gradient=self.gradient,
            grouping=self.grouping,
            grouping_scale=self.grouping_scale, grouping_kernel=self.grouping_kernel,
            fidelity_weight=self.fidelity_weight, subsample=self.subsample, eps=self.eps,
            solver=self.solver, gradient_extension=self.gradient_extension,
            sigma=self.sigma, learning_rate=self.learning_rate, max_iter=self.max_iter, tol=self.tol,
            random_state=check_random_state(self.random_state), verbose=self.verbose)
        self.points_ = res.x.astype(X.dtype, copy=False)
        self.loss_curve_ = res.loss_curve
        self.n_iter_ = res.n_iter
        return self

    def fit_transform(self, X, y=None):
        """Optimize the cloud ``X`` and return the moved points.

        Parameters
        ----------
        X : array-like of shape (n_points, n_dims)
            The point cloud; never modified.
        y : None
            Ignored.

        Returns
        -------
        points : ndarray of shape (n_points, n_dims)
            The moved points (float32 stays float32, anything else becomes float64).
        """
        return self.fit(X).points_

    def get_feature_names_out(self, input_features=None):
        """Names of the coordinates of the moved points: those of the columns of ``X``
        when it had names (a DataFrame), else ``x0, x1, ...``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the input columns (checked against ``feature_names_in_``).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        return feature_names_out(self, input_features, "x")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
