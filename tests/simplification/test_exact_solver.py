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


@pytest.mark.parametrize("dtype", [np.float64, np.uint8])
def test_optimal_method_through_simplify_image_and_the_estimator(rng, dtype):
    """``method="optimal"`` reaches simplify_function from the function and the
    transformer (in a Pipeline): nothing below t (GUDHI), a change within t/2 where
    flooding's exceeds it."""
    from sklearn.pipeline import make_pipeline

    from sktopo import TopoImageSimplifier
    from sktopo.utils._testing import gudhi_lifetimes

    X = (rng.random((3, 16, 18)) * 200).astype(dtype)
    t = 30.0
    for method in ("flooding", "optimal"):
        res = simplify_image(X[0], threshold=t, homology_dimensions=(0, 1), method=method)
        assert res.message.startswith(f"exact, {method}")
        change = np.abs(res.x - X[0].astype(float)).max()
        assert (change <= t / 2) if method == "optimal" else (t / 2 < change < t)
    pipe = make_pipeline(TopoImageSimplifier(threshold=t, homology_dimensions=(0, 1),
                                             method="optimal"))
    Xt = pipe.fit_transform(X)
    for x, y in zip(X, Xt):
        assert np.abs(y - x.astype(float)).max() <= t / 2
        after = gudhi_lifetimes(y, "full")
        assert not any(np.any((after[d] > 0) & (after[d] < t)) for d in (0, 1))


def test_method_is_validated(rng):
    X = rng.random((6, 6))
    with pytest.raises(ValueError, match="'method'"):
        simplify_image(X, threshold=0.2, method="fast")
    from sktopo import TopoImageSimplifier

    with pytest.raises(ValueError, match="'method'"):
        TopoImageSimplifier(method="fast").fit(X.reshape(1, -1))


def test_simplify_command_optimal_method_and_progress_on_stderr(tmp_path, rng, capsys):
    """``--method optimal``: the 8-bit file changes by at most t/2; the solvers' progress
    lines go to stderr, stdout holds the summary alone (for the exact and the gradient
    solvers)."""
    X = rng.integers(0, 255, (20, 22)).astype(np.uint8)
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    Image.fromarray(X).save(src)
    assert main(["simplify", str(src), "-o", str(out), "--threshold", "40", "--dims", "0",
                 "1", "--method", "optimal", "-v"]) == 0
    captured = capsys.readouterr()
    assert "exact, optimal" in captured.out and "[simplify_function]" in captured.err
    assert "[simplify_function]" not in captured.out
    with Image.open(out) as img:
        Y = np.asarray(img)
    assert Y.dtype == np.uint8 and np.abs(Y.astype(float) - X).max() <= 20
    for d, dgm in cubical_persistence(Y.astype(float)).items():
        assert not np.any(dgm.lifetimes < 40), d
    assert main(["simplify", str(src), "-o", str(tmp_path / "g.npy"), "--solver",
                 "vanilla", "--max-iter", "4"]) == 0
    captured = capsys.readouterr()
    assert "step 4/4" in captured.err and "step" not in captured.out.replace("steps", "")
