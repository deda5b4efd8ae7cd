r"""Big steps: every cell that must move for a diagram point to reach its target, at once.

A gradient step moves only the two critical cells of each diagram point, so a bar whose
death must come down by 100 needs many steps, each moving a saddle that the next pairing
replaces by a neighbour. Nigmetov and Morozov's *critical sets* (Topological optimization
with big steps, DCG 2024; Oineus' ``crit-sets``) move instead every cell whose value must
change for the point to reach its target value, in one step:

* each diagram point in the support of the functional gets a target (its minimizer for
  the thresholded norms and the distances to a target diagram, a gradient step of
  ``learning_rate`` otherwise), restricted to the side that ``loss.gradient`` allows;
* the target is turned into cell moves: raising a minimum floods its basin
  (:mod:`._critical_sets`), lowering a saddle carves the cheapest channel to an older
  basin (the kernel of exact simplification, :mod:`sktopo.simplification`); maxima and the
  top-dimensional (hole) pairs are the same moves on ``-x`` with the dual connectivity.
  On a point cloud, moving the death of a loop (H1) scales its *cycle* about its
  centroid: the birth edge and the path between its end points in the minimum spanning
  tree (a cycle of the class when it is born), with the points within the birth value of
  it following their nearest cycle point; the death of a loop is the scale at which its
  cycle gets filled, which the homothety multiplies by its ratio. Moves that cannot be
  decomposed this way (lowering a minimum, raising a saddle, H1 of a volume, the other
  critical edges of a point cloud) move the critical cells alone, to their targets;
* overlapping moves are combined (``conflict``: the extreme target of each direction, or
  their mean), and the pairing is recomputed: a few steps reach the target diagram.
"""

import time

import numpy as np
from scipy.spatial import cKDTree

from ..functionals import DeathNorm, DiagramDistance, PersistenceNorm
from ..functionals._matching import _target_points, diagram_matching
from ..smear import extend_gradient
from ..utils._validation import check_option, check_scalar, check_values
from ..simplification._channels import lower_channels
from ._critical_sets import flood_sets
from ._cycles import _add_moves, _cycle_moves, _spanning_forest
from ._result import OptimizeResult

__all__ = ["big_step_minimize"]

_CONFLICTS = ("extreme", "mean")


# -- targets of the diagram points ---------------------------------------------------------

def _restrict(births, deaths, new_b, new_d, side):
    """Keep only the coordinate ``side`` may move ("both", "birth" or "death")."""
    if side == "death":
        return births.copy(), new_d
    if side == "birth":
        return new_b, deaths.copy()
    return new_b, new_d


def _to_lifetime(births, deaths, lifetime, side):
    """Points moved so that ``|death - birth| = lifetime``, along the side that moves."""
    sign = np.sign(deaths - births)
    with np.errstate(invalid="ignore"):
        if side == "death":
            new_b, new_d = births.copy(), births + sign * lifetime
        elif side == "birth":
            new_b, new_d = deaths - sign * lifetime, deaths.copy()
        else:
            mid = (births + deaths) / 2
            new_b, new_d = mid - sign * lifetime / 2, mid + sign * lifetime / 2
        # rounding may leave the lifetime a hair above the threshold (and the point in
        # an open region): step the moving coordinate towards the other by one ulp
        over = np.abs(new_d - new_b) > lifetime
        moving_end = new_b if side == "birth" else new_d
        other = new_d if side == "birth" else new_b
        moving_end[over] = np.nextafter(moving_end[over], other[over])
    return new_b, new_d


def diagram_targets(functional, diagram, side="both", learning_rate=1.0):
    """Target of every point of ``diagram`` for a big step of ``functional``.

    Returns ``(moving, new_births, new_deaths)``: a boolean mask of the points that move
    and the targets of all points (equal to the points where ``moving`` is False).
    """
    births, deaths = diagram.births, diagram.deaths
    finite = ~diagram.essential
    if isinstance(functional, PersistenceNorm):
        moving = functional.region(diagram) & finite
        # the nearest point of zero contribution: lifetime min_persistence (the region is
        # open there), on the diagonal when the minimum is 0; aimed a relative 1e-9 inside,
        # so that the rounding of the moves of several pairs cannot leave a bar a hair
        # above the threshold (and the next step with nothing but that hair to move)
        scale = np.abs(births) + np.abs(deaths) + functional.min_persistence
        with np.errstate(invalid="ignore"):
            lifetime = np.maximum(functional.min_persistence - 1e-9 * scale, 0.0)
        new_b, new_d = _to_lifetime(births, deaths, lifetime, side)
    elif isinstance(functional, DeathNorm):
        # the point leaves the diagram when its death comes down to its birth (the
        # gradient is on the deaths alone: a side without deaths does not move)
        moving = finite & (side != "birth") & (deaths != births)
        new_b, new_d = births.copy(), np.where(moving, births, deaths)
    elif isinstance(functional, DiagramDistance):
        B = _target_points(functional.target)
        A = diagram.to_array()[finite]
        _, match = diagram_matching(A, B, functional.p, functional.internal_p)
        goal = np.where(match[:, None] >= 0, B[np.maximum(match, 0)] if len(B) else A,
                        np.nan)
        to_diag = match < 0
        proj_b, proj_d = _to_lifetime(A[to_diag, 0], A[to_diag, 1], 0.0, side)
        goal[to_diag, 0], goal[to_diag, 1] = proj_b, proj_d
        new_b, new_d = births.copy(), deaths.copy()
        new_b[finite], new_d[finite] = goal[:, 0], goal[:, 1]
        new_b, new_d = _restrict(births, deaths, new_b, new_d, side)
        moving = finite & ((new_b != births) | (new_d != deaths))
    else:
        _, gb, gd = functional.value_and_grad(diagram)
        new_b, new_d = _restrict(births, deaths, births - learning_rate * gb,
                                 deaths - learning_rate * gd, side)
        moving = finite & ((gb != 0) | (gd != 0))
    return moving, new_b, new_d


# -- from point targets to cell moves ------------------------------------------------------

def _grid_offsets(padded_shape, full):
    """Flat offsets of the neighbours of a cell of a C-order array of ``padded_shape``."""
    strides = np.cumprod((padded_shape[1:] + (1,))[::-1])[::-1]
    ndim = len(padded_shape)
    steps = np.array(np.meshgrid(*[[-1, 0, 1]] * ndim, indexing="ij")).reshape(ndim, -1).T
    steps = steps[np.abs(steps).sum(axis=1) > 0]
    if not full:
        steps = steps[np.abs(steps).sum(axis=1) == 1]
    return np.ascontiguousarray(steps @ strides, dtype=np.int64)


class _GridView:
    """``x`` (or ``-x``) padded by one cell, as the H0 of a sublevel filtration sees it.

    ``sign * x`` is the function; the border is ``+inf`` (never entered) for H0 and
    ``-inf`` (the oldest basin, the outside) for the top dimension's dual view.
    """

    def __init__(self, x, sign, full, border):
        self.shape = x.shape
        padded = np.full(tuple(s + 2 for s in x.shape), border)
        padded[(slice(1, -1),) * x.ndim] = sign * x
        self.g = padded.ravel()
        self.sign = sign
        self.offsets = _grid_offsets(padded.shape, full)
        self.padded_shape = padded.shape

    def to_padded(self, flat):
        return np.ravel_multi_index(
            tuple(c + 1 for c in np.unravel_index(flat, self.shape)), self.padded_shape)

    def to_flat(self, padded_flat):
        coords = np.unravel_index(padded_flat, self.padded_shape)
        inside = np.all([(c >= 1) & (c <= s) for c, s in zip(coords, self.shape)], axis=0)
        return inside, np.ravel_multi_index(
            tuple(np.clip(c - 1, 0, s - 1) for c, s in zip(coords, self.shape)), self.shape)


def _extremum_moves(x, births_idx, deaths_idx, new_b, new_d, old_b, old_d, sign, full,
                    border):
    """Cell moves of H0 pairs of ``sign * x``: (flat cells, target values of x).

    ``border=-inf`` is the dual view of the top dimension: the filtration order reversed,
    so ties go to the larger index.
    """
    view = _GridView(x, sign, full, border)
    vb, vd = sign * new_b, sign * new_d          # targets as the view sees them
    ob, od = sign * old_b, sign * old_d
    pb, pd = view.to_padded(births_idx), view.to_padded(deaths_idx)
    cells, values = [], []                         # padded cells, view values
    flat_cells, flat_values = [], []               # flat cells, values of x
    up = vb > ob                                   # raise the minimum: flood its basin
    if up.any():
        level = np.minimum(vb[up], od[up])
        c, owner = flood_sets(view.g, view.offsets, pb[up], level)
        cells.append(c)
        values.append(level[owner])
    down = vd < od                                 # lower the saddle: carve a path
    if down.any():
        t = np.maximum(vd[down], np.maximum(vb[down], ob[down]))
        g = view.g.reshape(view.padded_shape)[(slice(1, -1),) * x.ndim].ravel()
        dual = border < 0
        lowered, _ = lower_channels(g, (1,) * (3 - x.ndim) + x.shape, x.ndim, full,
                                    births_idx[down].astype(np.int64),
                                    deaths_idx[down].astype(np.int64), t, dual, 0.0, dual)
        moved = np.flatnonzero(lowered < g)
        flat_cells.append(moved)
        flat_values.append(sign * lowered[moved])
    # the other directions move their critical cell alone
    for mask, idx, target in ((vb < ob, pb, vb), (vd > od, pd, vd)):
        if mask.any():
            cells.append(idx[mask])
            values.append(target[mask])
    if cells:
        cells, values = np.concatenate(cells), np.concatenate(values)
        inside, flat = view.to_flat(cells)
        flat_cells.append(flat[inside])
        flat_values.append(sign * values[inside])
    if not flat_cells:
        return np.empty(0, dtype=np.intp), np.empty(0)
    return np.concatenate(flat_cells), np.concatenate(flat_values)


def _combine(size, cells, values, current, conflict):
    """One target per cell: per direction the extreme one (``"extreme"``), or the mean."""
    new = current.copy()
    if cells.size == 0:
        return new
    if conflict == "mean":
        total = np.bincount(cells, weights=values, minlength=size)
        count = np.bincount(cells, minlength=size)
        moved = count > 0
        new[moved] = total[moved] / count[moved]
        return new
    lower = values < current[cells]
    low = np.full(size, np.inf)
    np.minimum.at(low, cells[lower], values[lower])
    high = np.full(size, -np.inf)
    np.maximum.at(high, cells[~lower], values[~lower])
    has_low, has_high = np.isfinite(low), np.isfinite(high)
    new[has_low] = low[has_low]
    new[has_high] = high[has_high]
    # pulled both ways (a saddle that kills one class and gives birth to another): the
    # larger move wins; the middle would leave both pairs where they were
    both = np.flatnonzero(has_low & has_high)
    up = high[both] - current[both] >= current[both] - low[both]
    new[both] = np.where(up, high[both], low[both])
    return new


def _grid_step(loss, x, diagrams, funcs, learning_rate, conflict):
    full = loss.connectivity in ("full", x.ndim)
    top = x.ndim - 1
    cells, values = [], []
    for d, func in funcs.items():
        dgm = diagrams[d]
        moving, new_b, new_d = diagram_targets(func, dgm, loss.gradient, learning_rate)
        if not moving.any():
            continue
        sel = np.flatnonzero(moving)
        b_idx, d_idx = dgm.birth_index[sel], dgm.death_index[sel]
        nb, nd, ob, od = new_b[sel], new_d[sel], dgm.births[sel], dgm.deaths[sel]
        sign = -1.0 if loss.superlevel else 1.0
        if d == 0:
            c, v = _extremum_moves(x, b_idx, d_idx, nb, nd, ob, od, sign, full, np.inf)
        elif d == top and top > 0:
            # H(top) of the sublevel filtration is the H0 of the superlevel one with the
            # dual connectivity, the outside as its oldest basin: the maximum is its birth
            c, v = _extremum_moves(x, d_idx, b_idx, nd, nb, od, ob, -sign, not full, -np.inf)
        else:
            c = np.concatenate([b_idx, d_idx])
            v = np.concatenate([nb, nd])
        cells.append(c)
        values.append(v)
    if not cells:
        return x
    flat = _combine(x.size, np.concatenate(cells), np.concatenate(values), x.ravel(),
                    conflict)
    return flat.reshape(x.shape)


def _point_cloud_step(loss, x, diagrams, funcs, learning_rate, conflict, sigma=None):
    """Critical sets of a point cloud (see :func:`big_step_minimize`): the cycle of each
    H1 point whose death moves is scaled about its centroid; every other critical edge is
    moved to its target length (both end points move half the change along it). A point
    in several moves: the sum of its edge moves, or their mean; the longest of its cycle
    moves, or their mean. With ``sigma``, the moves are extended to the neighbourhoods
    (diffeomorphic interpolation)."""
    pts = x.reshape(len(x), -1)
    shift = np.zeros_like(pts)
    count = np.zeros(len(pts))
    cycles, forest = [], None
    for d, func in funcs.items():
        dgm = diagrams[d]
        moving, new_b, new_d = diagram_targets(func, dgm, loss.gradient, learning_rate)
        scaled = moving & (new_d != dgm.deaths) & (d == 1) & (dgm.births > 0)
        if scaled.any():
            sel = np.flatnonzero(scaled)
            # a homothety scales the birth and the death: the ratio that brings the
            # death (DeathNorm) or the lifetime (the others) to its target
            if isinstance(func, DeathNorm):
                ratio = new_d[sel] / dgm.deaths[sel]
            else:
                ratio = np.abs(new_d[sel] - new_b[sel]) / dgm.lifetimes[sel]
            if forest is None:
                forest, tree = _spanning_forest(loss, pts), cKDTree(pts)
            found, missed = _cycle_moves(pts, dgm, sel, np.clip(ratio, 1e-3, 1e3), forest,
                                         tree)
            cycles += found
            new_d = new_d.copy()
            new_d[sel[~missed]] = dgm.deaths[sel[~missed]]     # no edge move for them
        for idx, old, new in ((dgm.birth_index, dgm.births, new_b),
                              (dgm.death_index, dgm.deaths, new_d)):
            sel = moving & (new != old) & (idx[:, 0] >= 0) & (idx[:, 0] != idx[:, 1])
            if not sel.any():
                continue
            i, j = idx[sel, 0], idx[sel, 1]
            diff = pts[i] - pts[j]
            length = np.linalg.norm(diff, axis=1)
            ok = length > 0
            scale = (new[sel][ok] - length[ok]) / (2 * length[ok])
            move = diff[ok] * scale[:, None]
            np.add.at(shift, i[ok], move)
            np.add.at(shift, j[ok], -move)
            np.add.at(count, i[ok], 1)
            np.add.at(count, j[ok], 1)
    moved = count > 0
    if conflict == "mean":
        shift[moved] /= count[moved, None]
    if cycles:
        cycle_shift, cycle_count = np.zeros_like(pts), np.zeros(len(pts))
        _add_moves(cycle_shift, cycle_count, cycles, conflict)
        if conflict == "mean":
            cycle_shift[cycle_count > 0] /= cycle_count[cycle_count > 0, None]
        shift += cycle_shift
    if sigma is not None:
        shift = extend_gradient(pts, shift, sigma)
    return (pts + shift).reshape(x.shape)


def big_step_minimize(loss, x0, *, max_iter=100, tol=None, learning_rate=1.0,
                      conflict="extreme", sigma=None, callback=None, verbose=0):
    r"""Minimize a topological loss by big steps: critical sets moved to their targets.

    At every step each diagram point in the support of the loss's functional gets a
    target, and every cell that must change for it to get there moves at once (see
    Notes); the pairing is then recomputed. A few steps usually reach the target
    diagram, each as cheap as one loss evaluation.

    Parameters
    ----------
    loss : TopologicalLoss
        The loss; ``loss.gradient`` ("both", "birth", "death") says which side of each
        point may move. Cubical filtrations (1-D, 2-D, 3-D) get the full critical sets;
        point clouds (``"rips"``, ``"weak_alpha"``) move their critical edges.
    x0 : array-like
        The input; not modified.
    max_iter : int, default=100
        Maximum number of steps.
    tol : float, default=None
        Stop when the loss is at most ``tol``. None: stop when no cell is left to move
        (every point at its target), or after ``max_iter`` steps.
    learning_rate : float, default=1.0
        Step on the diagram points for functionals without a closed-form target (the
        thresholded norms and the distances to a target diagram have one).
    conflict : {"extreme", "mean"}, default="extreme"
        How the moves of one cell are combined: the most extreme target of each direction
        (every point reaches its target; a cell pulled both ways takes the larger of its
        two moves), or the mean of all targets (Oineus' ``Avg``).
    sigma : float, default=None
        Point clouds only: extend the moves of the critical points to a smooth field on
        the whole cloud with a Gaussian kernel of this width
        (:func:`~sktopo.smear.extend_gradient`), so that their neighbourhoods move with
        them. None moves the critical points alone.
    callback : callable, default=None
        ``callback(result)`` after every step, with an :class:`OptimizeResult`; returning
        True stops the run.
    verbose : int, default=0
        Print the loss after every step when > 0.

    Returns
    -------
    result : OptimizeResult
        ``x`` the last iterate, ``fun`` its loss, ``n_iter``, ``loss_curve`` (the loss
        before the first step, then after every step), ``step_times``.

    Notes
    -----
    Targets: a :class:`~sktopo.functionals.PersistenceNorm` moves every point of its
    region to lifetime ``min_persistence`` (the nearest point outside the region); a
    :class:`~sktopo.functionals.DiagramDistance` moves every point to its partner in the
    optimal matching (the diagonal projection if unmatched); a
    :class:`~sktopo.functionals.DeathNorm` lowers every death to its birth (the point
    leaves the diagram); other functionals take a
    gradient step of ``learning_rate`` on the diagram.

    Critical sets on grids (H0 and the top dimension, sub- and superlevel): raising the
    birth of a minimum to ``t`` raises its whole basin below ``t`` (flooding); lowering a
    saddle to ``t`` lowers to ``t`` the cells of the cheapest path (least sum of changes)
    from the basin to an older one inside the saddle's component. Both are
    exactly what the point needs: after the move the pair is (new birth, old death) or
    (old birth, ``t``). Lowering a minimum or raising a saddle moves the critical cell
    alone (the next pairing may show another saddle, handled at the next step), as do
    H1 of a volume and the critical edges of a point cloud (both end points move half the
    change along the edge).

    Critical sets of point clouds (``"rips"``, ``"weak_alpha"``): a loop (H1 point) whose
    death must move is born at an edge ``(a, b)`` whose end points are already joined
    in the minimum spanning forest (the H0 death edges); that path and the edge form a
    cycle of the class. The loop dies at the scale at which the cycle is filled, so the
    cycle is scaled about its centroid by the ratio that brings the death (``DeathNorm``)
    or the lifetime (the others: the homothety scales both ends) to its target; the
    points within the birth value of the cycle follow their nearest cycle point, so that
    the loop does not leave its neighbours behind as a new one. Every cycle point moves
    at once, as a critical set does: on the noisy circle of the diffeomorphic
    interpolation paper a loss ``sum d^2`` falls by 90 % in a few to a few tens of steps,
    where vanilla gradient descent takes hundreds (``benchmarks/bench_point_clouds.py``).

    References
    ----------
    .. [1] A. Nigmetov, D. Morozov, "Topological optimization with big steps", Discrete
       Comput. Geom. (2024).

    Examples
    --------
    >>> import numpy as np
    >>> from sktopo import TopologicalLoss
    >>> from sktopo.functionals import PersistenceNorm
    >>> from sktopo.optim import big_step_minimize
    >>> x = np.array([0.0, 5.0, 1.0, 6.0, 2.0])     # bars (1, 5) and (2, 6)
    >>> loss = TopologicalLoss(PersistenceNorm(p=1), gradient="death")
    >>> res = big_step_minimize(loss, x)
    >>> res.x, res.fun, res.n_iter
    (array([0., 1., 1., 2., 2.]), 0.0, 1)
    """
    check_scalar(max_iter, "max_iter", low=1, integer=True)
    if tol is not None:
        check_scalar(tol, "tol")
    check_scalar(learning_rate, "learning_rate", low=0, include_low=False)
    check_option(conflict, "conflict", _CONFLICTS)
    x = check_values(x0, "x0").copy()
    funcs = loss._functionals()
    if loss.filtration == "cubical":
        step = _grid_step
    elif loss.filtration in ("rips", "weak_alpha"):
        if sigma is not None:
            check_scalar(sigma, "sigma", low=0, include_low=False)

        def step(*args):
            return _point_cloud_step(*args, sigma=sigma)
    else:
        raise ValueError("big_step_minimize supports the 'cubical', 'rips' and "
                         f"'weak_alpha' filtrations, got {loss.filtration!r}.")
    start = time.perf_counter()
    diagrams = loss.diagrams(x)
    value = float(sum(f(diagrams[d]) for d, f in funcs.items()))
    curve, times = [value], [0.0]
    message = "maximum number of iterations reached"
    converged = False
    n_iter = 0
    while n_iter < max_iter:
        if tol is not None and value <= tol:
            message, converged = "loss at most tol", True
            break
        new = step(loss, x, diagrams, funcs, learning_rate, conflict)
        if np.array_equal(new, x):
            message, converged = "no cell left to move", True
            break
        x = new
        n_iter += 1
        diagrams = loss.diagrams(x)
        value = float(sum(f(diagrams[d]) for d, f in funcs.items()))
        curve.append(value)
        times.append(time.perf_counter() - start)
        if verbose:
            print(f"big step {n_iter}: loss {value:.6g}")
        if callback is not None and callback(OptimizeResult(
                x.view(), value, n_iter, np.asarray(curve), np.asarray(times))):
            message, converged = "stopped by the callback", True
            break
    else:
        if tol is not None and value <= tol:
            message, converged = "loss at most tol", True
    return OptimizeResult(x, value, n_iter, np.asarray(curve), np.asarray(times),
                          converged, message)
