"""
Unsupervised cell-membrane segmentation with STUMP (H1, maximize)
=================================================================

The cell-segmentation experiment of the STUMP paper (Sec. III, Fig. III.2) on a synthetic
image, since the ISBI 2012 electron-microscopy data are not available offline: a Voronoi
tessellation of jittered seeds drawn as thin dark membranes on bright cells, some membrane
stretches faded into gaps, blurred and noisy. In the sublevel filtration every cell is an
H1 loop, born when its membrane closes (at the brightest pixel of its weakest wall, a gap)
and killed when the cell fills. STUMP maximizes the total persistence of the loops longer
than 30 (``-PersistenceNorm``) by lowering their birth pixels (``gradient="birth"``) with
4 x 4 simplex pooling and uniform noise eps = 20, Adam with learning rate 0.05 and the
paper's ``a = 1 - 1/P``, MSE fidelity: the gaps darken and close, while the pooling ignores
the small loops of the noise. A global (Otsu) threshold of the image, the same before and
after, then segments the cells; we count the connected cell regions (at least 20 pixels)
and the regions that merge several true cells.

The optimization is also run with the binary cross-entropy fidelity on the image scaled to
[0, 1] (learning rate, lifetime threshold and noise scaled by 1/255 too), as the paper does
for its figure. The paper runs 5000 steps; ``SKTOPO_QUICK=1`` (the docs build) runs 1500.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree
from skimage.filters import threshold_otsu

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import cubical_persistence
from sktopo.plotting import save_figure

# SKTOPO_QUICK=1 (set by the docs build) scales the run down
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"
steps = 1500 if QUICK else 5000

# %%
# A synthetic membrane image: 5 x 5 jittered Voronoi cells, 128 x 128 pixels, values in
# [0, 255]; the image frame is a membrane too, so that every cell is a loop.
rng = np.random.default_rng(0)
n, side = 128, 5
grid = (np.arange(side) + 0.5) * n / side
seeds = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
seeds += rng.uniform(-0.3, 0.3, seeds.shape) * n / side
yy, xx = np.mgrid[0:n, 0:n]
dist, nearest = cKDTree(seeds).query(np.c_[yy.ravel(), xx.ravel()], k=2)
cells = nearest[:, 0].reshape(n, n)
to_frame = np.minimum.reduce([yy, xx, n - 1 - yy, n - 1 - xx])
to_wall = np.minimum((dist[:, 1] - dist[:, 0]).reshape(n, n) / 2, to_frame)
membrane = np.exp(-0.5 * to_wall ** 2)
on_wall = np.argwhere((to_wall < 0.5) & (to_frame > 4))
gaps = np.zeros((n, n))
gaps[tuple(on_wall[rng.choice(len(on_wall), 16, replace=False)].T)] = 1
gaps = ndimage.gaussian_filter(gaps, 2.5)
gaps = np.minimum(1, 1.5 * gaps / gaps.max())
x0 = 210 - 170 * membrane * (1 - 0.7 * gaps)
x0 = np.clip(ndimage.gaussian_filter(x0 + rng.normal(0, 15, x0.shape), 0.7), 0, 255)
n_cells = len(seeds)

# %%
# STUMP, MSE fidelity on [0, 255], and BCE fidelity on [0, 1]


def stump(x, scale, fidelity):
    loss = TopologicalLoss(-PersistenceNorm(p=1, min_persistence=30 * scale),
                           homology_dimensions=1, gradient="birth")
    return stump_minimize(loss, x, fidelity=fidelity, block_size=4, measure="simplex",
                          eps=20.0 * scale, learning_rate=0.05 * scale, max_iter=steps,
                          random_state=0)


mse = stump(x0, 1.0, "mse")
bce = stump(x0 / 255, 1 / 255, "bce")

# %%
# Threshold segmentation before and after: cell regions of at least 20 pixels, and the
# regions covering more than one true cell (at least 20 pixels of each)
threshold = threshold_otsu(x0)


def segment(x):
    regions, _ = ndimage.label(x > threshold)
    sizes = np.bincount(regions.ravel())
    regions[sizes[regions] < 20] = 0
    kept = np.unique(regions[regions > 0])
    merged = sum(np.sum(np.bincount(cells[regions == r]) >= 20) > 1 for r in kept)
    return regions, len(kept), int(merged)


def loops(x, scale=1.0):
    return int((cubical_persistence(x, 1)[1].lifetimes > 30 * scale).sum())


results = {"original": x0, f"STUMP, MSE, {mse.n_iter} steps": mse.x,
           f"STUMP, BCE, {bce.n_iter} steps": 255 * bce.x}
print(f"true cells: {n_cells}, Otsu threshold {threshold:.0f}")
fig, axes = plt.subplots(2, 3, figsize=(12, 8.5))
for top, bottom, (name, x) in zip(axes[0], axes[1], results.items()):
    regions, n_regions, merged = segment(x)
    summary = f"{n_regions} regions ({merged} merged), H1 > 30: {loops(x)} loops"
    print(f"{name}: {summary}")
    top.imshow(x, cmap="gray", vmin=0, vmax=255)
    top.set_title(name)
    bottom.imshow(np.ma.masked_equal(regions, 0) % 20, cmap="tab20", interpolation="nearest")
    bottom.set_title(f"{n_regions} regions ({merged} merged), true {n_cells}")
    for ax in (top, bottom):
        ax.set_axis_off()
fig.tight_layout()
print("wrote", save_figure(fig, "membrane_segmentation.png"))

# %%
# The difference image already shows the membranes (paper, Fig. III.2)
fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(x0 - mse.x, cmap="magma")
ax.set_title("original - STUMP optimum (MSE)")
ax.set_axis_off()
print("wrote", save_figure(fig, "membrane_difference.png"))
