"""Shared helpers of the point-cloud examples: the grouping paper's data and measures."""

import os
import sys
from pathlib import Path

import numpy as np
from scipy.spatial.distance import cdist, pdist

QUICK = "--quick" in sys.argv or os.environ.get("SKTOPO_QUICK", "0") not in ("", "0")
OUTPUT = Path(os.environ.get("SKTOPO_OUTPUT", "sktopo_output"))


def two_clusters(n=50, radius=0.25, separation=1.5, seed=0):
    """100 points: two uniform disks of radius 0.25 whose centres are 1.5 apart.

    Within a cluster the points are closer than the grouping scale s = 1, across the
    clusters farther, and the only H0 lifetime above 0.10 is the gap between them.
    Returns the points and the cluster labels.
    """
    rng = np.random.default_rng(seed)

    def disk(cx):
        angle = rng.uniform(0, 2 * np.pi, n)
        r = radius * np.sqrt(rng.uniform(0, 1, n))
        return np.column_stack([cx + r * np.cos(angle), r * np.sin(angle)])

    return np.concatenate([disk(0.0), disk(separation)]), np.repeat([0, 1], n)


def horseshoe(n=300, radius=3.0, width=0.4, opening_degrees=60.0, seed=0):
    """300 points on a band of radius 3 and width 0.4, open over 60 degrees at the bottom.

    Returns the points and the angle of each point (for the two ends).
    """
    rng = np.random.default_rng(seed)
    half = np.deg2rad(opening_degrees) / 2
    angle = rng.uniform(half, 2 * np.pi - half, n)
    r = radius + rng.uniform(-width / 2, width / 2, n)
    return np.column_stack([r * np.sin(angle), -r * np.cos(angle)]), angle


def cluster_gap(X):
    """The largest finite H0 lifetime: the distance at which the clusters merge."""
    from sktopo.persistence import weak_alpha_persistence

    return float(weak_alpha_persistence(X, 0)[0].finite().lifetimes.max())


def opening(X, angle, k=30):
    """Smallest distance between the k points of one end and the k points of the other."""
    order = np.argsort(angle)
    return float(cdist(X[order[:k]], X[order[-k:]]).min())


def within_change(X0, X, groups):
    """Relative (Frobenius) change of the pairwise distances inside each group."""
    d0 = np.concatenate([pdist(X0[groups == g]) for g in np.unique(groups)])
    d1 = np.concatenate([pdist(X[groups == g]) for g in np.unique(groups)])
    return float(np.linalg.norm(d1 - d0) / np.linalg.norm(d0))


def local_change(X0, X, scale=1.0):
    """Relative change of the pairwise distances shorter than ``scale`` in ``X0``."""
    d0, d1 = pdist(X0), pdist(X)
    near = d0 <= scale
    return float(np.linalg.norm((d1 - d0)[near]) / np.linalg.norm(d0[near]))


def save(fig, name):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / name
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path}")
