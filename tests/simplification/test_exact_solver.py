"""The exact solver behind TopoImageSimplifier and ``python -m sktopo simplify``."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from PIL import Image

from sktopo._cli import main
from sktopo.estimators import simplify_image
from sktopo.persistence import cubical_persistence


@pytest.mark.parametrize("mode, dtype, high, t",
                         [("L", np.uint8, 255, "40"), ("I;16", np.uint16, 60000, "9000")])
def test_simplify_command_keeps_the_bit_depth(tmp_path, rng, mode, dtype, high, t):
    X = rng.integers(0, high, (24, 20)).astype(dtype)
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    Image.fromarray(X).save(src)
    assert main(["simplify", str(src), "-o", str(out), "--threshold", t, "--dims", "0",
                 "1"]) == 0
    with Image.open(out) as img:
        assert img.mode == Image.open(src).mode
        Y = np.asarray(img)
    assert Y.dtype == dtype and Y.min() >= X.min() and Y.max() <= X.max()
    for d, dgm in cubical_persistence(Y.astype(float)).items():
        assert not np.any(dgm.lifetimes < float(t)), d
    assert np.abs(Y.astype(float) - X).max() < float(t)


def test_volume_h1_goes_to_stump_then_exact(rng):
    X = rng.random((6, 7, 8))
    res = simplify_image(X, threshold=0.4, homology_dimensions=(0, 1, 2), max_iter=20,
                         random_state=0)
    assert res.x.shape == X.shape and res.n_iter > 20 and res.message.startswith("exact")
    dgms = cubical_persistence(res.x, (0, 2))
    assert not any(np.any(dgms[d].lifetimes < 0.4) for d in (0, 2))


def test_exact_solver_is_the_default_and_deterministic(rng):
    X = rng.random((12, 12))
    a = simplify_image(X, threshold=0.3, homology_dimensions=(0, 1))
    b = simplify_image(X, threshold=0.3, homology_dimensions=(0, 1), solver="exact",
                       random_state=5)
    assert_array_equal(a.x, b.x)
    c = simplify_image(X, "betti", betti={0: 2, 1: 1}, homology_dimensions=(0, 1))
    dgms = cubical_persistence(c.x)
    assert len(dgms[0]) <= 2 and len(dgms[1]) <= 1
