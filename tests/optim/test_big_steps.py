"""Big steps (critical sets): the loss reaches 0 in a few steps, checked by GUDHI."""

import gudhi
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from sktopo import TopologicalLoss
from sktopo.datasets import load_stump_image
from sktopo.functionals import DeathNorm, DiagramDistance, PersistenceNorm
from sktopo.optim import big_step_minimize
from sktopo.optim._big_steps import diagram_targets
from sktopo.persistence import Diagram
from sktopo.utils import _testing


def gudhi_lifetimes(x, dims, superlevel, connectivity):
    """Finite lifetimes per dimension, computed by GUDHI independently of sktopo."""
    out = _testing.gudhi_lifetimes(x, connectivity, superlevel)
    return {d: out[d] for d in dims}


def images():
    rng = np.random.default_rng(3)
    return {
        "noise": rng.random((23, 31)) * 100,
        "smooth": gaussian_filter(rng.random((40, 36)), 2) * 1e3,
        "ties": rng.integers(0, 8, (20, 17)).astype(float) * 10,
        "signal": rng.random(150) * 10,
        "volume": rng.random((9, 8, 7)) * 100,
    }


@pytest.mark.parametrize("name", list(images()))
@pytest.mark.parametrize("connectivity", ["full", "face"])
@pytest.mark.parametrize("superlevel", [False, True])
@pytest.mark.parametrize("side", ["death", "birth", "both"])
def test_threshold_norm_reaches_zero(name, connectivity, superlevel, side):
    x = images()[name]
    dims = {1: (0,), 2: (0, 1), 3: (0, 2)}[x.ndim]
    threshold = 0.2 * np.ptp(x)
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=threshold),
                           homology_dimensions=dims, superlevel=superlevel,
                           connectivity=connectivity, gradient=side)
    x_before = x.copy()
    res = big_step_minimize(loss, x, max_iter=200)
    np.testing.assert_array_equal(x, x_before)            # the input is untouched
    assert res.fun == 0.0 and res.converged
    for d, life in gudhi_lifetimes(res.x, dims, superlevel, connectivity).items():
        assert np.all(life <= threshold * (1 + 1e-12)), (d, life.max() / threshold)
    assert len(res.loss_curve) == res.n_iter + 1


def test_death_side_moves_saddles_down_only():
    x = images()["smooth"]
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=0.2 * np.ptp(x)),
                           gradient="death")
    res = big_step_minimize(loss, x)
    assert np.all(res.x <= x)                              # H0 deaths come down, nothing up
    assert res.fun == 0.0


def test_blobs_in_one_step_with_few_pixels():
    # the STUMP paper's blobs: W1 of the H0 bars longer than 50, the deaths move
    x = load_stump_image("blobs")
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=50), gradient="death")
    res = big_step_minimize(loss, x)
    assert res.fun == 0.0 and res.n_iter <= 2
    assert np.count_nonzero(res.x != x) < 0.02 * x.size
    assert np.mean((res.x - x) ** 2) < 100                  # Oineus crit-sets: about 100


def test_diagram_distance_target():
    # two wells and a target diagram with one finite bar of lifetime 1
    x = np.array([0.0, 3.0, 0.5, 4.0, 1.0, 2.0, 0.2])
    loss = TopologicalLoss(DiagramDistance([[0.0, 1.0]], p=1), gradient="both")
    res = big_step_minimize(loss, x, max_iter=5)
    assert res.fun < 0.5 * loss(x)


def test_generic_functional_gradient_step():
    x = np.array([0.0, 3.0, 1.0, 2.0])
    loss = TopologicalLoss(-PersistenceNorm(p=1), gradient="death")  # lengthen the bar
    res = big_step_minimize(loss, x, max_iter=1, learning_rate=0.5)
    assert res.x[1] == pytest.approx(3.5)                  # the saddle alone, + 0.5


def test_point_cloud_edges_and_extension():
    rng = np.random.default_rng(0)
    theta = rng.uniform(0, 2 * np.pi, 60)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.05 * rng.normal(size=(60, 2))
    loss = TopologicalLoss(PersistenceNorm(p=2), filtration="weak_alpha",
                           homology_dimensions=1)
    plain = big_step_minimize(loss, X, max_iter=5)
    smooth = big_step_minimize(loss, X, max_iter=5, sigma=0.3)
    assert plain.loss_curve[-1] < 0.5 * plain.loss_curve[0]
    assert smooth.loss_curve[-1] < 0.5 * smooth.loss_curve[0]
    moved_plain = np.count_nonzero(np.any(plain.x != X, axis=1))
    moved_smooth = np.count_nonzero(np.any(smooth.x != X, axis=1))
    # the loop's cycle and its neighbourhood move (every point of this circle), the
    # extension moves at least as many
    assert moved_smooth >= moved_plain == len(X)


def test_death_norm_targets_are_the_births():
    dgm = Diagram(np.array([0.0, 1.0, 2.0, 0.5]), np.array([np.inf, 3.0, 2.0, 4.0]),
                  np.arange(4), np.array([-1, 5, 6, 7]))
    moving, new_b, new_d = diagram_targets(DeathNorm(p=2), dgm, "both")
    np.testing.assert_array_equal(moving, [False, True, False, True])
    np.testing.assert_array_equal(new_b, dgm.births)
    np.testing.assert_array_equal(new_d, [np.inf, 1.0, 2.0, 0.5])
    moving, _, new_d = diagram_targets(DeathNorm(p=2), dgm, "birth")   # deaths cannot move
    assert not moving.any()
    np.testing.assert_array_equal(new_d, dgm.deaths)


@pytest.mark.parametrize("sigma", [None, 0.1])
def test_death_norm_big_steps_break_the_circle(sigma):
    # the loop of a noisy circle: its death falls (GUDHI's Rips diagram, independent of
    # sktopo) and the loss sum d^2 goes down within three big steps
    rng = np.random.default_rng(0)
    theta = rng.uniform(0, 2 * np.pi, 60)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.05 * rng.normal(size=(60, 2))

    def gudhi_max_death(Y):
        st = gudhi.RipsComplex(points=Y).create_simplex_tree(max_dimension=2)
        st.compute_persistence()
        return st.persistence_intervals_in_dimension(1)[:, 1].max()

    loss = TopologicalLoss(DeathNorm(p=2), filtration="rips", homology_dimensions=1)
    res = big_step_minimize(loss, X, max_iter=3, sigma=sigma)
    assert res.n_iter == 3
    assert res.loss_curve.min() < 0.9 * res.loss_curve[0]
    assert gudhi_max_death(res.x) < 0.7 * gudhi_max_death(X)
    assert res.loss_curve[0] == pytest.approx(loss(X))


def test_callback_stops_and_bad_parameters():
    x = images()["noise"]
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=5.0), gradient="death")
    res = big_step_minimize(loss, x, callback=lambda r: True)
    assert res.n_iter == 1 and res.message == "stopped by the callback"
    with pytest.raises(ValueError, match="conflict"):
        big_step_minimize(loss, x, conflict="max")
    with pytest.raises(ValueError, match="max_iter"):
        big_step_minimize(loss, x, max_iter=0)


def _vanilla_steps(loss, X, learning_rate=0.1, max_steps=2000):
    first = loss(X)
    X = X.copy()
    for step in range(max_steps):
        value, grad = loss.value_and_grad(X)
        if value <= 0.1 * first:
            return step
        X -= learning_rate * grad
    return max_steps


@pytest.mark.parametrize("filtration", ["rips", "weak_alpha"])
def test_circle_cycle_big_steps_beat_vanilla(filtration):
    # the paper's noisy circle (smaller): the cycle of the loop is scaled down at once,
    # a 90 % loss reduction in at least 5x fewer steps than vanilla gradient descent
    rng = np.random.default_rng(3)
    theta = rng.uniform(0, 2 * np.pi, 80)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.1 * rng.normal(size=(80, 2))
    loss = TopologicalLoss(DeathNorm(p=2), filtration=filtration, homology_dimensions=1)
    res = big_step_minimize(loss, X, max_iter=100, tol=0.1 * loss(X))
    assert res.fun <= 0.1 * res.loss_curve[0]
    assert 5 * res.n_iter <= _vanilla_steps(loss, X)
    assert np.all(np.isfinite(res.x)) and np.abs(res.x).max() < 2     # nothing thrown away


def test_tree_cycle_closes_the_birth_edge():
    from sktopo.optim._cycles import _spanning_forest, _tree_cycle
    from sktopo.persistence import rips_persistence

    rng = np.random.default_rng(1)
    theta = rng.uniform(0, 2 * np.pi, 40)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.05 * rng.normal(size=(40, 2))
    loss = TopologicalLoss(DeathNorm(p=2), filtration="rips", homology_dimensions=1)
    forest = _spanning_forest(loss, X)
    tree_edges = {tuple(sorted(e)) for e in rips_persistence(X, 0)[0].death_index[1:]}
    for a, b in rips_persistence(X, 1)[1].birth_index:
        cycle = _tree_cycle(forest, a, b)
        assert cycle[0] == a and cycle[-1] == b and len(set(cycle)) == len(cycle)
        assert all(tuple(sorted(e)) in tree_edges for e in zip(cycle[:-1], cycle[1:]))
