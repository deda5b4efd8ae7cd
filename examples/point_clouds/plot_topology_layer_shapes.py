"""
Shaping 100 random points with diagram energies (Topology Layer, Fig. 1)
========================================================================

100 points drawn uniformly in the unit square are moved by gradient steps on energies
:math:`\\mathcal{E}(p, q, i_0)` of their weak alpha diagrams (Bruel-Gabrielsson et al.,
"A Topology Layer for Machine Learning", AISTATS 2020, Fig. 1):

* raising :math:`\\mathcal{E}(2, 0, 2; PD_0)` (all H0 lifetimes but the essential one)
  gathers the points into clusters; lowering it spreads them evenly;
* raising :math:`\\mathcal{E}(2, 0, 1; PD_1)` opens holes; lowering it fills them;
* raising :math:`\\mathcal{E}(2, 1, 1; PD_1)` while lowering :math:`\\mathcal{E}(2, 0, 2;
  PD_0)` grows a few large holes bounded by connected curves.

Each panel is one :class:`~sktopo.PointCloudTopoOptimizer`; an objective given as a dict
``{dimension: functional}`` mixes directions.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from sktopo import PointCloudTopoOptimizer
from sktopo.functionals import PolynomialEnergy
from sktopo.plotting import save_figure

# SKTOPO_QUICK=1 (set by the docs build) scales the run down; full runs: benchmarks/
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"

X = np.random.default_rng(0).random((100, 2))
steps = 60 if QUICK else 300

tasks = {
    "increase E(2,0,2; PD0)": dict(objective="energy", p=2, i0=2, maximize=True),
    "decrease E(2,0,2; PD0)": dict(objective="energy", p=2, i0=2),
    "increase E(2,0,1; PD1)": dict(objective="energy", homology_dimensions=1, p=2,
                                   maximize=True),
    "decrease E(2,0,1; PD1)": dict(objective="energy", homology_dimensions=1, p=2),
    "increase E(2,1,1; PD1), decrease E(2,0,2; PD0)": dict(
        objective={0: PolynomialEnergy(2, 0, 2), 1: -PolynomialEnergy(2, 1, 1)}),
}

# %%
results = {name: PointCloudTopoOptimizer(**params, learning_rate=0.01, max_iter=steps,
                                         random_state=0).fit_transform(X)
           for name, params in tasks.items()}

# %%
layout = ["increase E(2,0,2; PD0)", None, "decrease E(2,0,2; PD0)",
          "increase E(2,0,1; PD1)", "increase E(2,1,1; PD1), decrease E(2,0,2; PD0)",
          "decrease E(2,0,1; PD1)"]
fig, axes = plt.subplots(2, 3, figsize=(12, 8.5))
for ax, name in zip(axes.ravel(), layout):
    Y = X if name is None else results[name]
    ax.scatter(Y[:, 0], Y[:, 1], s=8)
    ax.set_title("uniform in the unit square" if name is None else
                 name.replace(", decrease", ",\ndecrease"), fontsize=10)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
print("wrote", save_figure(fig, "topology_layer_fig1.png"))
