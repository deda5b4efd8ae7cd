"""Big steps on the STUMP paper's blobs image: sktopo against Oineus crit-sets.

The task (issue 19): the W1 norm of the H0 bars longer than 50 of the 256x256 blobs image,
the deaths moving (the STUMP paper's "connect the blobs"). Compared side by side in one
process, alternated, medians of ``REPEATS`` runs:

* sktopo ``big_step_minimize`` (critical sets of the extremum pairs, compiled searches),
  with the library's default construction (``connectivity="full"``, 8-connectivity) and
  with Oineus' (values on the vertices of the cubical grid: ``connectivity="face"``);
* Oineus 0.9.39 ``TopologyOptimizer.crit_sets_apply`` (its critical sets, ``Max``
  conflicts), each cell's target written to its critical pixel (the vertex that gives the
  cell its value), i.e. plain SGD with learning rate 1 on the crit-set loss;
* for scale, STUMP (10,000 steps, the paper's settings) and vanilla W2 backpropagation
  (``stump_minimize(block_size=1, eps=0)``), each run once.

Printed: time and steps to 90 % and 100 % loss reduction, the pixels moved and the mean
squared change to the input. ``SKTOPO_QUICK=1`` for a short run.

Run: ``python benchmarks/bench_big_steps.py`` (needs ``pip install oineus``).
"""

import os
import time

import numpy as np

from sktopo import TopologicalLoss, stump_minimize
from sktopo.datasets import load_stump_image
from sktopo.functionals import PersistenceNorm
from sktopo.optim import big_step_minimize
from sktopo.persistence import cubical_persistence

QUICK = bool(os.environ.get("SKTOPO_QUICK"))
REPEATS = 3 if QUICK else 7
THRESHOLD = 50.0


def w1(x, connectivity):
    life = cubical_persistence(x, 0, connectivity=connectivity)[0].finite().lifetimes
    return float(life[life > THRESHOLD].sum())


def milestones(times, losses, start):
    """Time and step of the first 90 % and 100 % loss reductions (None if never)."""
    out = []
    for level in (0.1, 0.0):
        hit = np.flatnonzero(np.asarray(losses) <= level * start)
        out.append((times[hit[0]], int(hit[0])) if hit.size else (None, None))
    return out


def run_sktopo(x0, connectivity):
    loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=THRESHOLD),
                           connectivity=connectivity, gradient="death")
    start = time.perf_counter()
    res = big_step_minimize(loss, x0)
    total = time.perf_counter() - start
    losses = [w1(x0, connectivity)] + [None] * res.n_iter
    # the loss curve of the run is the W1 itself
    losses = list(res.loss_curve)
    return dict(time=total, times=list(res.step_times), losses=losses, x=res.x)


def run_oineus(x0, max_steps=30):
    import oineus as oin

    x = x0.copy()
    width = x.shape[1]
    times, losses = [0.0], [w1(x, "face")]
    start = time.perf_counter()
    for _ in range(max_steps):
        fil = oin.cube_filtration(x)
        opt = oin.TopologyOptimizer(fil)
        dgm = opt.compute_diagram(include_inf_points=False)
        idx = dgm.index_diagram_in_dimension(0)
        births = np.array([fil.cell_value_by_sorted_id(int(i)) for i in idx[:, 0]])
        deaths = np.array([fil.cell_value_by_sorted_id(int(i)) for i in idx[:, 1]])
        long = deaths - births > THRESHOLD
        if not long.any():
            break
        targets = opt.crit_sets_apply([int(i) for i in idx[long, 1]],
                                      list(births[long] + THRESHOLD * (1 - 1e-12)),
                                      oin.ConflictStrategy.Max)
        flat = x.ravel().copy()
        for cell, value in zip(targets.indices_array(), targets.values_array()):
            vertices = [r * width + c for r, c in fil.cube(int(cell)).vertices]
            flat[max(vertices, key=lambda v: x.flat[v])] = value
        if np.array_equal(flat, x.ravel()):
            break
        x = flat.reshape(x.shape)
        times.append(time.perf_counter() - start)
        losses.append(w1(x, "face"))      # timed: Oineus' loop computes its diagram anyway
    return dict(time=time.perf_counter() - start, times=times, losses=losses, x=x)


def describe(name, run, x0):
    (t90, s90), (t100, s100) = milestones(run["times"], run["losses"], run["losses"][0])
    fmt = lambda t, s: "never" if t is None else f"{t:7.3f} s ({s} steps)"   # noqa: E731
    moved = int(np.count_nonzero(run["x"] != x0))
    mse = float(np.mean((run["x"] - x0) ** 2))
    print(f"{name:34s} 90 %: {fmt(t90, s90):22s} 100 %: {fmt(t100, s100):22s} "
          f"moved {moved:6d} px  MSE {mse:8.1f}  final W1 {run['losses'][-1]:.1f}")
    return t100


def main():
    x0 = load_stump_image("blobs")
    print(f"blobs 256x256, W1 of the H0 bars longer than {THRESHOLD:g} (deaths move); "
          f"start W1: full {w1(x0, 'full'):.1f}, face {w1(x0, 'face'):.1f}")
    runs = {"sktopo big steps (full)": [], "sktopo big steps (face)": [],
            "Oineus crit-sets (face)": []}
    for _ in range(REPEATS):                     # alternated, one process
        runs["sktopo big steps (full)"].append(run_sktopo(x0, "full"))
        runs["Oineus crit-sets (face)"].append(run_oineus(x0))
        runs["sktopo big steps (face)"].append(run_sktopo(x0, "face"))
    medians = {}
    for name, rs in runs.items():
        best = sorted(rs, key=lambda r: r["time"])[len(rs) // 2]
        medians[name] = describe(name + " (median)", best, x0)
    a = 1 - 1 / x0.size
    stump_loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=THRESHOLD),
                                 gradient="death")
    res = stump_minimize(stump_loss, x0, block_size=4, measure="simplex", eps=50.0,
                         learning_rate=0.05, alpha=a, max_iter=1000 if QUICK else 10_000,
                         random_state=0)
    stump = dict(times=[0.0] + list(res.step_times), x=res.x,
                 losses=[w1(x0, "full")] + [None] * res.n_iter)
    stump["losses"][-1] = w1(res.x, "full")
    stump["times"] = [0.0, res.step_times[-1]]
    stump["losses"] = [stump["losses"][0], stump["losses"][-1]]
    describe("STUMP, 10k steps (end only)", stump, x0)
    vanilla_loss = TopologicalLoss(PersistenceNorm(p=2, min_persistence=THRESHOLD),
                                   gradient="death")
    budget = 3.0 if QUICK else 20.0
    marks = {"times": [0.0], "losses": [w1(x0, "full")]}

    def watch(r):
        if r.n_iter % 200 == 0:
            marks["times"].append(r.step_times[-1])
            marks["losses"].append(w1(r.x, "full"))
        return r.step_times[-1] > budget
    van = stump_minimize(vanilla_loss, x0, block_size=1, eps=0.0, learning_rate=0.05,
                         alpha=a, max_iter=10 ** 7, callback=watch, random_state=0)
    marks["x"] = van.x
    describe(f"vanilla W2 ({budget:g} s budget)", marks, x0)
    ours, theirs = medians["sktopo big steps (face)"], medians["Oineus crit-sets (face)"]
    if ours is not None and theirs is not None:
        print(f"time to 100 %: sktopo / Oineus = {ours / theirs:.3f} (same construction); "
              f"full construction / Oineus = "
              f"{medians['sktopo big steps (full)'] / theirs:.3f}")


if __name__ == "__main__":
    main()
