r"""STUMP: Stochastic Topological Updates via Momentum and Pooling.

Reference: E. Solomon, A. Wagner, P. Bendich, "A Fast and Robust Method for Global
Topological Functional Optimization", AISTATS 2021, Sec. II.

The loop: draw an approximate of the iterate with a sampler of :mod:`sktopo.smear`
(``sample``), evaluate the loss bound once to the approximates (``TopologicalLoss._bind``:
the value and a sparse gradient), pull the gradient back to the iterate (``pullback``),
add the fidelity and take an Adam step on the active set (the coordinates that ever
received a gradient; see ``_ActiveAdam``). The common case (2-D block pooling, W1/W2
norms, mse, one approximate per step) runs as one compiled call per step
(``sktopo.optim._step.BlockStep``, the same update), everything else in Python.
"""

import os
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params

from ..loss import TopologicalLoss, _ImageNorms
from ..smear import BlockPooling, LabelCover, PointSubsample, check_block_size
from ..smear._block_sampler import check_block_offset
from ..smear._random import as_generator
from ..utils._validation import CONSTRAINTS, check_scalar, check_values
from ._adam import _ActiveAdam
from ._min_norm import min_norm_combination
from ._result import _Monitor
from ._step import BlockStep

__all__ = ["stump_minimize"]

_CLIP = 1e-7
# the keywords that build the default sampler (kept for the callers of earlier versions)
_SMEAR_KEYWORDS = ("block_size", "measure", "simplex_sampling", "eps", "block_offset",
                   "labels", "subsample")


def _fidelity(kind, x, x0, n_total, weight):
    """Value of the fidelity over the given coordinates and ``weight`` times its gradient.

    mse: ``sum (x - x0)^2 / n``; bce: the mean Bernoulli KL divergence
    ``sum x0 log(x0 / x) + (1 - x0) log((1 - x0) / (1 - x)) / n`` (binary cross-entropy
    minus its minimum, same gradient), with ``x`` clipped to ``[1e-7, 1 - 1e-7]``.
    Coordinates outside the given ones have ``x == x0`` and contribute 0 to both.
    """
    if kind == "mse":
        diff = x - x0
        return float(np.einsum("i,i->", diff, diff)) / n_total, diff * (2.0 * weight / n_total)
    from scipy.special import xlogy

    xc = np.clip(x, _CLIP, 1 - _CLIP)
    value = (xlogy(x0, x0) - xlogy(x0, xc) + xlogy(1 - x0, 1 - x0) - xlogy(1 - x0, 1 - xc))
    return float(value.sum()) / n_total, (xc - x0) / (xc * (1 - xc)) * (weight / n_total)


def _check_bounds(bounds, x0):
    """``(low, high)`` from ``bounds`` (None, or a pair whose entries may be None for no
    bound), with ``x0`` inside."""
    if bounds is None:
        return -np.inf, np.inf
    try:
        low, high = bounds
    except (TypeError, ValueError):
        raise TypeError("The 'bounds' parameter must be None or a pair (low, high), got "
                        f"{bounds!r}.") from None
    low = -np.inf if low is None else check_scalar(low, "bounds", allow_inf=True)
    high = np.inf if high is None else check_scalar(high, "bounds", allow_inf=True)
    if not low < high:
        raise ValueError(f"The 'bounds' parameter must have low < high, got {bounds!r}.")
    if x0.size and (x0.min() < low or x0.max() > high):
        raise ValueError(f"The 'bounds' parameter {bounds!r} must contain x0 (values in "
                         f"[{x0.min():g}, {x0.max():g}]).")
    return float(low), float(high)


def _default_smear(loss, x0, params):
    """The sampler of the keywords of earlier versions (``block_size=4, measure="simplex",
    eps=0, block_offset="random"`` for images, ``labels`` for a cover, ``subsample=1.0``
    for point clouds); None: no smearing (vanilla backpropagation)."""
    unknown = set(params) - set(_SMEAR_KEYWORDS)
    if unknown:
        raise TypeError(f"stump_minimize() got an unexpected keyword argument "
                        f"{sorted(unknown)[0]!r}")
    eps = params.get("eps", 0.0)
    check_scalar(eps, "eps", low=0)
    if loss.filtration in ("rips", "weak_alpha"):
        return PointSubsample(params.get("subsample", 1.0), eps=eps)
    measure = params.get("measure", "simplex")
    sampling = params.get("simplex_sampling", "normalized_uniform")
    if loss.filtration == "cubical" and params.get("labels") is not None:
        connectivity = "face" if loss.connectivity in ("face", 1) else "full"
        return LabelCover(params["labels"], measure, eps=eps, simplex_sampling=sampling,
                          connectivity=connectivity)
    block = params.get("block_size", 4) if loss.filtration == "cubical" else 1
    sizes = check_block_size(block, x0.shape)
    if max(sizes) == 1:
        check_block_offset(params.get("block_offset", "random"), sizes)
        return BlockPooling(1, "center", eps=eps) if eps > 0 else None
    return BlockPooling(block, measure, eps=eps, offset=params.get("block_offset", "random"),
                        simplex_sampling=sampling)


def _idle_cpu():
    """Whether a CPU this process may run on is idle at the start of the run: two CPUs or
    more, and a 1-minute load average below their number minus one (a worker thread on a
    CPU taken by another process competes with the step instead of running beside it)."""
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n_cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - not on Unix
        load = 0.0
    return n_cpus >= 2 and load < n_cpus - 1


def _solver_name(smear, n_samples, combine):
    if smear is None:
        name = "vanilla"
    else:
        name = f"STUMP ({type(smear).__name__})"
    if n_samples > 1:
        name += f", {n_samples} approximates per step ({combine})"
    return name


def _python_steps(state, monitor, problem, smear, evaluate, its, rng, parallel):
    """Steps ``its`` of the general loop (any sampler, fidelity, penalty, ``n_samples``);
    returns True when the run must stop."""
    (shape, fidelity, alpha, n_samples, combine, penalty, penalty_weight) = problem
    x, n_total = state.x, state.x.size
    xs = x.reshape(shape)
    draws = n_samples if smear is not None else 1
    for it in its:
        if smear is None:
            samples = [(xs, None)]
        else:
            samples = [smear.sample(xs, rng) for _ in range(draws)]
        if parallel is not None and draws > 1:
            outs = parallel(delayed(evaluate)(a) for a, _ in samples)
        else:
            outs = [evaluate(a) for a, _ in samples]
        topo = sum(o[0] for o in outs) / draws
        pulled = [(o[1], o[2]) if smear is None else smear.pullback((o[1], o[2]), d)
                  for o, (_, d) in zip(outs, samples)]
        state.activate(np.concatenate([p[0] for p in pulled]))
        value = alpha * topo
        if penalty is not None:
            # the penalty's gradient is dense: its nonzero coordinates join as well
            pen, pen_grad = penalty.value_and_grad(xs)
            pen_grad = np.ravel(pen_grad)
            state.activate(np.flatnonzero(pen_grad))
            value += penalty_weight * float(pen)
        fid, grad = _fidelity(fidelity, state.x_act, state.x0_act, n_total, 1.0 - alpha)
        value += (1.0 - alpha) * fid
        if penalty is not None:
            grad += pen_grad[state.act] * penalty_weight
        min_norm = None
        if combine == "min_norm" and draws > 1:
            G = np.stack([state.scatter(*p) * alpha for p in pulled]) + grad
            c, sq_norm = min_norm_combination(G @ G.T)
            grad, min_norm = c @ G, float(np.sqrt(sq_norm))
        else:
            for p in pulled:
                grad += state.scatter(*p) * (alpha / draws)
        state.step(grad, it)
        if monitor.record(it, value, min_norm):
            return True
    return False


def _fast_step(loss, x0, smear, problem, state, prefetch):
    """The compiled step of the common case (see ``sktopo.optim._step``), or None."""
    (shape, fidelity, alpha, n_samples, _, penalty, _) = problem
    if (type(smear) is not BlockPooling or x0.ndim != 2 or smear.measure == "vertex"
            or fidelity != "mse" or penalty is not None or n_samples != 1):
        return None
    evaluate = loss._bind(2)
    if not isinstance(evaluate, _ImageNorms):
        return None
    sizes, offset, mode = smear._check(x0.shape)
    largest = [-(-(n + k - 1) // k) for n, k in zip(shape, sizes)]
    if (largest[0] + 2) * (largest[1] + 2) >= 2 ** 31 - 8:
        return None
    lr, beta1, beta2, adam_eps = state.params
    return BlockStep(state.x, x0.ravel(), shape, sizes, None if offset == "random" else offset,
                     float(smear.eps), mode, evaluate.full, evaluate.superlevel,
                     evaluate.norms, evaluate.side, float(alpha), float(lr), float(beta1),
                     float(beta2), float(adam_eps), state.low, state.high, bool(prefetch))


def _compiled_steps(engine, state, monitor, its, rng):
    """Steps ``its`` of the compiled step; returns True when the run must stop. The
    active set is handed back to ``state`` at the end."""
    try:
        for it in its:
            if engine.raw_left < 4:
                engine.feed(rng.bit_generator.random_raw(512))
            if monitor.record(it, engine.step(it)):
                return True
        return False
    finally:
        engine.close()
        state.load(*engine.state())


# approximates per step: each costs a pairing, so more would only stall the optimizer
_MAX_SAMPLES = 10_000


@validate_params(
    {
        "loss": [TopologicalLoss],
        "x0": ["array-like"],
        "smear": [StrOptions({"auto"}), HasMethods(["sample", "pullback"]), None],
        "alpha": [Interval(Real, 0, 1, closed="both"), None],
        "fidelity": [StrOptions({"mse", "bce"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "beta1": [Interval(Real, 0, 1, closed="left")],
        "beta2": [Interval(Real, 0, 1, closed="left")],
        "adam_eps": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "n_samples": [Interval(Integral, 1, _MAX_SAMPLES, closed="both")],
        "combine": [StrOptions({"mean", "min_norm"})],
        "n_jobs": CONSTRAINTS["n_jobs"],
        "prefetch": ["boolean", StrOptions({"auto"})],
        "refine_iter": [Interval(Integral, 0, None, closed="left")],
        "bounds": [tuple, list, None],
        "penalty": [HasMethods(["value_and_grad"]), None],
        "penalty_weight": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
        "callback": [callable, None],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def stump_minimize(loss, x0, *, smear="auto", alpha=None, fidelity="mse", learning_rate=0.05,
                   beta1=0.9, beta2=0.999, adam_eps=1e-8, max_iter=1000, tol=None,
                   n_iter_no_change=100, n_samples=1, combine="mean", n_jobs=None,
                   prefetch="auto", refine_iter=0, bounds=None, penalty=None,
                   penalty_weight=1.0, random_state=None, callback=None, verbose=0,
                   **smear_params):
    r"""Minimize a smeared topological loss plus a fidelity term with Adam (STUMP).

    .. math::

        L_S(x) = \alpha \, \mathbb{E}_{\omega, h}\big[\Phi(\mathrm{PD}((x + h)_\omega))\big]
        + (1 - \alpha) \, F(x, x_0) + \lambda \, P(x)

    where :math:`(x + h)_\omega` is a random approximate of the input drawn by ``smear``:
    uniform noise :math:`h \in [-\epsilon, \epsilon]` per pixel (Sec. II-C), then pooling
    over blocks with random convex weights :math:`\omega` (Sec. II-A), or over the regions
    of a cover (on its nerve), or a random subsample of a point cloud (Sec. IV-B). At each
    step the gradient of :math:`\Phi` on the approximate is pulled back to ``x`` by the
    adjoint of the draw (exact chain rule, Sec. II-B) and Adam takes one step: with
    ``n_samples=1`` this is the paper's STUMP; with ``n_samples=m`` the gradients of
    ``m`` approximates are averaged (``combine="mean"``) or their minimum-norm convex
    combination is used (``combine="min_norm"``, gradient sampling, Sec. II-C).
    ``smear=None`` is vanilla topological backpropagation. With ``refine_iter > 0`` the
    last ``refine_iter`` steps evaluate :math:`\Phi` on ``x`` itself (see Notes).

    Parameters
    ----------
    loss : TopologicalLoss
        :math:`\Phi` composed with a filtration; its ``gradient`` ("both", "birth",
        "death") chooses the critical cells that move. Use ``-functional`` to maximize.
    x0 : array-like
        The start, and the reference of the fidelity term: an image for ``"cubical"``, a
        point cloud for ``"rips"``/``"weak_alpha"``, vertex values for ``"lower_star"``.
    smear : BlockPooling, LabelCover, PointSubsample, None or "auto", default="auto"
        The sampler of approximates (:mod:`sktopo.smear`: an object with ``sample(x,
        random_state) -> (approximate, draw)`` and ``pullback((idx, vals), draw)``), e.g.
        ``BlockPooling(4, "simplex", eps=50)``. None: no smearing. ``"auto"``: the
        sampler of the keywords ``block_size`` (default 4), ``measure`` ("simplex"),
        ``simplex_sampling``, ``eps`` (0), ``block_offset`` ("random"), ``labels`` (a
        cover) for images, ``subsample`` (1.0) and ``eps`` for point clouds, noise
        ``eps`` only for ``"lower_star"`` (the parameters of those classes; kept for the
        callers of earlier versions).
    alpha : float in [0, 1], default=None
        Weight of the topological term; None means ``1 - 1 / x0.size`` (the paper's).
    fidelity : {"mse", "bce"}, default="mse"
        :math:`F`: mean squared error, or binary cross-entropy (``x0`` in [0, 1]; reported
        minus its minimum, i.e. the mean Bernoulli KL divergence, same gradient).
    learning_rate, beta1, beta2, adam_eps : float
        Adam's parameters (see :class:`~sktopo.optim.Adam`), defaults 0.05 (the paper's),
        0.9, 0.999, 1e-8; ``beta1`` and ``beta2`` in [0, 1).
    max_iter : int, default=1000
        Number of steps.
    tol : float, default=None
        Stopping rule. With ``combine="min_norm"``: stop when the norm of the min-norm
        combination is ``<= tol`` (the gradient sampling test). Otherwise: stop when the
        mean loss of the last ``n_iter_no_change`` steps is not below that of the
        ``n_iter_no_change`` steps before by more than ``tol`` times its absolute value.
        None: run ``max_iter`` steps (no ConvergenceWarning).
    n_iter_no_change : int, default=100
        Window of the loss-based stopping rule.
    n_samples : int, default=1
        Approximates per step, at most 10,000 (each costs a pairing).
    combine : {"mean", "min_norm"}, default="mean"
        How the gradients of the ``n_samples`` approximates are combined.
    n_jobs : int, default=None
        Threads evaluating the ``n_samples`` approximates of a step in parallel, through
        ``joblib.Parallel(prefer="threads")`` (the pairing kernels release the GIL; a
        joblib backend such as Dask's applies). None means 1, -1 all cores. The draws
        happen in the main thread, so the result does not depend on ``n_jobs``.
    prefetch : bool or "auto", default="auto"
        In the compiled step of the common case: compute the iterate-independent part of
        the next approximate in a worker thread while the current one is paired (see
        Notes). ``"auto"``: when a CPU is idle as the run starts (two CPUs or more, and a
        1-minute load average below their number minus one: on a CPU taken by another
        process the worker competes with the step). The result is the same either way.
    refine_iter : int, default=0
        Number of final steps, out of ``max_iter``, on the iterate itself (no smearing),
        with the same Adam state and objective.
    bounds : (low, high) or None, default=None
        Box constraints: after each Adam step the values are clipped to ``[low, high]``
        (projected Adam); None for either end means no bound. ``x0`` must lie inside.
    penalty : object, default=None
        An extra term :math:`P` on the iterate itself (not smeared), with a method
        ``value_and_grad(x) -> (value, grad)``, e.g.
        :class:`~sktopo.penalties.GroupingPenalty`.
    penalty_weight : float, default=1.0
        Its weight :math:`\lambda`, >= 0.
    random_state : int, RandomState, Generator or None, default=None
        Seeds all the draws; the same value gives the same run.
    callback : callable, default=None
        ``callback(intermediate_result)`` after every step with an :class:`OptimizeResult`
        (``x`` is a read-only view of the iterate); a truthy return value stops the run.
    verbose : int or bool, default=0
        1: a progress line (the solver, the step, the sampled loss, the time) every tenth
        of the run; 2: every step.

    Returns
    -------
    result : OptimizeResult
        ``x`` (shape of ``x0``), ``fun`` and ``loss_curve`` (the sampled objective),
        ``n_iter``, ``step_times`` (cumulative seconds), ``converged``, ``message``.

    Warns
    -----
    ConvergenceWarning
        When ``tol`` is given and ``max_iter`` steps did not meet it.

    Notes
    -----
    Coarse-to-fine (``refine_iter``): a pooled approximate cannot see a feature smaller
    than a block, so smeared steps alone leave such features in place. Ending with steps
    on ``x`` itself removes them as well, while the smeared steps before keep the
    robustness of STUMP's optima.

    Long runs and ``bounds``: the smeared loss keeps a floor (the noise of the
    approximates makes bars of their own), so STUMP does not settle: after the blobs of
    the paper's image are connected it keeps lowering the same pixels, which may become
    new components far below the data range. Stop after a number of steps (the paper's
    10,000), keep the values in the data range with ``bounds``, or watch the loss of the
    image itself in a ``callback``.

    Shifted block grids (``BlockPooling(offset="random")``, the default): on the paper's
    fixed grid (``offset=0``) a pixel at a block edge and its neighbour across the edge
    never share a block, so a one-pixel ridge between two blocks is invisible to every
    approximate, and the optima keep such ridges; random offsets make the optima more
    robust to noise.

    The compiled step: with 2-D block pooling (``"center"`` or ``"simplex"``), W1 or W2
    norms of the H0/H1 diagrams, the mse fidelity, no penalty and one approximate per
    step, a step is one compiled call (``sktopo.optim._step``) computing the update of
    the Python loop (the two agree to rounding). The random bits and the block sums of
    ``x0 + h`` of the next approximate do not depend on ``x``, and ``x`` differs from
    ``x0`` only on the pixels that ever moved: so they are computed ahead (in a worker
    thread with ``prefetch``), and corrected by ``u * (x - x0)`` over the moved pixels
    when used (the approximate is pooled from ``x`` once more than a quarter of the
    pixels moved).

    References
    ----------
    .. [1] E. Solomon, A. Wagner, P. Bendich, "A Fast and Robust Method for Global
       Topological Functional Optimization", AISTATS 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import TopologicalLoss, stump_minimize
    >>> from sktopo.functionals import PersistenceNorm
    >>> from sktopo.smear import BlockPooling
    >>> rng = np.random.default_rng(0)
    >>> x0 = rng.random((16, 16)) * 10
    >>> loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=1), homology_dimensions=0)
    >>> res = stump_minimize(loss, x0, smear=BlockPooling(2, eps=1.0), learning_rate=0.1,
    ...                      max_iter=200, random_state=0)
    >>> res.x.shape, res.n_iter
    ((16, 16), 200)
    >>> bool(loss(res.x) < loss(x0))
    True
    """
    x0 = check_values(x0, "x0")
    if smear == "auto":
        smear = _default_smear(loss, x0, smear_params)
    elif smear_params:
        raise TypeError(f"The {sorted(smear_params)[0]!r} parameter builds the default "
                        "sampler: pass it to the 'smear' object instead.")
    alpha = 1.0 - 1.0 / x0.size if alpha is None else float(alpha)
    if fidelity == "bce" and (x0.min() < 0 or x0.max() > 1):
        raise ValueError("The 'fidelity' parameter 'bce' needs x0 in [0, 1].")
    if refine_iter > max_iter:
        raise ValueError(f"The 'refine_iter' parameter must be <= max_iter={max_iter}, got "
                         f"{refine_iter!r}.")
    if prefetch == "auto":
        prefetch = _idle_cpu()
    bounds = _check_bounds(bounds, x0)
    x = x0.ravel().copy()
    state = _ActiveAdam(x, x0.ravel(), learning_rate, beta1, beta2, adam_eps, bounds)
    monitor = _Monitor(max_iter, tol, n_iter_no_change, callback, verbose, x0.shape, x)
    problem = (x0.shape, fidelity, alpha, n_samples, combine, penalty, penalty_weight)
    _run(loss, x0, smear, problem, state, monitor, max_iter - refine_iter, max_iter,
         as_generator(random_state), n_jobs, bool(prefetch))
    it = monitor.n_iter
    if not (monitor.converged or monitor.stopped):
        monitor.message = f"Reached max_iter={max_iter}."
        if tol is not None:
            warnings.warn(f"stump_minimize reached max_iter={max_iter} without meeting "
                          f"tol={tol}; consider increasing max_iter or tol.",
                          ConvergenceWarning, stacklevel=2)
    return monitor.result(it, x.reshape(x0.shape), copy=True)


def _run(loss, x0, smear, problem, state, monitor, n_smeared, max_iter, rng, n_jobs,
         prefetch):
    """The smeared steps ``1 .. n_smeared``, then the refining steps on ``x`` itself."""
    n_samples = problem[3]
    fine = loss._bind(x0.ndim)
    if isinstance(smear, LabelCover):
        evaluate = loss._bind(1, simplices=smear.nerve)
    elif isinstance(smear, PointSubsample):
        evaluate = loss._bind(2)
    else:
        evaluate = fine
    stop = False
    with Parallel(n_jobs=n_jobs, prefer="threads") as parallel:
        parallel = parallel if n_jobs not in (None, 1) and n_samples > 1 else None
        if n_smeared:
            monitor.solver = _solver_name(smear, n_samples, problem[4])
            engine = _fast_step(loss, x0, smear, problem, state, prefetch)
            steps = range(1, n_smeared + 1)
            if engine is not None:
                monitor.solver += ", compiled step"
                stop = _compiled_steps(engine, state, monitor, steps, rng)
            else:
                stop = _python_steps(state, monitor, problem, smear, evaluate, steps, rng,
                                     parallel)
        if not stop and n_smeared < max_iter:
            monitor.solver = "refine (no smearing)"
            _python_steps(state, monitor, problem, None, fine,
                          range(n_smeared + 1, max_iter + 1), rng, None)
