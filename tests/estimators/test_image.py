import pickle

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal

from sktopo import TopoImageSimplifier
from sktopo.estimators import simplify_image
from sktopo.functionals import DiagramDistance
from sktopo.persistence import cubical_persistence

# Adam oscillates around the point where a bar vanishes: a removed bar may leave a residue
# of a fraction of the learning rate; lifetimes below this fraction of the threshold count
# as removed
TINY = 0.02


def _peaks(rng, size=12):
    """Two tall peaks (10 and 8) on a flat background, plus four small specks (< 1)."""
    image = np.zeros((size, size))
    image[2, 2], image[size - 3, size - 3] = 10.0, 8.0
    for i, j in [(2, size - 3), (size - 3, 2), (5, 5), (2, 6)]:
        image[i, j] = rng.uniform(0.3, 0.9)
    return image


def _lifetimes(image, dim=0, superlevel=True):
    dgm = cubical_persistence(image, dim, superlevel=superlevel)[dim]
    return np.sort(dgm.lifetimes)


def test_simplify_removes_the_bars_below_the_threshold(rng):
    image = _peaks(rng)
    assert np.sum((_lifetimes(image) > TINY) & (_lifetimes(image) <= 1.0)) == 4
    res = simplify_image(image, threshold=1.0, superlevel=True, solver="vanilla",
                         max_iter=100)
    life = _lifetimes(res.x)
    assert not np.any((life > TINY * 1.0) & (life <= 1.0)), life
    # the features above the threshold survive, nearly unchanged
    assert_allclose(life[-2:], [8.0, np.inf], atol=0.2)


def test_simplify_in_dimensions_0_and_1(rng):
    # a bright ring (a strong loop) with dark specks inside its wall (small loops)
    yy, xx = np.mgrid[:16, :16]
    image = 10.0 * np.exp(-(np.hypot(yy - 7.5, xx - 7.5) - 5) ** 2 / 2)
    image[2, 7] -= 1.5
    image[12, 8] -= 1.0
    res = simplify_image(image, threshold=2.0, homology_dimensions=(0, 1), superlevel=True,
                         solver="vanilla", max_iter=150)
    for dim in (0, 1):
        life = _lifetimes(res.x, dim)
        assert not np.any((life > TINY * 2.0) & (life <= 2.0)), (dim, life)
    assert _lifetimes(res.x, 1)[-1] > 5     # the ring stays


def test_exact_solver_keeps_an_integer_image_integer(rng):
    """An integer image takes simplify_function's integer path: the result (float64)
    holds integers, the same as simplify_function's on the integers themselves."""
    from sktopo.simplification import simplify_function

    image = rng.integers(0, 40, (20, 24)).astype(np.uint8)
    res = simplify_image(image, threshold=9.5, homology_dimensions=(0, 1), solver="exact")
    assert res.x.dtype == np.float64
    assert_array_equal(res.x, simplify_function(image, 9.5, homology_dimensions=(0, 1)))
    assert_array_equal(res.x, np.rint(res.x))


def test_stump_simplify_reduces_the_small_bars(rng):
    image = np.kron(_peaks(rng, size=16), np.ones((2, 2)))
    before = _lifetimes(image)
    res = simplify_image(image, threshold=1.0, superlevel=True, block_size=2, eps=0.1,
                         max_iter=150, learning_rate=0.01, random_state=0)
    after = _lifetimes(res.x)
    # the specks (0.3 to 0.9) are gone; the smeared, noisy steps leave a residue of bars
    # shorter than about lr * 10 where the background was flat
    assert np.sum((before > 0.2) & (before <= 1.0)) == 4
    assert not np.any((after > 0.2) & (after <= 1.0)), after
    assert_allclose(after[-2:], [8.0, np.inf], atol=0.2)


def test_default_stump_removes_specks_smaller_than_a_block(rng):
    # two broad peaks (4 x 4 plateaus) and one-pixel specks, smaller than the 2 x 2 blocks:
    # pooled approximates hardly see the specks, so with refine_iter=0 some stay; the
    # default (the last steps on the image itself) removes them
    image = np.zeros((16, 16))
    image[2:6, 2:6], image[10:14, 10:14] = 10.0, 8.0
    for i, j in [(1, 12), (8, 3), (13, 1), (7, 8)]:
        image[i, j] = rng.uniform(0.5, 0.9)
    kw = dict(threshold=1.0, superlevel=True, max_iter=80, learning_rate=0.05,
              random_state=0)
    smeared = simplify_image(image, refine_iter=0, solver="stump", **kw)
    default = simplify_image(image, solver="stump", **kw)
    life_smeared, life_default = _lifetimes(smeared.x), _lifetimes(default.x)
    assert np.sum((life_smeared > 0.2) & (life_smeared <= 1.0)) >= 1, life_smeared
    assert not np.any((life_default > 0.1) & (life_default <= 1.0)), life_default
    assert_allclose(life_default[-2:], [8.0, np.inf], atol=0.3)
    # the estimator passes refine_iter on: refining every step is plain backpropagation
    a = TopoImageSimplifier(refine_iter=80, eps=0.5, solver="stump",
                            **kw).fit_transform(image[None])
    b = TopoImageSimplifier(solver="vanilla", **kw).fit_transform(image[None])
    assert_array_equal(a, b)


def test_betti_keeps_k_bars(rng):
    image = _peaks(rng)
    image[2, 9] = 5.0                              # a third peak
    res = simplify_image(image, "betti", betti=2, superlevel=True, solver="vanilla",
                         max_iter=200, learning_rate=0.1)
    life = _lifetimes(res.x)
    assert np.sum(life > 0.05) == 2, life          # the essential bar and the 10-peak


def test_betti_per_dimension_dict():
    image = np.zeros((8, 8))
    image[2, 2], image[5, 5] = 3.0, 2.0
    res = simplify_image(image, "betti", betti={0: 1}, superlevel=True, solver="vanilla",
                         max_iter=150, learning_rate=0.05)
    assert np.sum(_lifetimes(res.x) > 0.05) == 1
    with pytest.raises(ValueError, match="betti"):
        simplify_image(image, "betti", betti={1: 1}, max_iter=1)


def test_enhance_raises_persistence():
    image = np.zeros((10, 10))
    image[2, 2], image[7, 7] = 4.0, 3.0
    before = _lifetimes(image)[-2]
    res = simplify_image(image, "enhance", threshold=1.0, superlevel=True, solver="vanilla",
                         max_iter=50, learning_rate=0.05)
    assert _lifetimes(res.x)[-2] > before + 1.0


def test_target_approaches_the_target_diagram():
    image = np.zeros((10, 10))
    image[2, 2], image[7, 7] = 4.0, 3.0
    target = np.array([[3.5, 0.0]])         # the second peak's (birth, death), superlevel
    dist = DiagramDistance(target)
    before = dist(cubical_persistence(image, 0, superlevel=True)[0])
    res = simplify_image(image, "target", target=target, superlevel=True, solver="vanilla",
                         max_iter=100, learning_rate=0.01)
    assert dist(cubical_persistence(res.x, 0, superlevel=True)[0]) < 0.2 * before
    with pytest.raises(ValueError, match="target"):
        simplify_image(image, "target", max_iter=1)


def test_loss_curve_and_callback():
    image = np.zeros((6, 6))
    image[1, 1], image[4, 4] = 2.0, 0.5
    seen = []
    res = simplify_image(image, threshold=1.0, superlevel=True, max_iter=30, solver="stump",
                         callback=lambda r: seen.append(r.n_iter), random_state=0)
    assert res.n_iter == 30 and res.loss_curve.shape == (30,)
    assert seen == list(range(1, 31))


@pytest.mark.parametrize("shape", [(4, 36), (4, 6, 6), (3, 4, 4, 3)])
def test_shapes_in_equal_shapes_out(shape, rng):
    X = rng.random(shape)
    image_shape = (6, 6) if len(shape) == 2 else None
    simp = TopoImageSimplifier(image_shape=image_shape, max_iter=5, random_state=0,
                               solver="stump")
    Xt = simp.fit_transform(X)
    assert Xt.shape == X.shape
    assert simp.image_shape_ == ((6, 6) if len(shape) == 2 else shape[1:])
    assert simp.n_features_in_ == int(np.prod(shape[1:]))
    assert len(simp.loss_curves_) == shape[0]
    assert_array_equal(simp.n_iter_, 5)
    assert simp.transform(X).shape == X.shape


def test_rows_without_image_shape_are_signals(rng):
    X = rng.random((3, 20))
    Xt = TopoImageSimplifier(solver="vanilla", threshold=0.3, max_iter=100,
                             random_state=0).fit_transform(X)
    for x in Xt:
        life = cubical_persistence(x, 0)[0].lifetimes
        assert not np.any((life > TINY * 0.3) & (life <= 0.3))


def test_reproducible_and_independent_of_n_jobs_and_batch(rng):
    X = rng.random((4, 8, 8))
    params = dict(threshold=0.2, block_size=2, eps=0.05, max_iter=20, random_state=3,
                  solver="stump")
    a = TopoImageSimplifier(**params).fit_transform(X)
    b = TopoImageSimplifier(**params).fit_transform(X)
    # the default backend is threads; the seeds are drawn the same way whatever the backend
    c = TopoImageSimplifier(n_jobs=2, **params).fit_transform(X)
    assert_array_equal(a, b)
    assert_array_equal(a, c)
    # an image's result depends neither on its position nor on the other images
    d = TopoImageSimplifier(**params).fit_transform(X[::-1][:2])
    assert_array_equal(d, a[::-1][:2])
    e = TopoImageSimplifier(**{**params, "random_state": 4}).fit_transform(X)
    assert not np.array_equal(a, e)


def test_n_jobs_uses_joblib_threads(rng, monkeypatch):
    # processes take seconds to start (11 s for the 100-digit pipeline against ~3 s with
    # threads, benchmarks/bench_transformers.py); a parallel_config backend still wins
    import joblib

    prefers = []

    class SpyParallel(joblib.Parallel):
        def __init__(self, *args, **kwargs):
            prefers.append(kwargs.get("prefer"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", SpyParallel)
    X = rng.random((3, 6, 6))
    params = dict(threshold=0.2, solver="vanilla", max_iter=5, random_state=0)
    a = TopoImageSimplifier(n_jobs=2, **params).fit_transform(X)
    assert prefers == ["threads"]
    with parallel_config(backend="sequential"):
        b = TopoImageSimplifier(n_jobs=2, **params).fit_transform(X)
    assert_array_equal(a, b)


def test_input_not_modified_and_dtype_kept(rng):
    X = rng.random((2, 36)).astype(np.float32)
    X_copy = X.copy()
    Xt = TopoImageSimplifier(image_shape=(6, 6), max_iter=5, random_state=0).fit_transform(X)
    assert_array_equal(X, X_copy)
    assert Xt.dtype == np.float32
    X64 = rng.integers(0, 10, (2, 36))
    assert TopoImageSimplifier(image_shape=(6, 6), max_iter=2).fit_transform(
        X64).dtype == np.float64


def test_pickle_after_fit(rng):
    X = rng.random((2, 5, 5))
    simp = TopoImageSimplifier(max_iter=5, random_state=0).fit(X)
    clone = pickle.loads(pickle.dumps(simp))
    assert_array_equal(clone.transform(X), simp.transform(X))


def test_bad_input(rng):
    X = rng.random((2, 36))
    with pytest.raises(ValueError, match="image_shape"):
        TopoImageSimplifier(image_shape=(5, 5)).fit(X)
    with pytest.raises(ValueError, match="image_shape"):
        TopoImageSimplifier(image_shape=(6, 6, 1, 1)).fit(X)
    with pytest.raises(ValueError, match="image_shape"):
        TopoImageSimplifier(image_shape=(4, 4)).fit(rng.random((2, 6, 6)))
    X_nan = X.copy()
    X_nan[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        TopoImageSimplifier(image_shape=(6, 6)).fit(X_nan)
    simp = TopoImageSimplifier(max_iter=2).fit(rng.random((2, 6, 6)))
    with pytest.raises(ValueError, match="shape"):
        simp.transform(rng.random((2, 4, 9)))
    with pytest.raises(ValueError, match="features"):
        simp.transform(rng.random((2, 35)))
    with pytest.raises(ValueError, match="2-D or 3-D images"):
        TopoImageSimplifier().fit(rng.random((2, 2, 2, 2, 2)))
    with pytest.raises(ValueError, match="homology_dimensions"):
        TopoImageSimplifier(homology_dimensions=1, max_iter=1).fit_transform(X)
    with pytest.raises(ValueError, match="goal"):
        simplify_image(np.zeros((3, 3)), "nonsense")
    with pytest.raises(ValueError, match="NaN"):
        simplify_image(np.full((3, 3), np.nan))


def test_constant_image_is_unchanged():
    image = np.full((6, 6), 2.0)
    res = simplify_image(image, threshold=1.0, max_iter=10, random_state=0)
    assert_array_equal(res.x, image)


def test_bce_fidelity_on_unit_images(rng):
    image = _peaks(rng) / 10.0
    res = simplify_image(image, threshold=0.1, superlevel=True, fidelity="bce",
                         fidelity_weight=0.01, solver="vanilla", max_iter=60,
                         learning_rate=0.01)
    assert np.all(np.isfinite(res.x))
    with pytest.raises(ValueError, match="bce"):
        simplify_image(image * 10, fidelity="bce", max_iter=1, solver="stump")


@pytest.mark.parametrize("solver", ["vanilla", "stump"])
def test_bounds_keep_the_pixels_in_the_image_range(rng, solver):
    # removing bright specks from a flat background pushes pixels below it, unless bounded
    image = _peaks(rng)
    kw = dict(threshold=1.0, superlevel=True, solver=solver, max_iter=100, random_state=0)
    free = simplify_image(image, **kw)
    assert free.x.min() < image.min()
    seen = []
    res = simplify_image(image, bounds="image", callback=lambda r: seen.append(r.x.min()),
                         **kw)
    assert min(seen) >= image.min() and res.x.max() <= image.max()
    assert not np.any((_lifetimes(res.x) > TINY) & (_lifetimes(res.x) <= 1.0))
    # the estimator passes them on, per image; a pair is a box for every image
    X = np.stack([image, 2 * image]).reshape(2, -1)
    Xt = TopoImageSimplifier(image_shape=image.shape, bounds="image", **kw).fit_transform(X)
    assert Xt[0].min() >= 0 and Xt[1].max() <= 2 * image.max()
    Xt = TopoImageSimplifier(image_shape=image.shape, bounds=(0, None), **kw).fit_transform(X)
    assert Xt.min() >= 0
    with pytest.raises(ValueError, match="bounds"):
        simplify_image(image, bounds="range", **kw)
    with pytest.raises(ValueError, match="bounds"):
        TopoImageSimplifier(image_shape=image.shape, bounds="range").fit_transform(X)
    # a constant image has no room to move: "image" puts no box on it
    assert_array_equal(simplify_image(np.ones((5, 5)), bounds="image", max_iter=5).x,
                       np.ones((5, 5)))
