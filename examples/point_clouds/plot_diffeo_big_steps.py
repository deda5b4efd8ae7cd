"""
Beyond vanilla gradients: diffeomorphic interpolation and big steps
===================================================================

A topological gradient on a point cloud is nonzero on the few points that carry the
critical edges, so a vanilla descent moves those points alone and needs many steps. Two
remedies, both in :class:`~sktopo.PointCloudTopoOptimizer`:

* ``gradient_extension="diffeo"`` (Carriere, Theveneau, Lacombe, NeurIPS 2024): the
  sparse gradient is extended to a smooth field, ``v(x) = sum_a k(x - x_a) alpha_a`` with
  ``K alpha = grad`` on the active points, so whole regions move;
* ``solver="big_steps"`` (Nigmetov and Morozov, DCG 2024): every critical edge is moved
  to its target length at once (here, with the extension of those moves as well).

On the paper's noisy circle (200 points, the H1 loss ``sum (d - b)^2`` of the weak alpha
filtration, learning rate 0.1, sigma 0.1) we plot the loss against wall time; then a
large cloud (a noisy torus) optimized on subsamples, where the field of each subsample's
gradient moves every point. ``benchmarks/bench_point_clouds.py`` times the same runs
side by side, ``benchmarks/bench_big_steps.py`` the image case against Oineus.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from sktopo import PointCloudTopoOptimizer, TopologicalLoss
from sktopo.estimators import optimize_point_cloud
from sktopo.functionals import PersistenceNorm

# SKTOPO_QUICK=1 (set by the docs build) scales the runs down
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"

rng = np.random.default_rng(0)
theta = rng.uniform(0, 2 * np.pi, 200)
X = np.c_[np.cos(theta), np.sin(theta)] + 0.1 * rng.normal(size=(200, 2))

runs = {
    "vanilla (Adam)": dict(),
    "diffeo (Adam)": dict(gradient_extension="diffeo", sigma=0.1),
    "big steps": dict(solver="big_steps"),
    "big steps + diffeo": dict(solver="big_steps", gradient_extension="diffeo", sigma=0.3),
    "STUMP (subsample 50 %)": dict(subsample=0.5),
}
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
results = {}
for name, kwargs in runs.items():
    # the function behind the estimator returns the wall time of every step
    res = optimize_point_cloud(X, "norm", homology_dimensions=1, p=2, learning_rate=0.1,
                               max_iter=20 if QUICK else 60, random_state=0, **kwargs)
    results[name] = (res.loss_curve, res.x)
    curve = np.asarray(res.loss_curve)
    times = np.asarray(res.step_times)[-curve.size:]
    axes[0].plot(times, curve / curve[0], label=name)
axes[0].set(xlabel="wall time (s)", ylabel="loss / initial loss", yscale="log",
            title="noisy circle, H1 loss")
axes[0].legend()
for name in ("vanilla (Adam)", "diffeo (Adam)"):
    Y = results[name][1]
    axes[1].scatter(*Y.T, s=6, label=name)
axes[1].scatter(*X.T, s=4, c="lightgray", label="input")
axes[1].set_aspect("equal")
axes[1].legend()

###############################################################################
# A large cloud: the subsample's gradient moves every point
# ---------------------------------------------------------
# Each step computes the loss on a random subsample; vanilla moves the critical points
# of that subsample only, diffeo the whole cloud around them.

n = 3000 if QUICK else 20_000
u, v = rng.uniform(0, 2 * np.pi, (2, n))
T = np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]
T += 0.1 * rng.normal(size=T.shape)
loss = TopologicalLoss(PersistenceNorm(p=2), filtration="weak_alpha", homology_dimensions=1)
evaluation = [rng.choice(n, 400, replace=False) for _ in range(3)]


def subsample_loss(P):
    return np.mean([loss(P[idx]) for idx in evaluation])


start = subsample_loss(T)
for name, kwargs in (("vanilla", {}), ("diffeo", dict(gradient_extension="diffeo",
                                                       sigma=0.5))):
    opt = PointCloudTopoOptimizer("norm", homology_dimensions=1, p=2, subsample=400,
                                  learning_rate=0.05, max_iter=5 if QUICK else 100,
                                  random_state=0, **kwargs)
    P = opt.fit_transform(T)
    print(f"{name:8s}: loss on subsamples {subsample_loss(P) / start:.2f} of the start "
          f"after {opt.n_iter_} steps")
