"""
Robustness of the blobs optima: noise and random walker segmentation
====================================================================

The blobs experiment (STUMP paper, Sec. III): STUMP (4 x 4 simplex pooling, uniform noise
eps = 50, W1 of the H0 bars longer than 50, gradient on the death pixels, Adam with
learning rate 0.05 and ``a = 1 - 1/P``) against vanilla backpropagation (full image, no
noise, W2), and STUMP on the paper's fixed grid of blocks (``block_offset=0``; by default
``stump_minimize`` shifts the grid by a random offset for every approximate, so that no
pixel pair is always split between two blocks). Two measures of how robustly the optima
connect the blobs:

* noise (Sec. II-D, the reference code's ``robustness_test``): add uniform noise in
  ``[-eps, eps]`` to the optimum, clip to [0, 255], and average the sum of the H0
  lifetimes above 50 over 50 draws, for eps = 0, 5, ..., 40; a robust optimum keeps it low;
* segmentation (Sec. III-A, Fig. III.3): :func:`skimage.segmentation.random_walker` with
  markers at the pixels whose value is in the bottom (blobs) or top (background) fraction
  ``q`` of the values, for q = 0.1, 0.2, 0.3; the blobs of a robust optimum stay in one
  connected region.

The paper's runs take 10,000 steps each (vanilla: about an hour). With ``SKTOPO_QUICK=1``
(the docs build) the optimizers take only 200 (STUMP) and 10 (vanilla) steps and the noise
curve averages 5 draws, so the vanilla "optimum" is hardly changed from the input and the
numbers are only indicative.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from skimage.segmentation import random_walker

from sktopo import TopologicalLoss, stump_minimize
from sktopo.datasets import load_stump_image
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import cubical_persistence
from sktopo.plotting import save_figure

# SKTOPO_QUICK=1 (set by the docs build) scales the run down; full runs: benchmarks/
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"

x0 = load_stump_image("blobs")
steps = 200 if QUICK else 10_000
vanilla_steps = 10 if QUICK else 10_000
n_draws = 5 if QUICK else 50
noise_levels = np.arange(0, 45, 5)
norm = PersistenceNorm(p=1, min_persistence=50)

# %%
# The two optima, as in the blobs example
stump = stump_minimize(
    TopologicalLoss(PersistenceNorm(p=1, min_persistence=50), homology_dimensions=0,
                    gradient="death"),
    x0, block_size=4, measure="simplex", eps=50.0, learning_rate=0.05, max_iter=steps,
    random_state=0)
stump_fixed = stump_minimize(
    TopologicalLoss(PersistenceNorm(p=1, min_persistence=50), homology_dimensions=0,
                    gradient="death"),
    x0, block_size=4, measure="simplex", eps=50.0, block_offset=0, learning_rate=0.05,
    max_iter=steps, random_state=0)
vanilla = stump_minimize(
    TopologicalLoss(PersistenceNorm(p=2, min_persistence=50), homology_dimensions=0,
                    gradient="death"),
    x0, block_size=1, eps=0.0, learning_rate=0.05, max_iter=vanilla_steps, random_state=0)
optima = {f"vanilla W2 ({vanilla.n_iter} steps)": vanilla.x,
          f"STUMP, fixed grid ({stump_fixed.n_iter} steps)": stump_fixed.x,
          f"STUMP ({stump.n_iter} steps)": stump.x}

# %%
# Robustness to noise: mean over the draws of the sum of the H0 lifetimes above 50


def noisy_persistence(x, eps, rng):
    values = []
    for _ in range(n_draws):
        noisy = np.clip(x + rng.uniform(-eps, eps, size=x.shape), 0, 255)
        values.append(norm(cubical_persistence(noisy, 0)[0]))
    return np.mean(values)


rng = np.random.default_rng(0)
curves = {name: [noisy_persistence(x, eps, rng) for eps in noise_levels]
          for name, x in optima.items()}
print("sum of H0 lifetimes > 50, mean over", n_draws, "draws")
print("eps    " + "  ".join(f"{eps:6d}" for eps in noise_levels))
for name, curve in curves.items():
    print(f"{name}: " + "  ".join(f"{v:6.0f}" for v in curve))

fig, ax = plt.subplots(figsize=(6, 4))
for name, curve in curves.items():
    ax.plot(noise_levels, curve, marker="o", label=name)
ax.set_xlabel("noise amplitude eps")
ax.set_ylabel("sum of H0 lifetimes > 50")
ax.set_title(f"optimum + uniform noise, mean of {n_draws} draws")
ax.legend()
print("wrote", save_figure(fig, "stump_robustness_noise.png"))

# %%
# Random walker segmentation with markers at the bottom / top fraction q of the values
qs = (0.1, 0.2, 0.3)
fig, axes = plt.subplots(len(optima), len(qs), figsize=(4 * len(qs), 4 * len(optima)),
                         squeeze=False)
for row, (name, x) in zip(axes, optima.items()):
    for ax, q in zip(row, qs):
        low, high = np.quantile(x, [q, 1 - q])
        markers = np.zeros(x.shape, dtype=int)
        markers[x <= low] = 1   # the blobs are the low values
        markers[x >= high] = 2
        blobs = random_walker(x, markers, mode="bf") == 1
        n_regions = ndimage.label(blobs)[1]
        print(f"{name}, q = {q}: {n_regions} blob regions")
        ax.imshow(blobs, cmap="gray")
        ax.set_title(f"{name}\nq = {q}: {n_regions} blob regions")
        ax.set_axis_off()
print("wrote", save_figure(fig, "stump_robustness_segmentation.png"))
