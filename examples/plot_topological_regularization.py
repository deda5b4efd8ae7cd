"""
===============================================
Topological regularization of least squares
===============================================

Least squares with a penalty on the *shape* of the coefficients (Sec. 3.1 and Figs. 4-6 of
the Topology Layer paper): the weights as points on the line (``filtration="clusters"``:
Top2 = E(1, 0, 4; PD0) lets them form at most three clusters), as a function on the line
of feature indices (``filtration="line"``: Top2 allows three local maxima) or as an image
(``filtration="image"``: one ring, one component). Lambda is chosen by cross-validation on
the training data only. ``benchmarks/bench_regression.py`` runs the full protocol (error
against n, several trials).
"""

# %%
# Three problems with p = 100 features and n = 75 < p samples
# -----------------------------------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV

from sktopo import TopologicalRegressor
from sktopo.datasets import (make_boxcar_regression, make_cluster_regression,
                             make_ring_regression, make_sawtooth_regression)

warnings.simplefilter("ignore", ConvergenceWarning)
alphas = np.logspace(-4, 1, 8)


def fit_cv(X, y, penalty, filtration):
    grid = GridSearchCV(TopologicalRegressor(penalty, filtration=filtration),
                        {"alpha": alphas}, cv=3, scoring="neg_mean_squared_error")
    return grid.fit(X, y).best_estimator_.coef_


def min_norm_ols(X, y):
    Xc, yc = X - X.mean(0), y - y.mean()
    return np.linalg.lstsq(Xc, yc, rcond=None)[0]


problems = {
    "clusters {1,2,3}": ("clusters", ["l1", "l2", "top1", "top2"],
                         make_cluster_regression(75, 100, values=(1.0, 2.0, 3.0),
                                                 random_state=0)),
    "sawtooth": ("line", ["tv", "tv2", "top1", "top2"],
                 make_sawtooth_regression(75, 100, random_state=0)),
    "boxcar": ("line", ["tv", "tv2", "top1", "top2"],
               make_boxcar_regression(75, 100, random_state=0)),
}

fig, axes = plt.subplots(1, 3, figsize=(16, 4))
for ax, (name, (filtration, penalties, (X, y, coef))) in zip(axes, problems.items()):
    order = np.argsort(coef, kind="stable") if filtration == "clusters" else np.arange(100)
    ols = min_norm_ols(X, y)
    ax.plot(coef[order], "k", lw=2, label="truth")
    ax.plot(ols[order], ".", color="0.6", ms=3,
            label=f"OLS ({np.sum((ols - coef) ** 2):.2g})")
    for penalty in penalties:
        est = fit_cv(X, y, penalty, filtration)
        err = np.sum((est - coef) ** 2)
        print(f"{name:18s} {penalty:5s} ||beta - beta*||^2 = {err:.4f}")
        ax.plot(est[order], lw=1, label=f"{penalty} ({err:.2g})")
    ax.set_title(f"{name} ({'sorted weights' if filtration == 'clusters' else 'weights'})")
    ax.set_ylim(coef.min() - 1.5, coef.max() + 1.5)
    ax.legend(fontsize=7)
fig.tight_layout()

# %%
# A ring of coefficients (the Topology Layer level-set example)
# -------------------------------------------------------------
# 50 x 50 coefficients, 1500 samples, noise 0.05: fewer samples than unknowns. The penalty
# E(1, 0, 2; PD1) + E(1, 0, 1; PD0) of the superlevel filtration keeps one hole and one
# component and removes every other bar.
X, y, ring = make_ring_regression(1500, 50, noise=0.05, random_state=0)
ols = X.T @ np.linalg.solve(X @ X.T, y)                     # min-norm least squares
ridge = RidgeCV(alphas=np.logspace(-2, 3, 6)).fit(X, y).coef_
topo = TopologicalRegressor({"i0": {0: 1, 1: 2}}, alpha=0.1, filtration="image",
                            coef_shape=(50, 50), max_iter=300, tol=1e-5).fit(X, y).coef_

fig, axes = plt.subplots(1, 4, figsize=(14, 3.6))
for ax, (title, img) in zip(axes, [("truth", ring.ravel()), ("OLS (min norm)", ols),
                                   ("ridge (CV)", ridge), ("topological", topo)]):
    err = np.sum((img - ring.ravel()) ** 2)
    ax.imshow(img.reshape(50, 50), cmap="viridis")
    ax.set_title(f"{title}: {err:.3g}" if title != "truth" else title)
    ax.axis("off")
    print(f"ring {title:15s} ||beta - beta*||^2 = {err:.4g}")
fig.tight_layout()
plt.show()
