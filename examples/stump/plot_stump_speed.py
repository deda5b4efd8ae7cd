"""
Loss reduction against time: STUMP and vanilla backpropagation
===============================================================

The STUMP paper's Fig. III.4: the percentage of the starting loss
``a * W1(H0 bars > 50) + (1 - a) * MSE`` of the full image removed as a function of wall
time, for STUMP (4 x 4 simplex pooling, with and without the uniform noise eps = 50) and
for vanilla backpropagation with the W1 and W2 norms, on the blobs image (left) and on an
image of uniform noise in [0, 255] (right). The loss of the full image is evaluated on
snapshots after the runs, outside the timings.

On blobs, whose bars are large homogeneous regions joined by ridges, STUMP removes 90 % of
the loss about 14x sooner than vanilla W2 (``benchmarks/bench_stump.py`` measures it with
the two runs alternated). Run on, STUMP does not settle: the noise of its approximates
keeps a floor under the smeared loss, so it keeps digging the channels it opened, below the
image's range, until they make new bars and the loss climbs back over its start;
``bounds=(0, 255)`` (the last curve) keeps the values in the image's range and the loss
near 0. On uniform noise the bars above 50 are pixel-scale minima: a 4 x 4 approximate
averages them away, so the smeared loss is not the loss of the image, and in a minute STUMP
removes at most a fifth of it (two thirds with ``bounds``), while vanilla, whose steps here
cost about 2 ms with sktopo's pairing, removes 90 % in 2-3 s. The paper's vanilla was a TF
+ GUDHI loop, about 100x slower per step, hence its milder conclusion on that image. Use
STUMP for global features, and vanilla (or ``refine_iter``) for pixel-scale ones.
"""

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from sktopo import TopologicalLoss, stump_minimize
from sktopo.datasets import load_stump_image
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import cubical_persistence
from sktopo.plotting import save_figure

# SKTOPO_QUICK=1 (set by the docs build) scales the run down; full runs: benchmarks/
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"
seconds = 3.0 if QUICK else 60.0
norm = PersistenceNorm(p=1, min_persistence=50)


def full_loss(x, x0, a):
    """``a * W1(H0 bars > 50) + (1 - a) * MSE`` of the full image."""
    return a * norm(cubical_persistence(x, 0)[0]) + (1 - a) * np.mean((x - x0) ** 2)


def run(x0, p, **kw):
    """Loss reduction (%) against time over ``seconds`` of wall time, at 60 times evenly
    spaced on a log scale from 0.02 s (the copies of the iterate are not timed)."""
    a = 1 - 1 / x0.size
    marks = iter(np.geomspace(0.02, seconds, 60))
    snaps, spent = [], [0.0]
    mark = next(marks)

    def callback(res):
        nonlocal mark
        t = res.step_times[-1] - spent[0]
        if t >= mark:
            start = time.perf_counter()
            snaps.append((t, res.x.copy()))
            spent[0] += time.perf_counter() - start
            mark = next((m for m in marks if m > t), np.inf)
        return t > seconds

    loss = TopologicalLoss(PersistenceNorm(p=p, min_persistence=50), homology_dimensions=0,
                           gradient="death")
    stump_minimize(loss, x0, learning_rate=0.05, alpha=a, max_iter=10**7,
                   callback=callback, random_state=0, **kw)
    base = full_loss(x0, x0, a)
    t, x = zip(*snaps)
    return np.array(t), np.array([100 * (1 - full_loss(xi, x0, a) / base) for xi in x])


# %%
images = {"blobs": load_stump_image("blobs"),
          "uniform noise": np.random.default_rng(0).uniform(0, 255, (256, 256))}
methods = {
    "STUMP + noise (W1)": dict(p=1, block_size=4, eps=50.0),
    "STUMP (W1)": dict(p=1, block_size=4, eps=0.0),
    "vanilla W1": dict(p=1, block_size=1),
    "vanilla W2": dict(p=2, block_size=1),
    "STUMP + noise (W1), bounds (0, 255)": dict(p=1, block_size=4, eps=50.0, bounds=(0, 255)),
}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
for ax, (title, x0) in zip(axes, images.items()):
    for name, kw in methods.items():
        t, reduction = run(x0, **kw)
        hit = np.flatnonzero(reduction >= 90)
        when = f"{t[hit[0]]:.1f} s" if hit.size else f"not in {seconds:g} s"
        print(f"{title:14s} {name:35s} 90 % reduction: {when:>12s}, "
              f"best {reduction.max():5.1f} %")
        ax.plot(t, reduction, label=name)
    ax.set_title(title)
    ax.set_xscale("log")
    ax.set_xlabel("wall time (s, log scale)")
axes[0].set_ylabel("loss reduction (%)")
axes[0].legend()
print("wrote", save_figure(fig, "stump_speed.png"))
