"""
Topological denoising in a classification pipeline
===================================================

``load_digits`` -> :class:`~sktopo.TopoImageSimplifier` -> ``LogisticRegression``, with
``GridSearchCV`` choosing the simplification threshold (the lifetime below which the
superlevel H0 and H1 features of a digit are removed), against the same pipeline without
the simplifier. The simplifier takes flat rows ``(n_samples, 64)`` with
``image_shape=(8, 8)``, optimizes each image independently (``n_jobs`` processes) and
returns rows of the same shape, so it drops into any scikit-learn pipeline.
"""

# %%
import os
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktopo import TopoImageSimplifier

# SKTOPO_QUICK=1 (set by the docs build) scales the run down; full runs: benchmarks/
QUICK = os.environ.get("SKTOPO_QUICK", "0") != "0"

X, y = load_digits(return_X_y=True)
n = 200 if QUICK else 400
X_train, X_test, y_train, y_test = train_test_split(X[:n], y[:n], test_size=0.5,
                                                    random_state=0, stratify=y[:n])

# %%
baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
baseline.fit(X_train, y_train)
print(f"without the simplifier: test accuracy {baseline.score(X_test, y_test):.3f}")

# %%
simplifier = TopoImageSimplifier(image_shape=(8, 8), superlevel=True,
                                 homology_dimensions=(0, 1), solver="vanilla",
                                 max_iter=20, n_jobs=2, random_state=0)
pipe = make_pipeline(simplifier, StandardScaler(), LogisticRegression(max_iter=2000))
grid = GridSearchCV(pipe, {"topoimagesimplifier__threshold": [1.5, 3.0]}, cv=2)
start = time.perf_counter()
grid.fit(X_train, y_train)
print(f"grid search: {time.perf_counter() - start:.1f} s, best threshold "
      f"{grid.best_params_['topoimagesimplifier__threshold']}, cv accuracy "
      f"{grid.best_score_:.3f}")
print(f"with the simplifier: test accuracy {grid.score(X_test, y_test):.3f}")

# %%
# How much did the simplifier change the digits? Mean absolute change per pixel (0-16).
best = grid.best_estimator_.named_steps["topoimagesimplifier"]
changed = best.transform(X_test[:50])
print(f"mean |change| per pixel: {np.abs(changed - X_test[:50]).mean():.3f}")
