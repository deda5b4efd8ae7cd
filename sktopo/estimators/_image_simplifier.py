"""``TopoImageSimplifier``: :func:`~sktopo.estimators.simplify_image` on every image of a
batch, as a scikit-learn transformer."""

import zlib
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import (Interval, StrOptions, _fit_context, _get_output_config,
                                     validate_data)
from ..utils._validation import CONSTRAINTS
from ._image import _GOALS, _METHODS, _SOLVERS, simplify_image
from ._output import feature_names_out

__all__ = ["TopoImageSimplifier"]


def _image_seed(base, image):
    """A seed of one image from the run's seed and the image's bytes.

    Results then depend neither on the position of the image in the batch nor on
    ``n_jobs`` (joblib may split and reorder the batch), and equal images give equal results.
    """
    return np.random.default_rng([base, zlib.crc32(np.ascontiguousarray(image).tobytes())])


def _simplify_one(image, seed, params):
    res = simplify_image(image, random_state=seed, **params)
    return res.x, res.loss_curve, res.n_iter


class TopoImageSimplifier(TransformerMixin, BaseEstimator):
    r"""Topological simplification (or enhancement) of each image of a batch.

    A scikit-learn transformer over :func:`simplify_image`: ``transform`` optimizes every
    image independently (in parallel with joblib), ``fit`` only validates and records the
    number of pixels and the image shape. See :func:`simplify_image` for the objective and
    the goals.

    Parameters
    ----------
    goal : {"simplify", "betti", "target", "enhance"}, default="simplify"
        Remove the features below ``threshold``; keep ``betti`` features per dimension;
        approach ``target``; raise the features above ``threshold``.
    threshold : float, default=None
        Lifetime threshold (image units). None means 10 % of each image's value range for
        ``"simplify"`` and ``"enhance"``, none for ``"betti"``.
    homology_dimensions : int or tuple of int, default=0
        Dimensions the goal applies to.
    betti : int or dict of {int: int}, default=1
        Features kept per dimension by ``"betti"``.
    target : array-like of shape (n_points, 2) or dict, default=None
        Target diagram of ``"target"``.
    image_shape : tuple of int, default=None
        Shape of one image when ``X`` is 2-D ``(n_samples, n_pixels)``; None reads every row
        as a 1-D signal. Ignored (but checked) when ``X`` is a stack of images.
    superlevel : bool, default=False
        Superlevel filtration (bright structures on a dark background).
    connectivity : {"full", "face"}, default="full"
        Cubical complex construction.
    p : float, default=1
        Power of the lifetimes.
    gradient : {"both", "birth", "death"}, default="both"
        Which critical pixels move.
    fidelity : {"mse", "bce"}, default="mse"
        Fidelity term (``"bce"`` needs values in [0, 1]).
    fidelity_weight : float in [0, 1], default=None
        Weight of the fidelity; None means ``1 / n_pixels``.
    solver : {"auto", "exact", "stump", "vanilla", "big_steps"}, default="auto"
        ``"exact"``: exact simplification (:func:`sktopo.simplification.simplify_function`,
        goals ``"simplify"`` and ``"betti"``), STUMP (pooled, noisy approximates, then
        ``refine_iter`` steps on the image), plain backpropagation, or big steps (critical
        sets moved to their targets at once, :func:`sktopo.optim.big_step_minimize`).
        ``"auto"``: exact for ``"simplify"`` and ``"betti"``, STUMP for ``"target"`` and
        ``"enhance"``.
    method : {"flooding", "optimal"}, default="flooding"
        The exact solver's method: ``"flooding"`` changes a pixel by less than the
        threshold, ``"optimal"`` by at most half of it (the least possible change, 10
        to 300 times slower); see :func:`sktopo.simplification.simplify_function`.
        Ignored by the gradient solvers.
    block_size : int or tuple of int, default=2
        STUMP pooling blocks (clipped to the image).
    measure : {"center", "vertex", "simplex"}, default="simplex"
        STUMP block weights.
    eps : float, default=0
        STUMP noise half-width.
    learning_rate : float, default=None
        Adam's learning rate (image units); None means 1 % of each image's value range.
    max_iter : int, default=200
        Adam steps per image.
    tol : float, default=None
        Loss-based stopping rule (None runs ``max_iter`` steps).
    n_jobs : int, default=None
        Images optimized in parallel by joblib threads (the pairing kernels release the
        GIL, and threads start at once, where processes take seconds to start). None means
        1 unless in a joblib context.
    random_state : int, RandomState or None, default=None
        Seeds the run; each image's seed mixes it with the image's bytes, so the result of
        an image does not depend on the batch, its order or ``n_jobs``.
    verbose : int, default=0
        > 0 shows joblib's progress over the images, > 1 also a bar per image.
    refine_iter : int, default=None
        Final STUMP steps on the image itself (no pooling, no noise); None means 3/4 of
        ``max_iter``.
    bounds : (low, high), "image" or None, default=None
        Keep the pixel values of each image in ``[low, high]`` (None for either end: no
        bound), or in that image's own value range (``"image"``); see
        :func:`simplify_image`.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels of an image.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns of ``X`` when it has string column names (a DataFrame); the
        output then keeps them (``set_output(transform="pandas")``).
    image_shape_ : tuple of int
        Shape of an image.
    loss_curves_ : list of ndarray
        Loss curve of every image of the last ``fit_transform``.
    n_iter_ : ndarray of shape (n_samples,)
        Steps taken for every image of the last ``fit_transform``.

    See Also
    --------
    simplify_image : the function on one image.
    PointCloudTopoOptimizer : the same idea for point clouds.

    Notes
    -----
    ``transform`` does the optimization and leaves the estimator unchanged; the per-image
    loss curves are stored by ``fit_transform`` only (or use :func:`simplify_image`).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import TopoImageSimplifier
    >>> from sktopo.persistence import cubical_persistence
    >>> X = np.zeros((2, 9, 9))
    >>> X[:, 2, 2], X[:, 6, 6] = 10.0, 9.0            # two peaks ...
    >>> X[0, 2, 6], X[1, 6, 2] = 0.5, 0.7             # ... and a speck each
    >>> simp = TopoImageSimplifier(threshold=1.0, superlevel=True, solver="vanilla",
    ...                            max_iter=100, random_state=0)
    >>> Xt = simp.fit_transform(X)
    >>> Xt.shape, len(simp.loss_curves_)
    ((2, 9, 9), 2)
    >>> [int(np.sum(cubical_persistence(x, 0, superlevel=True)[0].lifetimes > 0.05))
    ...  for x in Xt]                                 # one essential bar and one peak
    [2, 2]
    """

    _parameter_constraints = {
        "goal": [StrOptions(set(_GOALS))],
        "threshold": [Interval(Real, 0, None, closed="left"), None],
        "homology_dimensions": [Interval(Integral, 0, 2, closed="both"), tuple, list],
        "betti": [Interval(Integral, 0, None, closed="left"), dict],
        "target": ["array-like", dict, None],
        "image_shape": [tuple, list, None],
        "superlevel": ["boolean"],
        "connectivity": [StrOptions({"full", "face"})],
        "p": [Interval(Real, 0, None, closed="neither")],
        "gradient": [StrOptions({"both", "birth", "death"})],
        "fidelity": [StrOptions({"mse", "bce"})],
        "fidelity_weight": [Interval(Real, 0, 1, closed="both"), None],
        "solver": [StrOptions(set(_SOLVERS))],
        "method": [StrOptions(set(_METHODS))],
        "block_size": [Interval(Integral, 1, None, closed="left"), tuple],
        "measure": [StrOptions({"center", "vertex", "simplex"})],
        "eps": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_jobs": CONSTRAINTS["n_jobs"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "refine_iter": [Interval(Integral, 0, None, closed="left"), None],
        "bounds": [tuple, list, StrOptions({"image"}), None],
    }

    def __init__(self, goal="simplify", *, threshold=None, homology_dimensions=0, betti=1,
                 target=None, image_shape=None, superlevel=False, connectivity="full", p=1,
                 gradient="both", fidelity="mse", fidelity_weight=None, solver="auto",
                 method="flooding", block_size=2, measure="simplex", eps=0.0,
                 learning_rate=None, max_iter=200, tol=None, n_jobs=None, random_state=None,
                 verbose=0, refine_iter=None, bounds=None):
        self.goal = goal
        self.threshold = threshold
        self.homology_dimensions = homology_dimensions
        self.betti = betti
        self.target = target
        self.image_shape = image_shape
        self.superlevel = superlevel
        self.connectivity = connectivity
        self.p = p
        self.gradient = gradient
        self.fidelity = fidelity
        self.fidelity_weight = fidelity_weight
        self.solver = solver
        self.method = method
        self.block_size = block_size
        self.measure = measure
        self.eps = eps
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.refine_iter = refine_iter
        self.bounds = bounds

    def _validate(self, X, reset):
        """Return ``(X2d, image_shape, stacked)``: the rows as flat images."""
        stacked_shape = None
        if isinstance(X, (list, tuple)):
            X = np.asarray(X)
        if isinstance(X, np.ndarray) and X.ndim >= 3:
            if X.ndim > 4:
                raise ValueError("X must be 2-D (n_samples, n_pixels) or a stack of 2-D or "
                                 f"3-D images (n_samples, height, width[, depth]), got "
                                 f"shape {X.shape}.")
            stacked_shape = X.shape[1:]
            X = X.reshape(len(X), -1)
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        n_features = X.shape[1]
        if stacked_shape is not None:
            shape = tuple(int(s) for s in stacked_shape)
            if self.image_shape is not None and tuple(self.image_shape) != shape:
                raise ValueError(f"The 'image_shape' parameter {tuple(self.image_shape)} "
                                 f"does not match the images of X, of shape {shape}.")
        elif self.image_shape is not None:
            shape = tuple(self.image_shape)
            if not (1 <= len(shape) <= 3 and all(
                    isinstance(s, (Integral, np.integer)) and s >= 1 for s in shape)):
                raise ValueError("The 'image_shape' parameter must hold 1 to 3 positive "
                                 f"ints, got {self.image_shape!r}.")
            shape = tuple(int(s) for s in shape)
            if int(np.prod(shape)) != n_features:
                raise ValueError(f"The 'image_shape' parameter {shape} has "
                                 f"{int(np.prod(shape))} pixels but X has {n_features} "
                                 "features; give the shape of one image.")
        else:
            shape = (n_features,)
        if not reset and shape != self.image_shape_:
            raise ValueError(f"X holds images of shape {shape}, but {type(self).__name__} "
                             f"was fitted on images of shape {self.image_shape_}.")
        return X, shape, stacked_shape is not None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate ``X`` and record the image shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, height, width[, depth])
            The images.
        y : None
            Ignored.

        Returns
        -------
        self : TopoImageSimplifier
        """
        _, self.image_shape_, _ = self._validate(X, reset=True)
        return self

    def _run(self, X2d, shape):
        params = dict(
            goal=self.goal, threshold=self.threshold,
            homology_dimensions=self.homology_dimensions, betti=self.betti,
            target=self.target, superlevel=self.superlevel, connectivity=self.connectivity,
            p=self.p, gradient=self.gradient, fidelity=self.fidelity,
            fidelity_weight=self.fidelity_weight, solver=self.solver, method=self.method,
            block_size=self.block_size, measure=self.measure, eps=self.eps,
            learning_rate=self.learning_rate, max_iter=self.max_iter, tol=self.tol,
            verbose=max(0, self.verbose - 1), refine_iter=self.refine_iter,
            bounds=self.bounds,
            # images in parallel: no worker thread per image on top
            prefetch="auto" if self.n_jobs in (None, 1) else False)
        base = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        images = [row.reshape(shape) for row in X2d]
        if self.n_jobs in (None, 1):
            outs = [_simplify_one(im, _image_seed(base, im), params) for im in images]
        else:
            from joblib import Parallel, delayed

            # Threads, not processes (measured, benchmarks/bench_transformers.py): starting
            # loky's worker processes costs seconds (100 digits: 11 s cold, 3.2 s warm with
            # processes, against ~2-3 s with threads). The pairing kernels release the GIL,
            # so threads also overlap the pairings of large images; on small images a step
            # is mostly Python code, and threads then cost about what n_jobs=1 costs.
            outs = Parallel(n_jobs=self.n_jobs, prefer="threads", verbose=self.verbose)(
                delayed(_simplify_one)(im, _image_seed(base, im), params) for im in images)
        Xt = np.stack([o[0].ravel() for o in outs]).astype(X2d.dtype, copy=False)
        return Xt, [o[1] for o in outs], np.array([o[2] for o in outs], dtype=np.intp)

    def transform(self, X):
        """Optimize every image of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, height, width[, depth])
            The images; never modified.

        Returns
        -------
        X_new : ndarray of the shape of ``X``
            The optimized images (float32 stays float32, anything else becomes float64).
        """
        check_is_fitted(self)
        X2d, shape, stacked = self._validate(X, reset=False)
        Xt, _, _ = self._run(X2d, shape)
        return self._unflatten(Xt, shape, stacked)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit and optimize every image of ``X``, keeping the loss curves.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, height, width[, depth])
            The images; never modified.
        y : None
            Ignored.

        Returns
        -------
        X_new : ndarray of the shape of ``X``
        """
        X2d, self.image_shape_, stacked = self._validate(X, reset=True)
        Xt, self.loss_curves_, self.n_iter_ = self._run(X2d, self.image_shape_)
        return self._unflatten(Xt, self.image_shape_, stacked)

    def _unflatten(self, Xt, shape, stacked):
        """A stack of images back in the shape of the input; flat rows when a container
        output (``set_output(transform="pandas")``) is configured: a table holds rows."""
        if stacked and _get_output_config("transform", self)["dense"] == "default":
            return Xt.reshape((len(Xt),) + shape)
        return Xt

    def get_feature_names_out(self, input_features=None):
        """Names of the output pixels: the input's column names when ``X`` had some (a
        DataFrame), else ``pixel0, pixel1, ...`` in C order of the image.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the input columns (checked against ``feature_names_in_``).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        return feature_names_out(self, input_features, "pixel")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
