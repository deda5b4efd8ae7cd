import numpy as np
import pytest
from numpy.testing import assert_allclose

from sktopo import TopologicalLoss
from sktopo.functionals import PolynomialEnergy
from sktopo.penalties import TopologicalPenalty, make_penalty, prox_tv1d
from sktopo.persistence import cubical_persistence
from sktopo.utils._testing import assert_gradient_matches


def _random_weights(rng, kind, n=14):
    if kind == "ties":
        return rng.integers(0, 4, size=n).astype(float)
    return rng.standard_normal(n)


@pytest.mark.parametrize("filtration", ["clusters", "line"])
@pytest.mark.parametrize("i0", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("kind", ["generic", "ties"])
def test_agrees_with_topological_loss(filtration, i0, kind):
    # value and (sub)gradient equal the general machinery's, ties included
    rng = np.random.default_rng(i0)
    loss = (TopologicalLoss(PolynomialEnergy(1, 0, i0), filtration="rips")
            if filtration == "clusters" else
            TopologicalLoss(PolynomialEnergy(1, 0, i0), filtration="cubical", superlevel=True))
    pen = TopologicalPenalty(i0, filtration=filtration)
    for _ in range(5):
        beta = _random_weights(rng, kind)
        value, grad = pen.value_and_grad(beta)
        ref_value, ref_grad = loss.value_and_grad(beta)
        assert value == pytest.approx(ref_value)
        assert pen.value(beta) == pytest.approx(ref_value)
        assert_allclose(grad, ref_grad, atol=1e-12)


@pytest.mark.parametrize("p, q", [(1, 0), (2, 0), (2, 1)])
@pytest.mark.parametrize("filtration", ["clusters", "line"])
def test_gradient_matches_finite_differences(rng, p, q, filtration):
    beta = rng.standard_normal(10) + 3.0        # positive mid-points for q = 1
    pen = TopologicalPenalty(3, p=p, q=q, filtration=filtration)
    assert_gradient_matches(pen.value_and_grad, beta, eps=1e-7, atol=1e-5)


def test_top1_of_points_on_the_line_is_the_range(rng):
    beta = rng.standard_normal(30)
    assert TopologicalPenalty(2).value(beta) == pytest.approx(np.ptp(beta))
    value, grad = TopologicalPenalty(2).value_and_grad(beta)
    expected = np.zeros(30)
    expected[np.argmax(beta)], expected[np.argmin(beta)] = 1.0, -1.0
    assert_allclose(grad, expected)


def test_top2_of_three_clusters_is_zero(rng):
    beta = rng.choice([-1.0, 0.5, 2.0], size=40)
    assert TopologicalPenalty(4).value(beta) == 0.0
    assert TopologicalPenalty(4).value(beta + 1e-3 * np.arange(40)) > 0


def test_number_of_maxima_penalty_on_a_sawtooth():
    # 3 teeth: the essential bar and two finite bars of height ~2; Top1 sums the two finite
    # bars, Top2 (three maxima free) is 0
    t = np.linspace(0, 3, 100)
    saw = (t % 1) * 2 - 1
    dgm = cubical_persistence(saw, 0, superlevel=True)[0]
    finite = np.sort(dgm.lifetimes[~dgm.essential])
    assert finite.size == 2
    assert TopologicalPenalty(2, filtration="line").value(saw) == pytest.approx(finite.sum())
    assert TopologicalPenalty(4, filtration="line").value(saw) == 0.0


def test_tv_identity_of_the_line_penalty(rng):
    # TV = (M - v_0) + (M - v_end) + 2 * (sum of finite superlevel bars)
    for _ in range(10):
        v = rng.standard_normal(25)
        tv = np.abs(np.diff(v)).sum()
        bars = TopologicalPenalty(2, filtration="line").value_and_grad(v)[0]
        assert tv == pytest.approx(2 * v.max() - v[0] - v[-1] + 2 * bars)


def test_duplicate_weights_give_no_nan():
    beta = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 5.0, 5.0, 5.0])
    for filtration in ("clusters", "line"):
        for i0 in (1, 2, 4):
            pen = TopologicalPenalty(i0, filtration=filtration)
            value, grad = pen.value_and_grad(beta)
            assert np.isfinite(value) and np.all(np.isfinite(grad))
            assert np.all(np.isfinite(pen.prox(beta, 0.3)))
    const = np.full(6, 2.0)
    assert TopologicalPenalty(2).value_and_grad(const)[0] == 0.0
    assert_allclose(TopologicalPenalty(2).prox(const, 1.0), const)


@pytest.mark.parametrize("i0", [2, 3, 4])
def test_cluster_prox_is_a_range_prox_per_cluster(rng, i0):
    for _ in range(20):
        v = rng.standard_normal(12)
        step = rng.choice([0.01, 0.2, 2.0])
        x = TopologicalPenalty(i0).prox(v, step)
        order = np.argsort(v)
        s = v[order]
        kept = np.sort(np.argsort(-np.diff(s))[:max(i0 - 2, 0)]) + 1
        expected = np.concatenate([prox_tv1d(seg, step) for seg in np.split(s, kept)])
        assert_allclose(x[order], expected, atol=1e-12)


def test_top1_cluster_prox_is_the_exact_prox(rng):
    # Top1 (the range) is convex: its prox beats every perturbation
    v = rng.standard_normal(10)
    pen = TopologicalPenalty(2)
    x = pen.prox(v, 0.5)

    def objective(z):
        return 0.5 * np.sum((z - v) ** 2) + 0.5 * pen.value(z)

    assert all(objective(x + 1e-3 * rng.standard_normal(10)) >= objective(x) - 1e-12
               for _ in range(200))


def test_line_prox_flattens_small_bumps():
    v = np.array([0.0, 1.0, 0.9, 1.1, 0.0, 0.0, 2.0, 0.0])
    x = TopologicalPenalty(2, filtration="line").prox(v, 1.0)
    pen = TopologicalPenalty(2, filtration="line")
    assert pen.value(x) < pen.value(v)


def test_image_penalty_uses_cubical_superlevel(rng):
    img = rng.standard_normal((6, 7))
    pen = TopologicalPenalty({0: 1, 1: 2}, filtration="image", shape=(6, 7))
    loss = TopologicalLoss({0: PolynomialEnergy(1, 0, 1), 1: PolynomialEnergy(1, 0, 2)},
                           filtration="cubical", superlevel=True)
    value, grad = pen.value_and_grad(img.ravel())
    ref_value, ref_grad = loss.value_and_grad(img)
    assert value == pytest.approx(ref_value)
    assert_allclose(grad, ref_grad.ravel())
    assert not pen.has_prox


def test_keeping_and_make_penalty():
    assert TopologicalPenalty.keeping(3).i0 == 4
    assert make_penalty({"n_kept": 1}).i0 == 2
    assert make_penalty("top2", "line").filtration == "line"
    with pytest.raises(ValueError, match="penalty"):
        make_penalty("top3")
    with pytest.raises(ValueError, match="Unknown keys"):
        make_penalty({"k": 3})
    with pytest.raises(ValueError, match="filtration"):
        TopologicalPenalty(2, filtration="torus").value(np.ones(3))
    with pytest.raises(ValueError, match="coef_shape"):
        TopologicalPenalty(2, filtration="image").value(np.ones(4))
    with pytest.raises(ValueError, match="no proximal map"):
        TopologicalPenalty(2, p=2).prox(np.ones(3), 0.1)


def test_inputs_are_not_modified(rng):
    v = rng.standard_normal(9)
    copy = v.copy()
    for filtration in ("clusters", "line"):
        pen = TopologicalPenalty(4, filtration=filtration)
        pen.value_and_grad(v)
        pen.prox(v, 0.3)
    assert_allclose(v, copy)


@pytest.mark.parametrize("penalty, filtration", [("top1", "clusters"), ("top2", "clusters"),
                                                 ("top1", "line"), ("top2", "line"),
                                                 ("l1", "clusters"), ("tv", "clusters")])
@pytest.mark.parametrize("kind", ["generic", "ties"])
def test_prox_value_is_the_prox_and_the_penalty_there(rng, penalty, filtration, kind):
    # the solvers take both from prox_value; Top1 on clusters computes the value from the
    # clip levels instead of from its output
    pen = make_penalty(penalty, filtration)
    for step in (1e-3, 0.1, 1.0, 50.0):
        v = _random_weights(rng, kind)
        x, value = pen.prox_value(v, step)
        assert_allclose(x, pen.prox(v, step), rtol=0, atol=0)
        assert value == pytest.approx(pen.value(x), rel=1e-12, abs=1e-12)


def test_top1_prox_fast_path_matches_the_general_path(rng):
    # flat float64 vectors take a fast path; other shapes and dtypes the general one
    pen = TopologicalPenalty(2)
    for _ in range(20):
        v = rng.integers(0, 5, size=12).astype(float) + 0.1 * rng.standard_normal(12)
        step = rng.choice([0.01, 0.5, 5.0])
        fast = pen.prox(v, step)
        assert_allclose(pen.prox(v.reshape(3, 4), step).ravel(), fast, atol=1e-14)
        assert_allclose(pen.prox(v.tolist(), step), fast, atol=1e-14)
        order = np.argsort(v)
        assert_allclose(fast[order], prox_tv1d(v[order], step), atol=1e-12)
