"""Bad parameters of the dataset generators: a clear error naming the parameter."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktopo.datasets import (boxcar_coef, load_stump_image, make_blobs_image,
                             make_boxcar_regression, make_cluster_regression, make_horseshoe,
                             make_ring_regression, make_sawtooth_regression,
                             make_sinusoid_regression, make_two_clusters, ring_coef,
                             sawtooth_coef, sinusoid_coef)

CLEAN = (ValueError, TypeError, MemoryError)


@pytest.mark.parametrize("call, kwargs, error, match", [
    (make_blobs_image, dict(shape=(4.5, 4)), TypeError, "shape"),
    (make_blobs_image, dict(shape=(4,)), ValueError, "shape"),
    (make_blobs_image, dict(shape=(10 ** 7, 10 ** 7)), MemoryError, "shape"),
    (make_blobs_image, dict(n_blobs=10 ** 12), ValueError, "n_blobs"),
    (make_blobs_image, dict(radius=np.nan), ValueError, "radius"),
    (make_blobs_image, dict(random_state=-1), ValueError, "random_state"),
    (make_horseshoe, dict(n_samples=10 ** 12), MemoryError, "n_samples"),
    (make_horseshoe, dict(opening_degrees=400), ValueError, "opening_degrees"),
    (make_horseshoe, dict(width=np.inf), ValueError, "width"),
    (make_two_clusters, dict(n_samples=1.5), ValueError, "n_samples"),
    (make_two_clusters, dict(random_state=2 ** 40), ValueError, "random_state"),
    (make_cluster_regression, dict(values=[]), ValueError, "values"),
    (make_cluster_regression, dict(values=[1.0, np.nan]), ValueError, "values"),
    (make_cluster_regression, dict(values=1.0), ValueError, "values"),
    (make_cluster_regression, dict(n_features=10 ** 12), MemoryError, "n_features"),
    (make_sawtooth_regression, dict(n_samples=10 ** 12), MemoryError, "n_samples"),
    (make_sawtooth_regression, dict(n_teeth=np.nan), ValueError, "n_teeth"),
    (make_boxcar_regression, dict(n_boxes="x"), ValueError, "n_boxes"),
    (make_sinusoid_regression, dict(noise=np.inf), ValueError, "noise"),
    (make_ring_regression, dict(size=1), ValueError, "size"),
    (sawtooth_coef, dict(n_features=0.5), ValueError, "n_features"),
    (sawtooth_coef, dict(n_features=10 ** 12), MemoryError, "n_features"),
    (boxcar_coef, dict(n_boxes=10 ** 12), ValueError, "n_boxes"),
    (sinusoid_coef, dict(n_peaks=np.inf), ValueError, "n_peaks"),
    (ring_coef, dict(size=None), ValueError, "size"),
    (ring_coef, dict(size=10 ** 9), MemoryError, "size"),
    (load_stump_image, dict(name=None), ValueError, "name"),
])
def test_bad_parameters_are_named(call, kwargs, error, match):
    with pytest.raises(error, match=match):
        call(**kwargs)


def test_extreme_scales_give_finite_data():
    for out in (make_two_clusters(20, radius=1e300, separation=1e300, random_state=0),
                make_horseshoe(20, radius=1e300, width=1e300, random_state=0),
                make_blobs_image((8, 8), radius=1e-300, noise=1e300, random_state=0),
                make_cluster_regression(5, 4, values=(-1e300, 1e300), noise=1e300,
                                        random_state=0)):
        for a in np.atleast_1d(out) if isinstance(out, np.ndarray) else out:
            assert np.isfinite(a).all()


_values = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.integers(-3, 10),
                    st.sampled_from([10 ** 12, 2 ** 64]),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.tuples(st.integers(-1, 5), st.integers(-1, 5)),
                    st.lists(st.floats(), max_size=3))
_CALLS = {"shape": [make_blobs_image], "n_blobs": [make_blobs_image],
          "radius": [make_blobs_image, make_horseshoe, make_two_clusters],
          "noise": [make_blobs_image, make_cluster_regression, make_ring_regression],
          "n_samples": [make_horseshoe, make_two_clusters, make_sawtooth_regression],
          "n_features": [make_cluster_regression, sawtooth_coef, boxcar_coef, sinusoid_coef],
          "separation": [make_two_clusters], "width": [make_horseshoe],
          "opening_degrees": [make_horseshoe], "values": [make_cluster_regression],
          "n_teeth": [sawtooth_coef], "n_boxes": [boxcar_coef], "n_peaks": [sinusoid_coef],
          "size": [ring_coef, make_ring_regression],
          "random_state": [make_blobs_image, make_two_clusters, make_sinusoid_regression]}
_SMALL = {make_blobs_image: dict(shape=(6, 6)), make_horseshoe: dict(n_samples=10),
          make_two_clusters: dict(n_samples=10), make_ring_regression: dict(n_samples=5, size=4)}


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(_CALLS)), value=_values)
def test_fuzz_dataset_parameters(name, value):
    for f in _CALLS[name]:
        kwargs = {**_SMALL.get(f, {}), name: value}
        if "n_samples" not in kwargs and f.__name__.startswith("make_") and f not in _SMALL:
            kwargs.setdefault("n_samples", 5)
        if name != "n_features" and f.__name__.startswith(("make_c", "make_s", "make_b")):
            kwargs.setdefault("n_features", 6)
        try:
            out = f(**kwargs)
        except CLEAN:
            continue
        for a in out if isinstance(out, tuple) else (out,):
            assert np.isfinite(a).all()
