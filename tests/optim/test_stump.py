import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.optim import OptimizeResult, _stump
from sktopo.smear import BlockPooling, LabelCover, PointSubsample


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


def test_bad_arguments():
    x0 = _image()
    with pytest.raises(ValueError, match="block_size"):
        stump_minimize(_loss(), x0, block_size=20)
    with pytest.raises(ValueError, match="eps"):
        stump_minimize(_loss(), x0, eps=-1.0)
    with pytest.raises(ValueError, match="measure"):
        stump_minimize(_loss(), x0, measure="mode")
    with pytest.raises(ValueError, match="offset"):
        stump_minimize(_loss(), x0, block_size=2, block_offset=2)
    with pytest.raises(ValueError, match="offset"):
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
    with pytest.raises(TypeError, match="block_sise"):
        stump_minimize(_loss(), x0, block_sise=2)
    with pytest.raises(TypeError, match="block_size"):
        stump_minimize(_loss(), x0, smear=BlockPooling(2), block_size=2)


@pytest.mark.parametrize("params, match", [
    (dict(beta1=1.0), "beta1"), (dict(beta2=1.0), "beta2"), (dict(beta1=-0.1), "beta1"),
    (dict(verbose="yes"), "verbose"), (dict(verbose=1.5), "verbose"),
    (dict(n_jobs=0), "n_jobs"), (dict(n_jobs=1.5), "n_jobs"),
    (dict(random_state=-1), "random_state"), (dict(random_state="a"), "random_state"),
    (dict(max_iter=0), "max_iter"), (dict(tol=-1.0), "tol"), (dict(alpha=np.nan), "alpha"),
    (dict(callback=3), "callback"), (dict(smear="blocks"), "smear"),
    (dict(penalty=object()), "penalty"),
])
def test_parameters_are_validated_with_the_sklearn_vocabulary(params, match):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=f"'{match}' parameter of stump_minimize"):
        stump_minimize(_loss(), _image(), **{"max_iter": 1, **params})


@pytest.mark.parametrize("subsample", [1.5, 0, -0.5, 31])
def test_bad_subsample_is_named(subsample):
    points = np.random.default_rng(0).normal(size=(30, 2))
    rips = TopologicalLoss(PersistenceNorm(p=1), "rips", homology_dimensions=0)
    with pytest.raises(ValueError, match="'subsample' parameter"):
        stump_minimize(rips, points, subsample=subsample, max_iter=1)
    with pytest.raises(ValueError, match="'subsample' parameter"):
        stump_minimize(rips, points, smear=PointSubsample(subsample), max_iter=1)


def test_verbose_names_the_solver(capsys):
    x0 = _image()
    stump_minimize(_loss(), x0, block_size=2, eps=0.5, max_iter=20, verbose=1,
                   random_state=0)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 10 and out[-1].startswith("[STUMP (BlockPooling), compiled step] step 20/20")
    stump_minimize(_loss(), x0, smear=None, max_iter=4, verbose=2, refine_iter=0)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and all(line.startswith("[vanilla] step") for line in out)
    stump_minimize(_loss(), x0, block_size=2, fidelity="bce" if False else "mse",
                   n_samples=2, max_iter=3, refine_iter=1, verbose=True)
    out = capsys.readouterr().out
    assert "[STUMP (BlockPooling), 2 approximates per step (mean)] step 2/3" in out
    assert "[refine (no smearing)] step 3/3" in out


def test_smear_objects_are_the_samplers():
    # smear=BlockPooling(...) is the run of the keywords that build it
    x0 = _image()
    kw = dict(max_iter=40, learning_rate=0.1, random_state=0)
    a = stump_minimize(_loss(), x0, smear=BlockPooling(2, "center", eps=0.5, offset=0), **kw)
    b = stump_minimize(_loss(), x0, block_size=2, measure="center", eps=0.5, block_offset=0,
                       **kw)
    np.testing.assert_array_equal(a.x, b.x)
    labels = np.arange(64).reshape(8, 8).repeat(2, axis=0).repeat(2, axis=1)
    a = stump_minimize(_loss(), x0, smear=LabelCover(labels, eps=0.2), **kw)
    b = stump_minimize(_loss(), x0, labels=labels, eps=0.2, **kw)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, x0)


def test_prefetch_gives_the_same_run():
    # the worker thread computes the same numbers as the inline path; the run moves more
    # than a quarter of the pixels, so both ways of pooling (x0 corrected, x) are used
    x0 = np.random.default_rng(5).random((24, 20)) * 10
    loss = TopologicalLoss(PersistenceNorm(p=2, min_persistence=0.5), homology_dimensions=0)
    kw = dict(block_size=3, eps=1.0, max_iter=120, learning_rate=0.1, random_state=0)
    inline = stump_minimize(loss, x0, prefetch=False, **kw)
    worker = stump_minimize(loss, x0, prefetch=True, **kw)
    np.testing.assert_allclose(inline.x, worker.x, rtol=1e-12)
    np.testing.assert_allclose(inline.loss_curve, worker.loss_curve, rtol=1e-12)
    assert np.mean(inline.x != x0) > 0.25
    assert inline.loss_curve[-20:].mean() < inline.loss_curve[:20].mean()


def test_prefetch_worker_stops_with_the_run():
    import threading

    def workers():
        return [t for t in threading.enumerate() if t.name.startswith("sktopo-prefetch")]

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


def _without_step_engine(monkeypatch):
    monkeypatch.setattr(_stump, "_fast_step", lambda *args, **kwargs: None)


def _same_run(a, b):
    # the compiled step and the Python loop agree to rounding
    np.testing.assert_allclose(a.x, b.x, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(a.loss_curve, b.loss_curve, rtol=1e-9, atol=1e-9)


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
    # BlockStep (one compiled call per step) against the Python loop (BlockPooling, the
    # bound loss, the pull-back, adam_update): the same iterates and sampled losses;
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
    real = _stump._fast_step

    def spy(*args, **kwargs):
        engines.append(real(*args, **kwargs))
        return engines[-1]

    monkeypatch.setattr(_stump, "_fast_step", spy)
    fast = stump_minimize(loss, x0, **kw)
    assert engines and engines[0] is not None
    _without_step_engine(monkeypatch)
    slow = stump_minimize(loss, x0, **kw)
    _same_run(fast, slow)
    assert np.mean(fast.x != x0) > (0.25 if loss_kw["p"] == 2 else 0)
    # the refining steps continue from the compiled step's Adam state
    slow = stump_minimize(loss, x0, refine_iter=20, **kw)
    monkeypatch.setattr(_stump, "_fast_step", real)
    fast = stump_minimize(loss, x0, refine_iter=20, **kw)
    _same_run(fast, slow)


def test_compiled_step_state_after_refine_matches(monkeypatch):
    x0 = _image(shape=(20, 22))
    kw = dict(block_size=2, eps=0.5, max_iter=60, refine_iter=25, learning_rate=0.1,
              random_state=1)
    fast = stump_minimize(_loss(), x0, **kw)
    _without_step_engine(monkeypatch)
    slow = stump_minimize(_loss(), x0, **kw)
    _same_run(fast, slow)


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
    _same_run(fast, slow)
    unbounded = stump_minimize(loss, x0, bounds=(None, np.inf), **kw)
    np.testing.assert_allclose(unbounded.x, free.x, rtol=1e-9)


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
