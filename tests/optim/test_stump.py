import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.optim import OptimizeResult
from sktopo.smear import block_pool
from sktopo.smear._fused import _BlockSampler
from sktopo.smear._random import as_generator


def _image(seed=0, shape=(16, 16)):
    # structure at the scale of 2 x 2 blocks, plus a little pixel noise
    rng = np.random.default_rng(seed)
    coarse = rng.random((-(-shape[0] // 2), -(-shape[1] // 2))) * 10
    fine = np.kron(coarse, np.ones((2, 2)))[:shape[0], :shape[1]]
    return fine + 0.01 * rng.random(shape)


def _loss(**kw):
    return TopologicalLoss(PersistenceNorm(p=1, min_persistence=1.0), homology_dimensions=0,
                           **kw)


def test_fixed_random_state_gives_identical_runs():
    x0 = _image()
    kw = dict(block_size=2, eps=1.0, max_iter=30, learning_rate=0.1)
    a = stump_minimize(_loss(), x0, random_state=3, **kw)
    b = stump_minimize(_loss(), x0, random_state=3, **kw)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.loss_curve, b.loss_curve)
    c = stump_minimize(_loss(), x0, random_state=4, **kw)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize("measure", ["center", "vertex", "simplex"])
def test_tiny_image_run_lowers_the_loss(measure):
    # the image's structure is aligned with the fixed grid of 2 x 2 blocks
    x0 = _image()
    loss = _loss(gradient="death")
    res = stump_minimize(loss, x0, block_size=2, measure=measure, eps=0.5, block_offset=0,
                         learning_rate=0.1, max_iter=150, random_state=0)
    assert isinstance(res, OptimizeResult)
    assert res.x.shape == x0.shape and res.n_iter == 150
    assert len(res.loss_curve) == 150 and np.all(np.diff(res.step_times) >= 0)
    assert loss(res.x) < 0.7 * loss(x0)


@pytest.mark.parametrize("measure", ["center", "vertex", "simplex"])
def test_shifted_grids_lower_the_loss_of_a_smooth_image(measure):
    from scipy.ndimage import gaussian_filter

    x0 = gaussian_filter(np.random.default_rng(0).random((40, 40)), 2) * 400
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=3.0), homology_dimensions=0,
                           gradient="death")
    res = stump_minimize(loss, x0, block_size=2, measure=measure, eps=1.0,
                         learning_rate=0.05, max_iter=600, random_state=0)
    assert loss(res.x) < 0.6 * loss(x0)           # measured 0.39-0.50


def test_vanilla_and_ragged_and_dirichlet():
    x0 = _image(1, (13, 11))
    loss = _loss()
    vanilla = stump_minimize(loss, x0, block_size=1, max_iter=100, learning_rate=0.1,
                             random_state=0)
    assert loss(vanilla.x) < loss(x0)
    ragged = stump_minimize(loss, x0, block_size=3, eps=0.5, max_iter=100,
                            simplex_sampling="dirichlet", learning_rate=0.1, random_state=0)
    assert loss(ragged.x) < loss(x0)


def test_superlevel_maximize_and_bce():
    x0 = np.random.default_rng(2).random((12, 12))
    loss = TopologicalLoss(-PersistenceNorm(p=1, min_persistence=0.2), homology_dimensions=0,
                           superlevel=True)
    res = stump_minimize(loss, x0, fidelity="bce", block_size=2, eps=0.05, max_iter=100,
                         learning_rate=0.01, random_state=0)
    assert loss(res.x) < loss(x0)       # more persistence
    with pytest.raises(ValueError, match="bce"):
        stump_minimize(loss, x0 * 2, fidelity="bce", max_iter=1)


def test_mean_and_min_norm_of_several_samples():
    x0 = _image()
    loss = _loss()
    mean = stump_minimize(loss, x0, block_size=2, eps=0.5, n_samples=3, n_jobs=2,
                          max_iter=60, learning_rate=0.1, random_state=0)
    serial = stump_minimize(loss, x0, block_size=2, eps=0.5, n_samples=3,
                            max_iter=60, learning_rate=0.1, random_state=0)
    np.testing.assert_allclose(mean.x, serial.x)
    mn = stump_minimize(loss, x0, block_size=2, eps=0.5, n_samples=3, combine="min_norm",
                        max_iter=60, learning_rate=0.1, random_state=0)
    assert mn.min_norm is not None and mn.min_norm >= 0
    assert loss(mn.x) < loss(x0)
    stop = stump_minimize(loss, x0, block_size=2, eps=0.5, n_samples=3, combine="min_norm",
                          tol=1e9, max_iter=60, random_state=0)
    assert stop.converged and stop.n_iter == 1


def test_callback_stops_and_sees_intermediate_results():
    seen = []

    def callback(res):
        seen.append((res.n_iter, res.fun))
        assert not res.x.flags.writeable
        return res.n_iter == 5

    res = stump_minimize(_loss(), _image(), block_size=2, max_iter=50, callback=callback,
                         random_state=0)
    assert res.n_iter == 5 and [s[0] for s in seen] == [1, 2, 3, 4, 5]
    assert not res.converged and "callback" in res.message


def test_callback_returning_a_numpy_bool_stops():
    # a comparison of numpy values gives np.bool_, not True: it must stop the run too
    res = stump_minimize(_loss(), _image(), block_size=2, max_iter=50,
                         callback=lambda r: np.int64(r.n_iter) >= 3, random_state=0)
    assert res.n_iter == 3


def test_convergence_warning_only_with_tol():
    x0 = _image()
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        stump_minimize(_loss(), x0, block_size=2, eps=1.0, max_iter=5, tol=1e-12,
                       n_iter_no_change=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = stump_minimize(_loss(), x0, block_size=2, max_iter=5, random_state=0)
    assert not res.converged and "max_iter" in res.message


def test_loss_rule_converges():
    x0 = np.zeros((8, 8))        # no topology to remove: the loss stays 0
    res = stump_minimize(_loss(), x0, block_size=2, max_iter=100, tol=1e-3,
                         n_iter_no_change=10, random_state=0)
    assert res.converged and res.n_iter == 20


def test_cover_and_point_cloud():
    x0 = _image()
    labels = np.arange(64).reshape(8, 8).repeat(2, axis=0).repeat(2, axis=1)
    loss = _loss()
    res = stump_minimize(loss, x0, labels=labels, eps=0.2, max_iter=80, learning_rate=0.1,
                         random_state=0)
    assert loss(res.x) < loss(x0)
    points = np.random.default_rng(0).normal(size=(30, 2))
    rips = TopologicalLoss(PersistenceNorm(p=1), "rips", homology_dimensions=0)
    res = stump_minimize(rips, points, subsample=0.7, eps=0.01, max_iter=40,
                         learning_rate=0.02, random_state=0)
    assert res.x.shape == points.shape and rips(res.x) < rips(points)


def test_inputs_not_modified():
    x0 = _image()
    copy = x0.copy()
    stump_minimize(_loss(), x0, block_size=2, eps=1.0, max_iter=10, random_state=0)
    np.testing.assert_array_equal(x0, copy)


@pytest.mark.parametrize("shape", [(8, 8), (9, 7)])
@pytest.mark.parametrize("measure", ["center", "vertex", "simplex"])
def test_fused_sampler_matches_public_pooling(shape, measure):
    # without noise, the fused float32 approximate is block_pool with the drawn weights
    x = np.random.default_rng(0).random(shape) * 100
    s = _BlockSampler(shape, (2, 2), measure, "normalized_uniform", 0.0)
    flat = x.ravel().copy()
    s.start(flat)
    values, ctx = s.sample(as_generator(0))
    nb = values.size
    # recover the weights by pulling back the unit vector of every block
    w = np.zeros(x.size)
    for b in range(nb):
        idx, vals = s.pullback(np.array([b]), np.array([1.0]), ctx)
        w[idx] += vals
    w = w.reshape(shape)
    np.testing.assert_allclose(block_pool(np.ones(shape), 2, w), 1.0, rtol=1e-6)
    np.testing.assert_allclose(values, block_pool(x, 2, w), rtol=1e-5)


def test_bad_arguments():
    x0 = _image()
    with pytest.raises(ValueError, match="block_size"):
        stump_minimize(_loss(), x0, block_size=20)
    with pytest.raises(ValueError, match="eps"):
        stump_minimize(_loss(), x0, eps=-1.0)
    with pytest.raises(ValueError, match="measure"):
        stump_minimize(_loss(), x0, measure="mode")
    with pytest.raises(ValueError, match="block_offset"):
        stump_minimize(_loss(), x0, block_size=2, block_offset=2)
    with pytest.raises(ValueError, match="block_offset"):
        stump_minimize(_loss(), x0, block_size=2, block_offset="shifted")
    with pytest.raises(ValueError, match="fidelity"):
        stump_minimize(_loss(), x0, fidelity="l1")
    with pytest.raises(ValueError, match="alpha"):
        stump_minimize(_loss(), x0, alpha=2.0)
    with pytest.raises(ValueError, match="combine"):
        stump_minimize(_loss(), x0, combine="max")
    with pytest.raises(ValueError, match="learning_rate"):
        stump_minimize(_loss(), x0, learning_rate=0.0)
    with pytest.raises(TypeError, match="loss"):
        stump_minimize(PersistenceNorm(), x0)
    with pytest.raises(ValueError, match="prefetch"):
        stump_minimize(_loss(), x0, prefetch="yes")


def test_prefetch_gives_the_same_run():
    # the worker thread computes the same numbers as the inline path; the run moves more
    # than a quarter of the pixels, so both ways of pooling (x0 corrected, x) are used
    x0 = np.random.default_rng(5).random((24, 20)) * 10
    loss = TopologicalLoss(PersistenceNorm(p=2, min_persistence=0.5), homology_dimensions=0)
    kw = dict(block_size=3, eps=1.0, max_iter=120, learning_rate=0.1, random_state=0)
    inline = stump_minimize(loss, x0, prefetch=False, **kw)
    worker = stump_minimize(loss, x0, prefetch=True, **kw)
    np.testing.assert_array_equal(inline.x, worker.x)
    np.testing.assert_array_equal(inline.loss_curve, worker.loss_curve)
    assert np.mean(inline.x != x0) > 0.25
    assert inline.loss_curve[-20:].mean() < inline.loss_curve[:20].mean()


def test_a_worker_that_keeps_the_step_waiting_is_dropped(monkeypatch):
    # (any wait counts as too long here): the worker stops after the first step and the
    # jobs run inline, with the same numbers
    import threading

    from sktopo.smear import _fused

    monkeypatch.setattr(_fused, "_MAX_WAIT", -1.0)
    x0 = np.random.default_rng(5).random((24, 20)) * 10
    kw = dict(block_size=3, eps=1.0, max_iter=30, learning_rate=0.1, random_state=0)
    alive = []
    dropped = stump_minimize(_loss(), x0, prefetch=True, callback=lambda res: alive.append(
        any(t.name == "sktopo-prefetch" for t in threading.enumerate())), **kw)
    assert alive[0] is False and not any(alive)
    inline = stump_minimize(_loss(), x0, prefetch=False, **kw)
    np.testing.assert_array_equal(dropped.x, inline.x)


def test_each_wait_counts_at_most_the_cap(monkeypatch):
    # with waits counted as 0, no average passes the (tiny) limit: the worker runs to the
    # end of the run, in the compiled step and in the Python loop
    import threading

    from sktopo.smear import _fused

    monkeypatch.setattr(_fused, "_MAX_WAIT", 1e-12)
    monkeypatch.setattr(_fused, "_WAIT_CAP", 0.0)
    x0 = np.random.default_rng(5).random((24, 20)) * 10
    kw = dict(block_size=3, eps=1.0, max_iter=30, learning_rate=0.1, random_state=0)
    for fidelity in ("mse", "bce"):
        alive = []
        stump_minimize(_loss(), x0 / 10, prefetch=True, fidelity=fidelity,
                       callback=lambda res, alive=alive: alive.append(any(
                           t.name == "sktopo-prefetch" for t in threading.enumerate())), **kw)
        assert all(alive) and len(alive) == 30


def test_the_other_mode_is_measured_with_the_same_numbers(monkeypatch):
    # every _PERIOD steps the mode not in use runs for 80 steps (here the worker stops:
    # inline jobs are measured), whatever is chosen the run is the same
    import threading

    from sktopo.smear import _fused

    monkeypatch.setattr(_fused, "_PERIOD", 50)
    x0 = np.random.default_rng(5).random((24, 20)) * 10
    kw = dict(block_size=3, eps=1.0, max_iter=200, learning_rate=0.1, random_state=0)
    for fidelity in ("mse", "bce"):
        alive = []
        tuned = stump_minimize(_loss(), x0 / 10, prefetch=True, fidelity=fidelity,
                               callback=lambda res, alive=alive: alive.append(any(
                                   t.name == "sktopo-prefetch"
                                   for t in threading.enumerate())), **kw)
        assert alive[10] and not all(alive[50:140])
        inline = stump_minimize(_loss(), x0 / 10, prefetch=False, fidelity=fidelity, **kw)
        np.testing.assert_array_equal(tuned.x, inline.x)
        np.testing.assert_array_equal(tuned.loss_curve, inline.loss_curve)


def test_prefetch_worker_stops_with_the_run():
    import threading

    def workers():
        return [t for t in threading.enumerate() if t.name == "sktopo-prefetch"]

    def fail(res):
        raise RuntimeError("callback failed")

    stump_minimize(_loss(), _image(), block_size=2, max_iter=5, prefetch=True)
    assert not workers()
    with pytest.raises(RuntimeError, match="callback failed"):
        stump_minimize(_loss(), _image(), block_size=2, max_iter=5, prefetch=True,
                       callback=fail)
    assert not workers()
    # the refining steps stop it as well, before the run ends
    seen = []
    stump_minimize(_loss(), _image(), block_size=2, max_iter=6, refine_iter=3,
                   prefetch=True, callback=lambda res: seen.append(len(workers())))
    assert seen[:3] == [1, 1, 1] and seen[3:] == [0, 0, 0]


@pytest.mark.parametrize("shape", [(9, 7), (12,)])
def test_vanilla_first_step_follows_the_exact_gradient(shape):
    # block_size=1, eps=0: the first Adam step moves every pixel by lr * sign(gradient)
    x0 = np.random.default_rng(5).random(shape) * 10
    loss = _loss()
    _, grad = loss.value_and_grad(x0)
    res = stump_minimize(loss, x0, block_size=1, alpha=1.0, learning_rate=0.01, max_iter=1)
    np.testing.assert_allclose(res.x, x0 - 0.01 * np.sign(grad), atol=1e-8)
    assert np.count_nonzero(grad) > 0


def _specks(size=16):
    # two broad 4 x 4 peaks and single-pixel specks of height 1 to 2, smaller than a block
    x0 = np.zeros((size, size))
    x0[2:6, 2:6], x0[10:14, 10:14] = 10.0, 8.0
    for k, (i, j) in enumerate([(1, 12), (8, 3), (13, 1), (7, 8)]):
        x0[i, j] = 1.0 + 0.3 * k
    return x0


def _small_bars(x):
    loss = TopologicalLoss(PersistenceNorm(p=1, max_persistence=3.0), homology_dimensions=0,
                           superlevel=True)
    return loss(x)


def test_refine_iter_removes_features_smaller_than_a_block():
    # 4 x 4 pooling does not see the one-pixel specks: smeared steps alone leave them;
    # the refining steps on x itself remove them, the peaks stay
    x0 = _specks()
    loss = TopologicalLoss(PersistenceNorm(p=1, max_persistence=3.0), homology_dimensions=0,
                           superlevel=True)
    kw = dict(block_size=4, max_iter=120, learning_rate=0.05, random_state=0)
    smeared = stump_minimize(loss, x0, **kw)
    refined = stump_minimize(loss, x0, refine_iter=60, **kw)
    assert _small_bars(x0) > 4.0
    assert _small_bars(smeared.x) > 0.5 * _small_bars(x0)
    assert _small_bars(refined.x) < 0.05 * _small_bars(x0)
    assert refined.x.max() > 9.5 and refined.n_iter == 120


def test_refine_iter_equal_to_max_iter_is_vanilla():
    x0 = _image()
    kw = dict(max_iter=15, learning_rate=0.1, random_state=0)
    a = stump_minimize(_loss(), x0, block_size=4, eps=2.0, refine_iter=15, **kw)
    b = stump_minimize(_loss(), x0, block_size=1, eps=0.0, **kw)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.loss_curve, b.loss_curve)


def test_refine_iter_after_covers_samples_and_subsamples():
    x0 = _image()
    labels = np.arange(64).reshape(8, 8).repeat(2, axis=0).repeat(2, axis=1)
    loss = _loss()
    res = stump_minimize(loss, x0, labels=labels, eps=0.2, max_iter=40, refine_iter=10,
                         learning_rate=0.1, n_samples=3, combine="min_norm", random_state=0)
    assert loss(res.x) < loss(x0)
    # refining steps use every point, unjittered: all of them refining is the plain run
    points = np.random.default_rng(0).normal(size=(30, 2))
    rips = TopologicalLoss(PersistenceNorm(p=1), "rips", homology_dimensions=0)
    kw = dict(max_iter=10, learning_rate=0.02, random_state=0)
    a = stump_minimize(rips, points, subsample=0.5, eps=0.05, refine_iter=10, **kw)
    b = stump_minimize(rips, points, **kw)
    np.testing.assert_array_equal(a.x, b.x)
    c = stump_minimize(rips, points, subsample=0.5, eps=0.05, refine_iter=5, **kw)
    assert not np.array_equal(a.x, c.x)


def test_refine_iter_bad_values():
    x0 = _image()
    with pytest.raises(ValueError, match="refine_iter"):
        stump_minimize(_loss(), x0, max_iter=5, refine_iter=6)
    with pytest.raises(ValueError, match="refine_iter"):
        stump_minimize(_loss(), x0, max_iter=5, refine_iter=-1)


@pytest.mark.parametrize("gradient", ["both", "birth", "death"])
@pytest.mark.parametrize("kind", ["plane", "space", "duplicates", "line"])
def test_weak_alpha_kernel_matches_the_loss(kind, gradient):
    # the kernel's lean weak alpha path (and its fallback for coincident or collinear
    # points) gives the value and gradient of TopologicalLoss
    from sktopo.functionals import PolynomialEnergy
    from sktopo.optim._kernel import _LossKernel

    rng = np.random.default_rng(1)
    points = {"plane": rng.random((80, 2)), "space": rng.random((60, 3)),
              "duplicates": np.repeat(rng.random((30, 2)), 2, axis=0),
              "line": np.outer(rng.random(20), [1.0, 2.0])}[kind]
    dims = (0, 1, 2) if kind == "space" else (0, 1)
    loss = TopologicalLoss(PolynomialEnergy(p=2, q=1), "weak_alpha", dims, gradient=gradient)
    value, idx, vals = _LossKernel(loss, ndim=2)(points)
    expected_value, expected_grad = loss.value_and_grad(points)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(np.bincount(idx, vals, minlength=points.size),
                               expected_grad.ravel(), atol=1e-12)
    # (on a line, H0 is born at 0 and there is no H1: no birth gradient)
    assert np.count_nonzero(expected_grad) > 0 or (kind, gradient) == ("line", "birth")


def _without_step_engine(monkeypatch):
    monkeypatch.setattr(_BlockSampler, "step_engine", lambda self, *args, **kwargs: None)


@pytest.mark.parametrize("shape, block, offset", [((29, 37), 4, "random"), ((30, 21), (3, 2), 0),
                                                  ((24, 24), 2, (1, 0))])
@pytest.mark.parametrize("measure, sampling", [("simplex", "normalized_uniform"),
                                               ("simplex", "dirichlet"), ("center", None)])
@pytest.mark.parametrize("loss_kw", [
    dict(p=1, dims=0, gradient="death", superlevel=False, connectivity="full"),
    dict(p=2, dims=(0, 1), gradient="both", superlevel=True, connectivity="full"),
    dict(p=1, dims=1, gradient="birth", superlevel=False, connectivity="face"),
])
def test_compiled_step_gives_the_python_run(monkeypatch, shape, block, offset, measure,
                                            sampling, loss_kw):
    # BlockStep (one compiled call per step) against the Python loop (sampler, kernel,
    # pull-back, mse_adam_step): the same iterates and the same sampled losses, to the bit;
    # with both sides of H0 and H1 moving, more than a quarter of the pixels move, so that
    # both ways of pooling (x0 corrected, x itself) are used
    x0 = np.random.default_rng(sum(shape)).random(shape) * 10
    loss = TopologicalLoss(PersistenceNorm(p=loss_kw["p"], min_persistence=0.3),
                           homology_dimensions=loss_kw["dims"], gradient=loss_kw["gradient"],
                           superlevel=loss_kw["superlevel"],
                           connectivity=loss_kw["connectivity"])
    kw = dict(block_size=block, block_offset=offset, measure=measure, eps=0.5, max_iter=80,
              learning_rate=0.2, random_state=3)
    if sampling is not None:
        kw["simplex_sampling"] = sampling
    engines = []
    real = _BlockSampler.step_engine

    def spy(self, *args, **kwargs):
        engines.append(real(self, *args, **kwargs))
        return engines[-1]

    monkeypatch.setattr(_BlockSampler, "step_engine", spy)
    fast = stump_minimize(loss, x0, **kw)
    assert engines and engines[0] is not None
    _without_step_engine(monkeypatch)
    slow = stump_minimize(loss, x0, **kw)
    np.testing.assert_array_equal(fast.x, slow.x)
    np.testing.assert_array_equal(fast.loss_curve, slow.loss_curve)
    assert np.mean(fast.x != x0) > (0.25 if loss_kw["p"] == 2 else 0)
    # the refining steps continue from the compiled step's Adam state
    slow = stump_minimize(loss, x0, refine_iter=20, **kw)
    monkeypatch.setattr(_BlockSampler, "step_engine", real)
    fast = stump_minimize(loss, x0, refine_iter=20, **kw)
    np.testing.assert_array_equal(fast.x, slow.x)


def test_compiled_step_state_after_refine_matches(monkeypatch):
    x0 = _image(shape=(20, 22))
    kw = dict(block_size=2, eps=0.5, max_iter=60, refine_iter=25, learning_rate=0.1,
              random_state=1)
    fast = stump_minimize(_loss(), x0, **kw)
    _without_step_engine(monkeypatch)
    slow = stump_minimize(_loss(), x0, **kw)
    np.testing.assert_array_equal(fast.x, slow.x)
    np.testing.assert_array_equal(fast.loss_curve, slow.loss_curve)


@pytest.mark.parametrize("kw", [dict(block_size=4, eps=2.0),      # the compiled step
                                dict(block_size=4, eps=2.0, n_samples=2),
                                dict(block_size=1),              # vanilla
                                dict(block_size=3, fidelity="bce")])
def test_bounds_clip_every_iterate(monkeypatch, kw):
    # projected Adam: every iterate stays in [low, high], the compiled step and the Python
    # loop give the same run, and an unbounded box is no constraint at all
    x0 = np.random.default_rng(5).random((23, 26)) * 0.8 + 0.1
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=0.05),
                           homology_dimensions=(0, 1))
    low, high = 0.08, 0.92
    seen = []

    def callback(res):
        seen.append((res.x.min(), res.x.max()))

    kw = dict(kw, learning_rate=0.05, max_iter=120, random_state=2)
    fast = stump_minimize(loss, x0, bounds=(low, high), callback=callback, **kw)
    lows, highs = np.array(seen).T
    assert lows.min() >= low and highs.max() <= high
    # the bounds are reached (so the clipping did something) ...
    assert lows.min() == low or highs.max() == high
    free = stump_minimize(loss, x0, **kw)
    assert free.x.min() < low or free.x.max() > high
    # ... by the same numbers with and without the compiled step
    _without_step_engine(monkeypatch)
    slow = stump_minimize(loss, x0, bounds=(low, high), **kw)
    np.testing.assert_array_equal(fast.x, slow.x)
    np.testing.assert_array_equal(fast.loss_curve, slow.loss_curve)
    unbounded = stump_minimize(loss, x0, bounds=(None, np.inf), **kw)
    np.testing.assert_array_equal(unbounded.x, free.x)


def test_bounds_one_sided_and_bad_values():
    x0 = _image()
    res = stump_minimize(_loss(), x0, bounds=(x0.min(), None), block_size=2,
                         learning_rate=0.5, max_iter=100, random_state=0)
    assert res.x.min() >= x0.min()
    with pytest.raises(ValueError, match="bounds"):
        stump_minimize(_loss(), x0, bounds=(1.0, 1.0))
    with pytest.raises(ValueError, match="bounds"):
        stump_minimize(_loss(), x0, bounds=(x0.min() + 1e-3, None))     # x0 outside
    with pytest.raises(TypeError, match="bounds"):
        stump_minimize(_loss(), x0, bounds=3.0)
    with pytest.raises(TypeError, match="bounds"):
        stump_minimize(_loss(), x0, bounds=("a", 1.0))
    with pytest.raises(ValueError, match="bounds"):
        stump_minimize(_loss(), x0, bounds=(np.nan, 1.0))
