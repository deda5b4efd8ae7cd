"""
A noisy digit reduced to a single maximum (Topology Layer, Fig. 3)
==================================================================

A digit from :func:`sklearn.datasets.load_digits`, upscaled to 32 x 32 and made noisy, has
many local maxima: many H0 points in its superlevel filtration. Lowering
:math:`\\mathcal{E}(1, 0, 2; PD_0)` (every H0 lifetime but the essential one) leaves a
single maximum, "removing several noisy pixels and filling in gaps in the digit"
(Bruel-Gabrielsson et al., AISTATS 2020, Fig. 3). With :class:`~sktopo.TopoImageSimplifier`
this is ``goal="betti", betti=1`` on H0 of the superlevel filtration; we compare plain
backpropagation, STUMP with its defaults (2 x 2 pooling with random convex weights, then
the last 3/4 of the steps on the image itself: ``refine_iter``) and STUMP smeared all
along (``refine_iter=0``). Smeared steps alone optimize the topology of the pooled
approximates: they leave a single maximum at the scale of the blocks, and the
pixel-scale noise below it; the refining steps remove that noise too.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits

from sktopo import TopoImageSimplifier
from sktopo.persistence import cubical_persistence
from sktopo.plotting import save_figure

# SKTOPO_QUICK=1 (set by the docs build) scales the run down; full runs: benchmarks/
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"

digit = load_digits().images[2] / 16.0                          # a "2"
rng = np.random.default_rng(0)
noisy = np.clip(zoom(digit, 4, order=1) + rng.normal(0, 0.15, (32, 32)), 0, 1)
steps = 100 if QUICK else 400


def n_maxima(image, min_persistence=0.05):
    dgm = cubical_persistence(image, 0, superlevel=True)[0]
    return int(np.sum(dgm.lifetimes > min_persistence))


# %%
runs = {"vanilla backpropagation": dict(solver="vanilla"),
        "STUMP (default)": dict(solver="stump"),
        "STUMP, smeared only": dict(solver="stump", refine_iter=0)}
results = {}
for title, params in runs.items():
    simp = TopoImageSimplifier("betti", betti=1, superlevel=True, learning_rate=0.01,
                               max_iter=steps, random_state=0, **params)
    results[title] = simp.fit_transform(noisy[None])[0]

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 3.8))
for ax, (title, image) in zip(axes, [("noisy digit", noisy), *results.items()]):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    pooled = image.reshape(16, 2, 16, 2).mean(axis=(1, 3))
    ax.set_title(f"{title}\n{n_maxima(image)} maxima (H0 lifetime > 0.05),\n"
                 f"{n_maxima(pooled)} in its 2 x 2 block means")
    ax.set_axis_off()
fig.tight_layout()
print("wrote", save_figure(fig, "digit_single_maximum.png"))
