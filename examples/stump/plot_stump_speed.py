"""
Loss reduction against time: STUMP and vanilla backpropagation
===============================================================

The blobs experiment again (STUMP paper, Fig. III.4): the percentage of the starting loss
``a * W1(H0 bars > 50) + (1 - a) * MSE`` of the full image removed as a function of wall
time, for STUMP (4 x 4 simplex pooling, with and without the uniform noise eps = 50) and
for vanilla backpropagation with the W1 and W2 norms. The loss of the full image is
evaluated on snapshots after the runs, outside the timings.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from sktopo import TopologicalLoss, stump_minimize
from sktopo.datasets import load_stump_image
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import cubical_persistence
from sktopo.plotting import save_figure

# SKTOPO_QUICK=1 (set by the docs build) scales the run down; full runs: benchmarks/
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"


def bars(x, dim, threshold=50.0):
    """Sum of the lifetimes above ``threshold`` and their number."""
    norm = PersistenceNorm(p=1, min_persistence=threshold)
    dgm = cubical_persistence(x, dim)[dim]
    return norm(dgm), int(norm.region(dgm).sum())



x0 = load_stump_image("blobs")
a = 1 - 1 / x0.size
seconds = 5.0 if QUICK else 240.0


def full_loss(x):
    return a * bars(x, 0)[0] + (1 - a) * np.mean((x - x0) ** 2)


def run(p, **kw):
    """Run for ``seconds`` of wall time, keeping 40 snapshots."""
    snaps = []

    def callback(res):
        if not snaps or res.step_times[-1] - snaps[-1][0] > seconds / 40:
            snaps.append((res.step_times[-1], res.x.copy()))
        return res.step_times[-1] > seconds

    loss = TopologicalLoss(PersistenceNorm(p=p, min_persistence=50), homology_dimensions=0,
                           gradient="death")
    stump_minimize(loss, x0, learning_rate=0.05, alpha=a, max_iter=10**6,
                   callback=callback, random_state=0, **kw)
    base = full_loss(x0)
    return [(0.0, 0.0)] + [(t, 100 * (1 - full_loss(x) / base)) for t, x in snaps]


# %%
curves = {
    "STUMP + noise (W1)": run(1, block_size=4, eps=50.0),
    "STUMP (W1)": run(1, block_size=4, eps=0.0),
    "vanilla W1": run(1, block_size=1),
    "vanilla W2": run(2, block_size=1),
}
fig, ax = plt.subplots(figsize=(6, 4))
for name, curve in curves.items():
    t, r = np.array(curve).T
    ax.plot(t, r, label=name)
ax.set_xlabel("time (s)")
ax.set_ylabel("loss reduction (%)")
ax.legend()
print("wrote", save_figure(fig, "stump_speed.png"))
