"""
STUMP against vanilla backpropagation: blobs, circle and wells
===============================================================

The three synthetic tasks of the STUMP paper (Sec. III, Fig. III.1), each solved by STUMP
(k x k simplex pooling, uniform noise eps, W1 norm of the bars with lifetime above 50) and by
vanilla topological backpropagation (the same solver on the full image without noise, W2
norm), Adam with learning rate 0.05 and ``a = 1 - 1/P``:

* **blobs** (negated: the blobs are minima): H0 bars above 50 are penalized through their
  death pixels, so the optimizer deepens the bridges between the blobs (4 x 4, eps = 50);
* **circle**: H1 bars above 50 are rewarded (``-PersistenceNorm``) through their birth
  pixels, so the ring is lowered and appears earlier (5 x 5, eps = 100);
* **wells** (negated): H0 bars above 50 are rewarded through their death pixel, so a wall
  rises between the two wells (5 x 5, eps = 50).
"""

# %%
import os

import matplotlib.pyplot as plt

from sktopo import TopologicalLoss, stump_minimize
from sktopo.datasets import load_stump_image
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import cubical_persistence
from sktopo.plotting import save_figure

# SKTOPO_QUICK=1 (set by the docs build) scales the run down; full runs: benchmarks/
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"
steps = 300 if QUICK else 10_000
vanilla_steps = 10 if QUICK else 10_000

# name: (homology dimension, sign (+1 minimize, -1 maximize), critical side, block, eps)
TASKS = {
    "blobs": (0, 1, "death", 4, 50.0),
    "circle": (1, -1, "birth", 5, 100.0),
    "wells": (0, -1, "death", 5, 50.0),
}


def bars(x, dim, threshold=50.0):
    """Sum of the lifetimes above ``threshold`` and their number."""
    norm = PersistenceNorm(p=1, min_persistence=threshold)
    dgm = cubical_persistence(x, dim)[dim]
    return norm(dgm), int(norm.region(dgm).sum())


def solve(x0, dim, sign, side, block, eps, p, max_iter):
    loss = TopologicalLoss(sign * PersistenceNorm(p=p, min_persistence=50),
                           homology_dimensions=dim, gradient=side)
    return stump_minimize(loss, x0, block_size=block, measure="simplex", eps=eps,
                          learning_rate=0.05, max_iter=max_iter, random_state=0)


# %%
fig, axes = plt.subplots(len(TASKS), 3, figsize=(12, 4 * len(TASKS)))
for row, (name, (dim, sign, side, block, eps)) in zip(axes, TASKS.items()):
    x0 = load_stump_image(name)
    stump = solve(x0, dim, sign, side, block, eps, p=1, max_iter=steps)
    vanilla = solve(x0, dim, sign, side, 1, 0.0, p=2, max_iter=vanilla_steps)
    for ax, (title, x, t) in zip(row, [
            (f"{name}: original", x0, 0.0),
            (f"vanilla W2, {vanilla.n_iter} steps", vanilla.x, vanilla.step_times[-1]),
            (f"STUMP, {stump.n_iter} steps", stump.x, stump.step_times[-1])]):
        total, n = bars(x, dim)
        ax.imshow(x, vmin=0, vmax=255)
        ax.set_title(f"{title}\nH{dim} > 50: {n} bars, sum {total:.0f}, {t:.0f} s")
        ax.set_axis_off()
        print(f"{name:7s} {title:32s} H{dim} > 50: {n:3d} bars, sum {total:7.1f}")
print("wrote", save_figure(fig, "stump_experiments.png"))
