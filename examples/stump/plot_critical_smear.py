"""
Critical smear of the ring of the circle image
==============================================

The H1 point of the ring has a single birth and a single death pixel, which jump under
small perturbations. Its critical smear (STUMP paper, Sec. IV-A) averages, over many noisy
(eps = 50) and 5 x 5 pooled approximates, where the matched point of each approximate is
born (red) and dies (blue): a stable, fuzzy picture of the critical cells. The gradient is
transferred by the sliced Wasserstein matching with 20 directions, as in the paper.
"""

# %%
import os

import matplotlib.pyplot as plt

from sktopo.datasets import load_stump_image
from sktopo.plotting import plot_critical_smear, save_figure
from sktopo.smear import critical_smear

# SKTOPO_QUICK=1 (set by the docs build) scales the run down; full runs: benchmarks/
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"



x0 = load_stump_image("circle")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
for ax, matching in zip(axes, ["sliced", "exact"]):
    smear = critical_smear(x0, homology_dimension=1, block_size=5, eps=50.0,
                           n_samples=20 if QUICK else 1000, matching=matching,
                           n_directions=20, random_state=0)
    plot_critical_smear(x0, smear, ax=ax, title=f"{matching} matching, "
                        f"{smear.n_samples} approximates")
print("wrote", save_figure(fig, "critical_smear_circle.png"))
