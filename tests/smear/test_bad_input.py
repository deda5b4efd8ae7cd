"""Bad input of the smear functions: a clear error naming the parameter, or a finite
result (extend_gradient at every scale)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.smear import (GradientExtension, block_pool, block_pullback, check_block_size,
                          cover_nerve, cover_pool, critical_smear, extend_gradient, perturb,
                          points_pullback, pooled_shape, sample_block_weights,
                          sample_cover_weights, sliced_matching_weights, subsample_points,
                          uniform_noise)

CLEAN = (ValueError, TypeError, MemoryError)
rng = np.random.default_rng(0)
IMG = rng.normal(size=(12, 10))
PTS = rng.normal(size=(15, 2))
GRAD = np.zeros_like(PTS)
GRAD[[0, 4]] = [[1.0, 0.5], [-1.0, 2.0]]
DGM = np.array([[0.0, 3.0], [1.0, 2.0], [0.5, 4.0]])
LAB = np.arange(120).reshape(12, 10) // 7
NAN_IMG = np.where(np.arange(IMG.size).reshape(IMG.shape) == 3, np.nan, IMG)


@pytest.mark.parametrize("call, kwargs, error, match", [
    (uniform_noise, dict(shape=(3, -1), eps=0.1), ValueError, "shape"),
    (uniform_noise, dict(shape=2.5, eps=0.1), TypeError, "shape"),
    (uniform_noise, dict(shape=10 ** 12, eps=0.1), MemoryError, "shape"),
    (uniform_noise, dict(shape=3, eps=np.inf), ValueError, "eps"),
    (uniform_noise, dict(shape=3, eps=0.1, dtype=int), ValueError, "dtype"),
    (uniform_noise, dict(shape=3, eps=0.1, random_state=-1), ValueError, "random_state"),
    (perturb, dict(X=NAN_IMG, eps=0.1), ValueError, "X"),
    (perturb, dict(X=None, eps=0.1), TypeError, "X"),
    (perturb, dict(X=np.full(50, 1.7e308), eps=1e308, random_state=0), ValueError, "eps"),
    (points_pullback, dict(grad=[[np.nan, 1.0]], indices=[0], n_points=2), ValueError, "grad"),
    (points_pullback, dict(grad=np.array(1.0), indices=[0], n_points=2), ValueError, "grad"),
    (points_pullback, dict(grad=np.ones((1, 2)), indices=[5], n_points=2), ValueError,
     "indices"),
    (points_pullback, dict(grad=np.ones((1, 2)), indices=[0.5], n_points=2), ValueError,
     "indices"),
    (points_pullback, dict(grad=np.ones((1, 2)), indices=[0], n_points=0), ValueError,
     "n_points"),
    (subsample_points, dict(X=PTS, noise=np.full((15, 2), np.inf)), ValueError, "noise"),
    (subsample_points, dict(X=PTS, eps=np.nan), ValueError, "eps"),
    (extend_gradient, dict(X=PTS, grad=GRAD, sigma=np.inf), ValueError, "sigma"),
    (extend_gradient, dict(X=PTS, grad=GRAD, sigma=0.5, max_active=10 ** 12), ValueError,
     "max_active"),
    (extend_gradient, dict(X=PTS, grad=GRAD * np.nan, sigma=0.5), ValueError, "grad"),
    (extend_gradient, dict(X=PTS, grad=GRAD, sigma=0.5, jitter=-1), ValueError, "jitter"),
    (sliced_matching_weights, dict(A=DGM, B=DGM, index=3), ValueError, "index"),
    (sliced_matching_weights, dict(A=DGM, B=DGM, index=0.5), ValueError, "index"),
    (sliced_matching_weights, dict(A=DGM, B=DGM, index=0, n_directions=0), ValueError,
     "n_directions"),
    (sliced_matching_weights, dict(A=DGM.ravel(), B=DGM, index=0), ValueError, "A"),
    (sliced_matching_weights, dict(A=DGM, B=[[0, np.inf]], index=0), ValueError, "B"),
    (critical_smear, dict(X=IMG, n_samples=10 ** 12), ValueError, "n_samples"),
    (critical_smear, dict(X=IMG, n_samples=50_001), ValueError, "n_samples"),
    (critical_smear, dict(X=np.zeros((400, 400)), n_samples=1000), ValueError, "n_samples"),
    (critical_smear, dict(X=IMG, homology_dimension=None), ValueError, "homology_dimension"),
    (critical_smear, dict(X=IMG, eps=np.nan), ValueError, "eps"),
    (critical_smear, dict(X=IMG * 1e307, eps=1.7e308), ValueError, "eps"),
    (critical_smear, dict(X=IMG, point=1.5), ValueError, "point"),
    (sample_block_weights, dict(shape=(4, "a"), block_size=2), TypeError, "shape"),
    (sample_block_weights, dict(shape=(4, 4), block_size=2, random_state="x"), ValueError,
     "random_state"),
    (pooled_shape, dict(shape=None, block_size=2), TypeError, "shape"),
    (check_block_size, dict(block_size=2.5, shape=(4, 4)), TypeError, "block_size"),
    (check_block_size, dict(block_size=(2, 0), shape=(4, 4)), ValueError, "block_size"),
    (block_pool, dict(X=np.full((2, 2), 1.7e308), block_size=2, weights=np.ones((2, 2))),
     ValueError, "overflow"),
    (block_pullback, dict(grad=np.ones((1, 1)), block_size=2, shape=(2, -2)), ValueError,
     "shape"),
    (cover_pool, dict(X=NAN_IMG, labels=LAB), ValueError, "X"),
    (cover_nerve, dict(labels=LAB, max_dim=3), ValueError, "max_dim"),
    (sample_cover_weights, dict(labels=LAB.astype(float)), TypeError, "labels"),
])
def test_bad_input_is_named(call, kwargs, error, match):
    with pytest.raises(error, match=match):
        call(**kwargs)


def test_gradient_extension_checks_its_parameters_when_sampling():
    with pytest.raises(ValueError, match="sigma"):
        GradientExtension(np.nan).sample(PTS, random_state=0)


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e150, 1e200, 1e300])
def test_extend_gradient_is_scale_safe(scale):
    ref = extend_gradient(PTS, GRAD, 0.5)
    np.testing.assert_allclose(extend_gradient(PTS * scale, GRAD, 0.5 * scale), ref,
                               atol=1e-12)
    np.testing.assert_allclose(extend_gradient(PTS, GRAD * scale, 0.5) / scale, ref,
                               atol=1e-12)
    far = extend_gradient(PTS * scale, GRAD, 0.5)          # far apart: the gradient itself
    assert np.isfinite(far).all()


def test_extend_gradient_extreme_clouds_are_finite():
    for X in (PTS + 1e300, np.full_like(PTS, 1.7e308) * np.sign(PTS), PTS + 1e6):
        for sigma in (1e-300, 0.5, 1e300):
            assert np.isfinite(extend_gradient(X, GRAD, sigma)).all()


_values = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.integers(-3, 12),
                    st.sampled_from([10 ** 12, 2 ** 64, 1e300, -1e-300]),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.tuples(st.integers(-1, 5), st.integers(-1, 5)),
                    st.lists(st.integers(-1, 3), max_size=3))
_BASE = {
    extend_gradient: dict(X=PTS, grad=GRAD, sigma=0.5),
    sliced_matching_weights: dict(A=DGM, B=DGM[:2], index=0),
    critical_smear: dict(X=IMG, block_size=3, eps=0.5, n_samples=2, random_state=0),
    uniform_noise: dict(shape=(3, 4), eps=0.1, random_state=0),
    perturb: dict(X=IMG, eps=0.1, random_state=0),
    points_pullback: dict(grad=np.ones((2, 2)), indices=[0, 2], n_points=3),
    subsample_points: dict(X=PTS, n_samples=0.5, random_state=0),
    sample_block_weights: dict(shape=(6, 5), block_size=2, random_state=0),
    block_pool: dict(X=IMG, block_size=2),
    block_pullback: dict(grad=np.ones((6, 5)), block_size=2, shape=(12, 10)),
    pooled_shape: dict(shape=(12, 10), block_size=2),
    sample_cover_weights: dict(labels=LAB, random_state=0),
    cover_nerve: dict(labels=LAB),
}
_PARAMS = sorted({(f.__name__, k) for f, base in _BASE.items() for k in base
                  if k not in ("X", "A", "B", "labels")}
                 | {("critical_smear", k) for k in ("point", "homology_dimension", "measure",
                                                    "n_directions", "matching")}
                 | {("extend_gradient", k) for k in ("max_active", "jitter")}
                 | {("cover_nerve", "max_dim"), ("sliced_matching_weights", "n_directions")})
_BY_NAME = {f.__name__: f for f in _BASE}


@settings(max_examples=80, deadline=None)
@given(param=st.sampled_from(_PARAMS), value=_values)
def test_fuzz_smear_parameters(param, value):
    name, key = param
    f = _BY_NAME[name]
    try:
        out = f(**{**_BASE[f], key: value})
    except CLEAN:
        return
    if isinstance(out, list):           # cover_nerve's simplices
        assert all(isinstance(i, int) for s in out for i in s)
        return
    for a in out if isinstance(out, tuple) else (out,):
        a = a.birth if hasattr(a, "birth") else a
        assert not np.isnan(np.asarray(a, dtype=float)).any()
