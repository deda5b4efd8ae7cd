r"""STUMP: Stochastic Topological Updates via Momentum and Pooling.

Reference: E. Solomon, A. Wagner, P. Bendich, "A Fast and Robust Method for Global
Topological Functional Optimization", AISTATS 2021, Sec. II.
"""

import os
import sys
import time
import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..loss import TopologicalLoss
from ..smear._fused import _BlockSampler, _CoverSampler, _IdentitySampler, _PointSampler
from ..smear._points import _n_keep
from ..smear._pooling import MEASURES, SIMPLEX_SAMPLINGS, check_block_size
from ..smear._random import as_generator
from ..utils._validation import check_option, check_scalar, check_values
from . import _adam
from ._adam import _mse_adam_step, adam_update
from ._kernel import _LossKernel
from ._min_norm import min_norm_combination
from ._result import OptimizeResult

__all__ = ["stump_minimize"]

_FIDELITIES = ("mse", "bce")
_COMBINES = ("mean", "min_norm")
_CLIP = 1e-7


def _fidelity(kind, x, x0, n_total, weight):
    """Value of the fidelity over the given coordinates and ``weight`` times its gradient.

    mse: ``sum (x - x0)^2 / n``; bce: the mean Bernoulli KL divergence
    ``sum x0 log(x0 / x) + (1 - x0) log((1 - x0) / (1 - x)) / n`` (binary cross-entropy
    minus its minimum, same gradient), with ``x`` clipped to ``[1e-7, 1 - 1e-7]``.
    Coordinates outside the given ones have ``x == x0`` and contribute 0 to both.
    """
    if kind == "mse":
        diff = x - x0
        # einsum, not BLAS (diff @ diff): waking BLAS threads on a busy machine costs
        # milliseconds per step, much more than the sum itself
        return (float(np.einsum("i,i->", diff, diff)) / n_total,
                diff * (2.0 * weight / n_total))
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


def _make_sampler(loss, x0, block_size, measure, simplex_sampling, eps, labels, subsample,
                  block_offset="random"):
    if loss.filtration in ("rips", "weak_alpha"):
        points = x0.reshape(len(x0), -1)
        n_keep = _n_keep(subsample, len(points))
        return _PointSampler(len(points), points.shape[1], n_keep, eps), None
    if loss.filtration == "cubical" and labels is not None:
        labels = np.asarray(labels)
        if labels.shape != x0.shape:
            raise ValueError(f"The 'labels' parameter must have the shape of x0 {x0.shape}, "
                             f"got {labels.shape}.")
        connectivity = "face" if loss.connectivity in ("face", 1) else "full"
        sampler = _CoverSampler(labels, measure, simplex_sampling, eps, connectivity)
        return sampler, sampler.simplices
    if loss.filtration == "cubical":
        sizes = check_block_size(block_size, x0.shape)
        if max(sizes) > 1:
            return _BlockSampler(x0.shape, sizes, measure, simplex_sampling, eps,
                                 block_offset), None
    return _IdentitySampler(eps, x0.shape), None


def _n_cpus():
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _close(sampler):
    """Stop a sampler's worker thread, if it has one."""
    close = getattr(sampler, "close", None)
    if close is not None:
        close()


class _Progress:
    """A plain-text progress bar on stderr."""

    def __init__(self, total):
        self.total = total
        self.every = max(1, total // 100)

    def __call__(self, it, loss, elapsed, final=False):
        if not final and it % self.every:
            return
        done = int(30 * it / self.total)
        sys.stderr.write(f"\rSTUMP [{'#' * done}{'.' * (30 - done)}] {it}/{self.total} "
                         f"loss={loss:.6g} {elapsed:.1f}s")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


def stump_minimize(loss, x0, *, alpha=None, fidelity="mse", block_size=4,
                   measure="simplex", simplex_sampling="normalized_uniform", eps=0.0,
                   block_offset="random", labels=None, subsample=1.0, n_samples=1,
                   combine="mean", n_jobs=None, prefetch="auto", penalty=None,
                   penalty_weight=1.0, bounds=None, learning_rate=0.05, beta1=0.9,
                   beta2=0.999, adam_eps=1e-8, max_iter=1000, tol=None, n_iter_no_change=100,
                   random_state=None, callback=None, verbose=0, refine_iter=0):
    r"""Minimize a smeared topological loss plus a fidelity term with Adam (STUMP).

    .. math::

        L_S(x) = \alpha \, \mathbb{E}_{\omega, h}\big[\Phi(\mathrm{PD}((x + h)_\omega))\big]
        + (1 - \alpha) \, F(x, x_0) + \lambda \, P(x)

    where :math:`(x + h)_\omega` is a random approximate of the input: uniform noise
    :math:`h \in [-\epsilon, \epsilon]` per pixel (Sec. II-C), then pooling over
    ``block_size`` blocks with random convex weights :math:`\omega` (Sec. II-A), or over
    the regions of ``labels`` (on the nerve of that cover), or a random subsample of a point
    cloud (Sec. IV-B). At each step the gradient of :math:`\Phi` on the approximate is
    pulled back to ``x`` through the adjoint of the pooling (exact chain rule, Sec. II-B)
    and Adam takes one step: with ``n_samples=1`` this is the paper's STUMP; with
    ``n_samples=m`` the gradients of ``m`` approximates are averaged (``combine="mean"``) or
    their minimum-norm convex combination is used (``combine="min_norm"``, gradient
    sampling, Sec. II-C). ``block_size=1, eps=0`` is vanilla topological backpropagation.
    With ``refine_iter > 0`` the last ``refine_iter`` steps evaluate :math:`\Phi` on ``x``
    itself (a coarse-to-fine schedule, see Notes).

    Parameters
    ----------
    loss : TopologicalLoss
        :math:`\Phi` composed with a filtration; its ``gradient`` ("both", "birth",
        "death") chooses the critical cells that move. Use ``-functional`` to maximize.
    x0 : array-like
        The start, and the reference of the fidelity term: an image for ``"cubical"``, a
        point cloud for ``"rips"``/``"weak_alpha"``, vertex values for ``"lower_star"``.
    alpha : float in [0, 1], default=None
        Weight of the topological term; None means ``1 - 1 / x0.size`` (the paper's).
    fidelity : {"mse", "bce"}, default="mse"
        :math:`F`: mean squared error, or binary cross-entropy (``x0`` in [0, 1]; reported
        minus its minimum, i.e. the mean Bernoulli KL divergence, same gradient).
    block_size : int or tuple of int, default=4
        Pooling blocks for ``"cubical"`` losses (1 = no pooling); a block larger than the
        image raises ValueError. Ignored by the other filtrations.
    measure : {"center", "vertex", "simplex"}, default="simplex"
        The weights of a block (or region): average, one random pixel, random convex
        weights (see :mod:`sktopo.smear`).
    simplex_sampling : {"normalized_uniform", "dirichlet"}, default="normalized_uniform"
        How ``"simplex"`` weights are drawn (the reference code's normalized uniforms, or
        Dirichlet(1), uniform on the simplex).
    eps : float, default=0
        Half-width of the uniform noise added to every pixel (coordinate) of each
        approximate, >= 0.
    block_offset : "random", int or tuple of int, default="random"
        Offset of the block grid (pixel ``p`` is in block ``(p + offset) // block_size``,
        each ``0 <= offset < block_size``; blocks at the image border are partial).
        ``"random"`` draws it uniformly for every approximate, so that every pair of
        neighbouring pixels shares a block in some approximates; ``0`` is the STUMP
        paper's fixed grid (see Notes).
    labels : array-like of int of the shape of x0, default=None
        A cover (superpixels) used instead of blocks for ``"cubical"`` losses.
    subsample : int or float, default=1.0
        Points kept in each approximate of a point cloud (count or fraction).
    n_samples : int, default=1
        Approximates per step.
    combine : {"mean", "min_norm"}, default="mean"
        How the gradients of the ``n_samples`` approximates are combined.
    n_jobs : int, default=None
        Threads pairing the ``n_samples`` approximates of a step in parallel (joblib's
        convention: None means 1, -1 all cores). Threads, not processes: the approximates
        share the sampler's buffers, and the speed-up comes from pairing kernels that
        release the GIL. The draws happen in the main thread, so the result does not
        depend on ``n_jobs``. Worth it when a pairing takes milliseconds (see Notes).
    prefetch : bool or "auto", default="auto"
        With 2-D block pooling and ``n_samples=1``: draw the random bits of the next
        approximate and pool ``x0`` with them in a worker thread while the current one is
        paired (see Notes). ``"auto"``: when the process may run on two CPUs or more. The
        result is the same either way.
    penalty : object, default=None
        An extra term :math:`P` on the iterate itself (not smeared), with a method
        ``value_and_grad(x) -> (value, grad)`` taking and returning arrays of the shape of
        ``x0``, e.g. :class:`~sktopo.penalties.GroupingPenalty`. None means no term.
    penalty_weight : float, default=1.0
        Its weight :math:`\lambda`, >= 0.
    bounds : (low, high) or None, default=None
        Box constraints on every value of the iterate: after each Adam step the values are
        clipped to ``[low, high]`` (projected Adam); None for either end means no bound.
        ``x0`` must lie inside. E.g. ``(0, 255)`` for 8-bit images; it keeps long STUMP
        runs from digging features below the data range (see Notes).
    learning_rate, beta1, beta2, adam_eps : float
        Adam's parameters (see :class:`~sktopo.optim.Adam`), defaults 0.05 (the paper's),
        0.9, 0.999, 1e-8.
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
    random_state : int, RandomState, Generator or None, default=None
        Seeds all the draws (weights, noise, subsamples); the same value gives the same
        run.
    callback : callable, default=None
        ``callback(intermediate_result)`` after every step with an :class:`OptimizeResult`
        (``x`` is a read-only view of the iterate); returning True stops the run.
    verbose : int, default=0
        > 0 prints a progress bar to stderr.
    refine_iter : int, default=0
        Number of final steps, out of ``max_iter``, on the iterate itself: no pooling, no
        cover, no noise, no subsample (one approximate, ``x``), the same Adam state and
        objective otherwise. 0 means every step is smeared.

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
    than a block, so smeared steps alone leave such features in place (on a 256 x 256
    noisy image, 2 x 2 pooling leaves 9192 of 15808 small bars; plain backpropagation
    leaves 1). Ending with steps on ``x`` itself removes them as well, while the smeared
    steps before keep the robustness of STUMP's optima (fewer features near the
    threshold come back under small perturbations). Any cover defines a set of
    approximates (Sec. II-A); the refining steps use the finest one, one pixel per set.

    Long runs and ``bounds``: the smeared loss keeps a floor (the noise of the
    approximates makes bars of their own) and so does its gradient, while the fidelity
    term of weight ``1 - alpha = 1 / P`` hardly pulls back, so STUMP does not settle:
    after the blobs are connected it keeps lowering the same pixels. On the paper's blobs
    image (``k = 4``, ``eps = 50``) the W1 norm of the H0 bars above 50 of the image is 0
    after 20,000 steps, then 308 (5 bars) after 100,000 and 3292 (48 bars) after
    300,000, with pixels at -735 on a [0, 255] image: the channels dug below the blobs
    become new components. With ``bounds=(0, 255)`` it is 0 up to 120,000 steps and
    51-172 (1-3 bars) up to 300,000. Stop after a number of steps (the paper's 10,000),
    keep the values in the data range with ``bounds``, or watch the loss of the image
    itself in a ``callback`` (which may stop the run).

    Shifted block grids (``block_offset="random"``, the default): the paper pools over one
    fixed grid of blocks (``block_offset=0``). Then a pixel at a block edge and its
    neighbour across the edge never share a block, so a one-pixel ridge between two
    blocks is invisible to every approximate. On the paper's blobs image (``k = 4``,
    10,000 steps) the fixed-grid optimum keeps such ridges, bars of lifetime 40-50 at the
    block edges, which uniform noise of +-10 pushes over the threshold of 50: the W1 norm
    rises by 22-39 % under noise, against 2-3 % with random offsets, which also reach a
    lower W1 norm (298-300 with 4 bars, against 302-353 with 4-5). On smooth random
    images the random offsets end 2-3x lower. Use ``block_offset=0`` when the structure
    of the data is aligned with a fixed grid of blocks (e.g. an image upsampled by
    ``block_size``).

    Parallel pairings (``n_jobs``): a thread pool of the standard library, not
    ``joblib.Parallel``, whose dispatch costs milliseconds per call, more than the
    pairings of a step on small approximates (blobs, 4 x 4 blocks, ``n_samples=2``: 12 ms
    per step through joblib, 1.6 ms sequential). Two threads gain 1.2-1.3x when pairings
    take milliseconds (1024 x 1024 image, 4 x 4 blocks, ``n_samples=4``: 42-45 against
    50-57 ms per step) and lose on small approximates, whose Python work holds the GIL.

    Prefetching (``prefetch``): the noise and the weights of an approximate do not
    depend on ``x``, and ``x`` differs from ``x0`` only on the pixels that ever moved. So
    the block sums of ``x0 + h`` of the next approximate are computed ahead, while the
    current one is paired, and corrected by ``u * (x - x0)`` over the moved pixels when
    it is used (pooled directly from ``x`` once more than a quarter of the pixels moved).
    The worker is a thread running compiled code without the GIL, so it runs on a second
    core; without one it computes the same numbers inline. Between jobs it polls for
    about a millisecond before it sleeps (a sleeping virtual CPU may take longer to wake
    up than a step), so a run keeps a second core busy. Whether the worker pays depends
    on the machine: with the other core taken by another process, or virtual CPUs short
    of host time, it competes with the step for the CPU. So the run measures: after 320
    steps, then every 4000, the other mode (worker or inline jobs) runs for 80 steps,
    and the faster is kept; a worker that keeps the steps waiting (over about 64 steps,
    each wait counted for at most 2 ms) is stopped at once. On blobs with another
    process busy on the other core: 0.40 ms per step with ``prefetch="auto"``, 0.39
    with ``prefetch=False`` (0.47-0.58 before this choice); with a free core 0.23-0.30
    against 0.40.

    Exactness and speed: pixels whose gradient has always been 0 have zero Adam moments
    and stay at ``x0`` (also a zero fidelity gradient), so Adam runs on the compact set of
    pixels that ever received a topological gradient; this is the dense update, computed
    on fewer coordinates. The block pooling of 2-D images is one compiled pass drawing
    16-bit noise and weights per pixel (see ``sktopo.smear._fused``); the pairing of an
    approximate calls the private cubical kernel on the pooled array, validated once,
    and a ``PersistenceNorm`` reads its terms straight from the pairs (W1 and W2 norms
    of 2-D images inside the compiled kernel, with numpy's arithmetic). With the mse
    fidelity and no penalty, the fidelity, the scatter of the topological gradient and
    the Adam step are one compiled pass over the active set, with the arithmetic of
    ``adam_update`` (the same iterates to the bit). When all of these apply with one
    approximate per step (2-D block pooling, ``PersistenceNorm`` terms with ``p`` 1 or 2,
    the mse fidelity, no penalty), the whole step is one compiled call
    (``sktopo.smear._sampling.BlockStep``): the same arithmetic in the same order, so the
    same run, without the Python objects of the steps above (on blobs, 0.25 against
    0.29-0.34 ms per step).

    References
    ----------
    .. [1] E. Solomon, A. Wagner, P. Bendich, "A Fast and Robust Method for Global
       Topological Functional Optimization", AISTATS 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import TopologicalLoss, stump_minimize
    >>> from sktopo.functionals import PersistenceNorm
    >>> rng = np.random.default_rng(0)
    >>> x0 = rng.random((16, 16)) * 10
    >>> loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=1), homology_dimensions=0)
    >>> res = stump_minimize(loss, x0, block_size=2, eps=1.0, learning_rate=0.1,
    ...                      max_iter=200, random_state=0)
    >>> res.x.shape, res.n_iter
    ((16, 16), 200)
    >>> bool(loss(res.x) < loss(x0))
    True
    """
    if not isinstance(loss, TopologicalLoss):
        raise TypeError(f"The 'loss' parameter must be a TopologicalLoss, got "
                        f"{type(loss).__name__}.")
    x0 = check_values(x0, "x0")
    x0_flat = x0.ravel()
    n_total = x0.size
    if alpha is None:
        alpha = 1.0 - 1.0 / n_total
    check_scalar(alpha, "alpha", low=0, high=1)
    check_option(fidelity, "fidelity", _FIDELITIES)
    if fidelity == "bce" and (x0.min() < 0 or x0.max() > 1):
        raise ValueError("The 'fidelity' parameter 'bce' needs x0 in [0, 1].")
    check_option(measure, "measure", MEASURES)
    check_option(simplex_sampling, "simplex_sampling", SIMPLEX_SAMPLINGS)
    check_scalar(eps, "eps", low=0)
    check_scalar(n_samples, "n_samples", low=1, integer=True)
    check_option(combine, "combine", _COMBINES)
    check_scalar(learning_rate, "learning_rate", low=0, include_low=False)
    check_scalar(beta1, "beta1", low=0, high=1)
    check_scalar(beta2, "beta2", low=0, high=1)
    check_scalar(adam_eps, "adam_eps", low=0)
    check_scalar(max_iter, "max_iter", low=1, integer=True)
    check_scalar(refine_iter, "refine_iter", low=0, integer=True)
    if refine_iter > max_iter:
        raise ValueError(f"The 'refine_iter' parameter must be <= max_iter={max_iter}, got "
                         f"{refine_iter!r}.")
    check_scalar(n_iter_no_change, "n_iter_no_change", low=1, integer=True)
    if tol is not None:
        check_scalar(tol, "tol", low=0)
    if callback is not None and not callable(callback):
        raise TypeError(f"The 'callback' parameter must be callable, got {callback!r}.")
    if penalty is not None and not callable(getattr(penalty, "value_and_grad", None)):
        raise TypeError("The 'penalty' parameter must have a value_and_grad method, got "
                        f"{type(penalty).__name__}.")
    check_scalar(penalty_weight, "penalty_weight", low=0)
    low, high = _check_bounds(bounds, x0)
    clip = low > -np.inf or high < np.inf
    if n_jobs is not None and not isinstance(n_jobs, (Integral, np.integer)):
        raise TypeError(f"The 'n_jobs' parameter must be an int or None, got {n_jobs!r}.")
    if isinstance(prefetch, str) and prefetch == "auto":
        prefetch = _n_cpus() >= 2
    elif not isinstance(prefetch, (bool, np.bool_)):
        raise ValueError(f"The 'prefetch' parameter must be a bool or 'auto', got "
                         f"{prefetch!r}.")

    sampler, simplices = _make_sampler(loss, x0, block_size, measure, simplex_sampling,
                                       eps, labels, subsample, block_offset)
    filtration = "lower_star" if simplices is not None else None
    kernel = _LossKernel(loss, filtration, simplices, ndim=x0.ndim)
    kernel.funcs  # the loss parameters are validated once, here
    fine_kernel = kernel if simplices is None else _LossKernel(loss, ndim=x0.ndim)
    rng = as_generator(random_state)

    x = x0_flat.copy()
    # Adam on the compact set of active coordinates (see Notes)
    pos = np.full(n_total, -1, dtype=np.intp)
    act = np.empty(0, dtype=np.intp)
    x_act, x0_act = np.empty(0), np.empty(0)
    m_act, v_act = np.empty(0), np.empty(0)
    # one compiled pass per step for the common case (mse, no penalty, one approximate)
    fused = fidelity == "mse" and penalty is None
    bins = np.zeros(n_total) if fused else None     # scratch of the compiled scatter-add
    loss_curve = np.empty(max_iter)
    step_times = np.empty(max_iter)
    progress = _Progress(max_iter) if verbose else None
    pool = None
    if n_samples > 1 and n_jobs not in (None, 1):
        from concurrent.futures import ThreadPoolExecutor

        from joblib import effective_n_jobs

        # a thread pool, not joblib.Parallel: a joblib dispatch costs milliseconds, more
        # than the pairings of a step (12 ms against 1.4 ms per step, see Notes)
        pool = ThreadPoolExecutor(max_workers=min(n_samples, effective_n_jobs(n_jobs)))
    converged, stopped, message = False, False, ""
    min_norm = None
    it = 0
    n_draws = n_samples
    engine = None
    if isinstance(sampler, _BlockSampler):
        if fused and n_samples == 1 and max_iter > refine_iter and _adam._adam_step:
            # the whole step in one compiled call (the same numbers, see Notes)
            engine = sampler.step_engine(x, kernel, alpha, learning_rate, beta1, beta2,
                                         adam_eps, prefetch, (low, high))
        if engine is None:
            sampler.start(x, n_samples, prefetch=bool(prefetch))
    else:
        sampler.start(x, n_samples)
    if callback is not None:
        view = x.reshape(x0.shape).view()     # (x is moved in place: one view for all)
        view.flags.writeable = False
    start = time.perf_counter()
    try:
        for it in range(1, max_iter + 1):
            if it == max_iter - refine_iter + 1:
                # refining steps: the approximate is x itself (see Notes)
                _close(sampler)
                if engine is not None:
                    act, x_act, x0_act, m_act, v_act = engine.state()
                    pos[act] = np.arange(act.size)
                    engine.close()
                    engine = None
                sampler, kernel, n_draws = _IdentitySampler(0.0, x0.shape), fine_kernel, 1
                sampler.start(x)
            if engine is not None:
                if engine.raw_left < 4:
                    engine.feed(rng.bit_generator.random_raw(512))
                value = engine.step(it)
            else:
                if n_draws == 1:
                    values, ctx = sampler.sample(rng)
                    topo, bidx, bval = kernel(values)
                    pulled = [sampler.pullback(bidx, bval, ctx)]
                else:
                    draws = [sampler.sample(rng, s) for s in range(n_samples)]
                    if pool is not None:
                        outs = list(pool.map(kernel, [v for v, _ in draws]))
                    else:
                        outs = [kernel(v) for v, _ in draws]
                    topo = sum(o[0] for o in outs) / n_samples
                    pulled = [sampler.pullback(o[1], o[2], d[1]) for o, d in zip(outs, draws)]
                # coordinates receiving a gradient for the first time join the active set
                all_idx = pulled[0][0] if n_draws == 1 else np.concatenate([p[0] for p in pulled])
                if penalty is not None:
                    # the penalty's gradient is dense: its nonzero coordinates join as well
                    pen, pen_grad = penalty.value_and_grad(x.reshape(x0.shape))
                    pen_grad = np.ravel(pen_grad)
                    all_idx = np.concatenate([all_idx, np.flatnonzero(pen_grad)])
                new = all_idx[pos[all_idx] < 0]
                if new.size:
                    new = np.unique(new)
                    pos[new] = np.arange(act.size, act.size + new.size)
                    act = np.concatenate([act, new])
                    x_act = np.concatenate([x_act, x[new]])
                    x0_act = np.concatenate([x0_act, x0_flat[new]])
                    m_act = np.concatenate([m_act, np.zeros(new.size)])
                    v_act = np.concatenate([v_act, np.zeros(new.size)])
                if fused and n_draws == 1:
                    # the fidelity, the scatter of the topological gradient, Adam and
                    # x[act] = x_act in one pass: the arithmetic of the branch below
                    pidx, pval = pulled[0]
                    fid = _mse_adam_step(x, act, x_act, x0_act, m_act, v_act, bins, pos, pidx,
                                         pval, n_total, 1.0 - alpha, alpha, it, learning_rate,
                                         beta1, beta2, adam_eps)
                    value = alpha * topo + (1.0 - alpha) * fid
                    if clip:
                        np.clip(x_act, low, high, out=x_act)
                        x[act] = x_act
                else:
                    fid, grad = _fidelity(fidelity, x_act, x0_act, n_total, 1.0 - alpha)
                    if penalty is not None:
                        grad += pen_grad[act] * penalty_weight
                    if combine == "mean" or n_draws == 1:
                        for pidx, pval in pulled:
                            grad += np.bincount(pos[pidx], pval, minlength=act.size) * (
                                alpha / n_draws)
                    else:
                        G = np.empty((n_samples, act.size))
                        for i, (pidx, pval) in enumerate(pulled):
                            G[i] = np.bincount(pos[pidx], pval, minlength=act.size) * alpha
                        G += grad
                        c, sq_norm = min_norm_combination(G @ G.T)
                        grad = c @ G
                        min_norm = float(np.sqrt(sq_norm))
                    value = alpha * topo + (1.0 - alpha) * fid
                    if penalty is not None:
                        value += penalty_weight * float(pen)
                    adam_update(x_act, grad, m_act, v_act, it, learning_rate, beta1, beta2,
                                adam_eps)
                    if clip:
                        np.clip(x_act, low, high, out=x_act)
                    x[act] = x_act
                sampler.update(act, x_act, x0_act)
            loss_curve[it - 1] = value
            step_times[it - 1] = time.perf_counter() - start
            if progress is not None:
                progress(it, value, step_times[it - 1])
            if tol is not None:
                if combine == "min_norm" and n_draws > 1:
                    if min_norm <= tol:
                        converged, message = True, "The min-norm gradient is below tol."
                elif it >= 2 * n_iter_no_change:
                    w = n_iter_no_change
                    prev = loss_curve[it - 2 * w:it - w].mean()
                    cur = loss_curve[it - w:it].mean()
                    if cur >= prev - tol * abs(prev):
                        converged, message = True, (
                            f"The mean loss over {w} steps decreased by less than tol.")
            if callback is not None:
                inter = OptimizeResult(view, float(value), it, loss_curve[:it],
                                       step_times[:it], converged, message, min_norm)
                if callback(inter):  # any truthy value (np.bool_ included) stops
                    stopped, message = True, "Stopped by the callback."
            if converged or stopped:
                break
    finally:
        _close(sampler)
        if engine is not None:
            engine.close()
        if pool is not None:
            pool.shutdown()
    if progress is not None:
        progress(it, loss_curve[it - 1], step_times[it - 1], final=True)
    if not (converged or stopped):
        message = f"Reached max_iter={max_iter}."
        if tol is not None:
            warnings.warn(f"stump_minimize reached max_iter={max_iter} without meeting "
                          f"tol={tol}; consider increasing max_iter or tol.",
                          ConvergenceWarning, stacklevel=2)
    return OptimizeResult(x.reshape(x0.shape), float(loss_curve[it - 1]), it,
                          loss_curve[:it].copy(), step_times[:it].copy(), converged,
                          message, min_norm)
