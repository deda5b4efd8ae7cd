"""Point-cloud optimization: vanilla gradients, diffeomorphic interpolation, big steps.

Two experiments of issue 19, every method alternated in one process (medians of
``REPEATS`` runs for the circle):

* **the noisy circle** (Carriere, Theveneau, Lacombe, NeurIPS 2024): 200 points on the unit
  circle plus Gaussian noise 0.1, the H1 loss ``sum (d - b)^2`` of the weak alpha (and
  Rips) filtration, gradient descent with learning rate 0.1; diffeo extends each
  gradient with a Gaussian kernel of width 0.1. Printed: steps and wall time to a 90 %
  loss reduction for vanilla, diffeo, and big steps (critical edges moved to their
  targets at once, with and without the extension);
* **a large cloud**: 20,000 points near a torus in 3-D, the same H1 loss on random
  subsamples of ``SUBSAMPLE`` points (weak alpha), 60 s of vanilla against 60 s of diffeo
  (``stump_minimize`` with ``PointSubsample`` against ``GradientExtension``: the field of
  each subsample's gradient moves all the points). The loss is measured on fixed
  evaluation subsamples.

``SKTOPO_QUICK=1`` for a short run.
"""

import os
import time

import numpy as np

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.optim import big_step_minimize
from sktopo.smear import GradientExtension, PointSubsample, extend_gradient

QUICK = bool(os.environ.get("SKTOPO_QUICK"))
REPEATS = 3 if QUICK else 7
LARGE_SECONDS = 5.0 if QUICK else 60.0
SUBSAMPLE = 400


def noisy_circle(n=200, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(theta), np.sin(theta)] + noise * rng.normal(size=(n, 2))


def descend(loss, X0, mode, learning_rate=0.1, sigma=0.1, max_steps=2000, budget=30.0):
    """Gradient descent to a 90 % loss reduction: (steps, seconds) or (steps, None)."""
    X = X0.copy()
    start = time.perf_counter()
    first = None
    for step in range(max_steps + 1):
        value, grad = loss.value_and_grad(X)
        first = value if first is None else first
        if value <= 0.1 * first:
            return step, time.perf_counter() - start
        if time.perf_counter() - start > budget:
            break
        if mode == "diffeo":
            grad = extend_gradient(X, grad, sigma)
        X -= learning_rate * grad
    return step, None


def big_steps(loss, X0, sigma):
    start = time.perf_counter()
    res = big_step_minimize(loss, X0, max_iter=200, sigma=sigma)
    hit = np.flatnonzero(res.loss_curve <= 0.1 * res.loss_curve[0])
    if not hit.size:
        return res.n_iter, None
    return int(hit[0]), float(res.step_times[hit[0]]) or time.perf_counter() - start


def circle():
    X0 = noisy_circle()
    print("noisy circle, 200 points, H1 loss sum (d - b)^2, learning rate 0.1, sigma 0.1")
    for filtration in ("weak_alpha", "rips"):
        loss = TopologicalLoss(PersistenceNorm(p=2), filtration=filtration,
                               homology_dimensions=1)
        methods = {"vanilla": lambda: descend(loss, X0, "vanilla"),
                   "diffeo": lambda: descend(loss, X0, "diffeo"),
                   "big steps": lambda: big_steps(loss, X0, None),
                   "big steps + diffeo": lambda: big_steps(loss, X0, 0.3)}
        results = {name: [] for name in methods}
        for _ in range(REPEATS if filtration == "weak_alpha" else 1):
            for name, run in methods.items():      # alternated
                results[name].append(run())
        rows = {}
        for name, rs in results.items():
            steps = int(np.median([r[0] for r in rs]))
            times = [r[1] for r in rs if r[1] is not None]
            rows[name] = (steps, float(np.median(times)) if len(times) == len(rs) else None)
            t = "never" if rows[name][1] is None else f"{rows[name][1]:.3f} s"
            print(f"  {filtration:10s} {name:20s} 90 % in {steps:4d} steps, {t}")
        v, d = rows["vanilla"], rows["diffeo"]
        if v[1] and d[1]:
            print(f"  {filtration:10s} diffeo / vanilla wall time = {d[1] / v[1]:.2f}, "
                  f"steps vanilla / big steps = {v[0] / max(rows['big steps'][0], 1):.1f}")


def torus(n=20_000, seed=0):
    rng = np.random.default_rng(seed)
    u, v = rng.uniform(0, 2 * np.pi, (2, n))
    X = np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]
    return X + 0.1 * rng.normal(size=X.shape)


def subsampled_run(loss, X0, mode, seconds, sigma=0.5, learning_rate=0.05, seed=0):
    """``stump_minimize`` on subsamples for ``seconds``: the plain subsample (vanilla) or
    its gradient extended to the cloud (diffeo); returns (steps, loss reduction)."""
    rng = np.random.default_rng(seed)
    eval_sets = [rng.choice(len(X0), SUBSAMPLE, replace=False) for _ in range(5)]

    def measure(X):
        return float(np.mean([loss(X[idx]) for idx in eval_sets]))
    smear = (GradientExtension(sigma, SUBSAMPLE) if mode == "diffeo"
             else PointSubsample(SUBSAMPLE))
    res = stump_minimize(loss, X0, smear=smear, alpha=1.0, learning_rate=learning_rate,
                         max_iter=10 ** 6, random_state=seed,
                         callback=lambda r: r.step_times[-1] > seconds)
    return res.n_iter, 1 - measure(res.x) / measure(X0)


def large_cloud():
    X0 = torus()
    loss = TopologicalLoss(PersistenceNorm(p=2), filtration="weak_alpha",
                           homology_dimensions=1)
    print(f"torus, {len(X0)} points in 3-D, H1 loss sum (d - b)^2 on subsamples of "
          f"{SUBSAMPLE}, {LARGE_SECONDS:g} s each, Adam learning rate 0.05, sigma 0.5")
    for mode in ("vanilla", "diffeo"):
        steps, reduction = subsampled_run(loss, X0, mode, LARGE_SECONDS)
        print(f"  {mode:8s} {steps:6d} steps, loss reduced by {100 * reduction:5.1f} %")


if __name__ == "__main__":
    import sys

    if "--large" not in sys.argv[1:]:
        circle()
    if "--circle" not in sys.argv[1:]:
        large_cloud()
