"""TopoImageSimplifier and PointCloudTopoOptimizer: the targets of the estimators' issue.

Run: ``PYTHONPATH=. python benchmarks/bench_transformers.py``. Prints, measured in this
process (the machine may be shared: wall times are noisy, compare the ratios):

* the grouping paper's two tasks (two clusters, horseshoe) without and with the grouping
  term (uniform kernel s = 1, lambda = 1, Adam lr 0.01): the cluster gap / horseshoe
  opening before and after (target: reduced by >= 80 %) and the relative change of the
  within-cluster (horseshoe: shorter than s) pairwise distances (target with grouping:
  < 10 %);
* a 256 x 256 image simplified by STUMP (target: <= 2 s): the small bars left, the rms
  change and the near-threshold bars that +-2 % noise brings back (robustness), for the
  default (2 x 2 pooling, then the last 3/4 of the steps on the image itself), smeared
  steps only, and vanilla backpropagation;
* the noisy digit of examples/images/plot_digit_single_maximum.py reduced to one maximum;
* 100 digit images through TopoImageSimplifier -> LogisticRegression with n_jobs=2
  (target: <= 10 s, joblib threads: no worker processes to start), against n_jobs=1;
* a 1000-point cloud, weak alpha H1, 500 steps (target: <= 5 s), full and subsampled.
"""

import time

import numpy as np
from scipy.spatial.distance import cdist

from sktopo import PointCloudTopoOptimizer, TopoImageSimplifier
from sktopo.datasets import make_horseshoe, make_two_clusters
from sktopo.estimators import optimize_point_cloud, simplify_image
from sktopo.penalties import distance_distortion
from sktopo.persistence import weak_alpha_persistence


def cluster_gap(X):
    # the largest finite H0 lifetime: where the two clusters merge
    return float(weak_alpha_persistence(X, 0)[0].finite().lifetimes.max())


def opening(X, angle, k=30):
    # the smallest distance between the k points at either end of the horseshoe
    order = np.argsort(angle)
    return float(cdist(X[order[:k]], X[order[-k:]]).min())


def grouping_tasks():
    print("Grouping paper, Fig. 1 (uniform kernel s = 1, Adam lr 0.01)")
    print(f"{'task':<10} {'lambda':>6} {'steps':>6} {'before':>7} {'after':>7} "
          f"{'reduced':>8} {'within change':>14} {'time':>7}")
    X, labels = make_two_clusters(random_state=0)
    for lam in (0.0, 1.0):
        start = time.perf_counter()
        res = optimize_point_cloud(X, "norm", p=2, min_persistence=0.10, grouping=lam,
                                   learning_rate=0.01, max_iter=500, random_state=0)
        t = time.perf_counter() - start
        b, a = cluster_gap(X), cluster_gap(res.x)
        print(f"{'clusters':<10} {lam:>6.1f} {500:>6} {b:>7.3f} {a:>7.3f} {1 - a / b:>8.0%} "
              f"{distance_distortion(X, res.x, groups=labels):>14.1%} {t:>6.1f}s")
    H, angle = make_horseshoe(random_state=0)
    for lam in (0.0, 1.0):
        start = time.perf_counter()
        res = optimize_point_cloud(H, "norm", homology_dimensions=1, p=2,
                                   min_persistence=0.25, maximize=True, gradient="birth",
                                   grouping=lam, learning_rate=0.01, max_iter=800,
                                   random_state=0)
        t = time.perf_counter() - start
        b, a = opening(H, angle), opening(res.x, angle)
        print(f"{'horseshoe':<10} {lam:>6.1f} {800:>6} {b:>7.3f} {a:>7.3f} {1 - a / b:>8.0%} "
              f"{distance_distortion(H, res.x, max_distance=1.0):>14.1%} {t:>6.1f}s")


def test_image(size=256, seed=0):
    """A smooth random field (a few large features) plus pixel noise (many small ones)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    smooth = gaussian_filter(rng.standard_normal((size, size)), 12)
    image = smooth / np.ptp(smooth) + 0.05 * rng.standard_normal((size, size))
    return (image - image.min()) / np.ptp(image) * 255


def image_speed():
    from sktopo.persistence import cubical_persistence

    image = test_image()
    print("\n256 x 256 image, goal='simplify' (H0 and H1, threshold 10 % of the range = "
          "25.5); small bars: lifetimes in (2.55, 25.5]; back: bars in (12.75, 25.5] of "
          "the result + uniform noise in [-5.1, 5.1] (mean of 3 draws)")
    print(f"{'solver':<34} {'steps':>6} {'time':>7} {'small bars':>11} {'rms change':>11} "
          f"{'back':>6}")

    def small(x, low=2.55):
        return sum(int(np.sum((d.lifetimes > low) & (d.lifetimes <= 25.5)))
                   for d in cubical_persistence(x, (0, 1)).values())

    def back(x):
        return np.mean([small(x + np.random.default_rng(s).uniform(-5.1, 5.1, x.shape),
                              12.75) for s in range(3)])

    print(f"{'(input)':<34} {'':>6} {'':>7} {small(image):>11} {'':>11} {back(image):>6.1f}")
    for label, params in [
            ("STUMP default (2x2, refine 3/4)", dict(max_iter=200)),
            ("STUMP default, 60 steps", dict(max_iter=60)),
            ("STUMP 2x2 smeared only", dict(max_iter=200, refine_iter=0)),
            ("STUMP 4x4 smeared only, 100 steps", dict(block_size=4, max_iter=100,
                                                       refine_iter=0)),
            ("vanilla", dict(solver="vanilla", max_iter=200)),
            ("vanilla, 30 steps", dict(solver="vanilla", max_iter=30))]:
        start = time.perf_counter()
        res = simplify_image(image, homology_dimensions=(0, 1), random_state=0,
                             **{"solver": "stump", **params})
        t = time.perf_counter() - start
        rms = float(np.sqrt(np.mean((res.x - image) ** 2)))
        print(f"{label:<34} {res.n_iter:>6} {t:>6.2f}s {small(res.x):>11} {rms:>11.2f} "
              f"{back(res.x):>6.1f}")


def digit_single_maximum():
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    from sktopo.persistence import cubical_persistence

    digit = load_digits().images[2] / 16.0
    rng = np.random.default_rng(0)
    noisy = np.clip(zoom(digit, 4, order=1) + rng.normal(0, 0.15, (32, 32)), 0, 1)

    def maxima(x):
        return int(np.sum(cubical_persistence(x, 0, superlevel=True)[0].lifetimes > 0.05))

    print(f"\nNoisy digit (32 x 32), goal='betti', betti=1, superlevel H0, 400 steps: "
          f"{maxima(noisy)} maxima before")
    for label, params in [("STUMP default", {}), ("STUMP smeared only",
                                                  dict(refine_iter=0)),
                          ("vanilla", dict(solver="vanilla"))]:
        start = time.perf_counter()
        res = simplify_image(noisy, "betti", betti=1, superlevel=True, learning_rate=0.01,
                             max_iter=400, random_state=0, **{"solver": "stump", **params})
        t = time.perf_counter() - start
        rms = float(np.sqrt(np.mean((res.x - noisy) ** 2)))
        print(f"  {label:<20} {maxima(res.x):>3} maxima, rms change {rms:.3f}, {t:.2f}s")


def digits_pipeline():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = load_digits(return_X_y=True)
    X, y = X[:100], y[:100]
    print("\n100 digits through TopoImageSimplifier(image_shape=(8, 8), superlevel, H0+H1, "
          "vanilla, 30 steps) -> LogisticRegression")
    for n_jobs in (1, 2, 2):
        pipe = make_pipeline(
            TopoImageSimplifier(image_shape=(8, 8), superlevel=True,
                                homology_dimensions=(0, 1), threshold=2.0, solver="vanilla",
                                max_iter=30, n_jobs=n_jobs, random_state=0),
            LogisticRegression(max_iter=2000))
        start = time.perf_counter()
        pipe.fit(X, y)
        pipe.predict(X)
        print(f"  n_jobs={n_jobs}: fit + predict {time.perf_counter() - start:.2f}s "
              "(200 image optimizations)")


def point_cloud_speed():
    X = np.random.default_rng(0).random((1000, 2))
    print("\n1000 points, weak alpha H1, E(2, 0, 1) lowered, 500 steps")
    for label, params in [("full", {}), ("STUMP subsample 0.5", dict(subsample=0.5)),
                          ("full + grouping s=0.05", dict(grouping=1.0,
                                                          grouping_scale=0.05))]:
        opt = PointCloudTopoOptimizer("energy", homology_dimensions=1, p=2, max_iter=500,
                                      random_state=0, **params)
        start = time.perf_counter()
        opt.fit(X)
        t = time.perf_counter() - start
        print(f"  {label:<24} {t:6.2f}s ({1000 * t / 500:.1f} ms/step)")


if __name__ == "__main__":
    grouping_tasks()
    image_speed()
    digit_single_maximum()
    digits_pipeline()
    point_cloud_speed()
