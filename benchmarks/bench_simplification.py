"""Exact simplification (``simplify_function``) next to one pairing and the gradient solvers.

Side by side in one process, medians of alternated runs:

1. ``simplify_function`` (flooding, H0+H1) against one ``cubical_persistence`` call (H0+H1)
   of the same uniform-noise image, with a threshold that removes more than 90 % of the
   pairs; the optimal method too. Target (issue 16): flooding <= 5x one pairing at 512^2.
   Measured on this 2-core machine (shared, loaded): 4.2x (3.9-5.1x over runs; one H0+H1
   pairing and four single-dimension ones, 95.6 % of the pairs removed, none left); the
   optimal method 32x (it falls back to flooding on noise, see the user guide).
   Same task at 128^2: exact 0.019 s, no pair left; STUMP 0.43 s and vanilla 0.35 s
   (200 steps) leave 563 and 545 of the 4772 pairs below the threshold.
2. the same task (H0+H1 below the threshold) by the exact solver, STUMP and vanilla
   backpropagation (``simplify_image``, 200 Adam steps, the defaults) on a smaller image:
   time and the features left below the threshold (GUDHI on the output), max |change|.

    python benchmarks/bench_simplification.py [--size 512] [--repeat 7] [--quick]
"""

import argparse
import time
import warnings

import gudhi
import numpy as np

from sktopo.estimators import simplify_image
from sktopo.persistence import cubical_persistence
from sktopo.simplification import simplify_function


def timed(func):
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def short_pairs(X, t):
    """Finite pairs of GUDHI's H0 and H1 with 0 < lifetime < t."""
    cc = gudhi.CubicalComplex(top_dimensional_cells=X)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
    n = 0
    for d in (0, 1):
        p = cc.persistence_intervals_in_dimension(d).reshape(-1, 2)
        life = p[:, 1] - p[:, 0]
        n += int(np.sum((life > 0) & (life < t)))
    return n


def removal_threshold(X, fraction):
    dgms = cubical_persistence(X)
    life = np.concatenate([dgms[d].lifetimes[~dgms[d].essential] for d in dgms])
    return float(np.quantile(life, fraction)), life.size


def versus_pairing(size, repeat, rng):
    X = rng.random((size, size))
    t, n_pairs = removal_threshold(X, 0.95)
    candidates = {
        "cubical_persistence (H0+H1)": lambda: cubical_persistence(X),
        "simplify_function flooding": lambda: simplify_function(X, t, return_removed=True),
        "simplify_function optimal": lambda: simplify_function(X, t, method="optimal",
                                                               return_removed=True),
    }
    times = {name: [] for name in candidates}
    outs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeat):
            for name, func in candidates.items():     # alternated
                dt, outs[name] = timed(func)
                times[name].append(dt)
    base = np.median(times["cubical_persistence (H0+H1)"])
    print(f"\n{size}x{size} uniform noise, {n_pairs} finite pairs, threshold {t:.4f} "
          f"(the 95 % quantile of the lifetimes)")
    print(f"{'candidate':32s} {'median ms':>10s} {'x pairing':>10s} {'removed':>8s} "
          f"{'pairings':>8s} {'left<t':>7s} {'max|dY|/t':>10s}")
    for name, ts in times.items():
        med = np.median(ts)
        extra = ""
        if name.startswith("simplify"):
            Y, info = outs[name]
            removed = sum(len(p) for p in info.pairs.values())
            extra = (f"{removed / n_pairs:8.1%} {info.n_rounds:8d} {short_pairs(Y, t):7d} "
                     f"{np.abs(Y - X).max() / t:10.4f}")
        print(f"{name:32s} {1e3 * med:10.1f} {med / base:10.2f} {extra}")


def versus_gradient(size, repeat, rng):
    X = rng.random((size, size))
    t, n_pairs = removal_threshold(X, 0.95)
    runs = {
        "exact (flooding)": dict(solver="exact"),
        "stump (200 steps)": dict(solver="stump", random_state=0),
        "vanilla (200 steps)": dict(solver="vanilla"),
    }
    print(f"\n{size}x{size} uniform noise, {n_pairs} finite pairs, threshold {t:.4f}: "
          f"{short_pairs(X, t)} pairs below it before")
    print(f"{'solver':22s} {'median s':>9s} {'left<t':>7s} {'max|dY|/t':>10s}")
    times = {name: [] for name in runs}
    outs = {}
    for _ in range(repeat):
        for name, kw in runs.items():
            dt, res = timed(lambda: simplify_image(X, threshold=t, homology_dimensions=(0, 1),
                                                   **kw))
            times[name].append(dt)
            outs[name] = res.x
    for name, ts in times.items():
        Y = outs[name]
        print(f"{name:22s} {np.median(ts):9.3f} {short_pairs(Y, t):7d} "
              f"{np.abs(Y - X).max() / t:10.4f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--gradient-size", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="small sizes, 3 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.gradient_size, args.repeat = 128, 48, 3
    rng = np.random.default_rng(0)
    versus_pairing(args.size, args.repeat, rng)
    versus_gradient(args.gradient_size, max(1, args.repeat // 3), rng)


if __name__ == "__main__":
    main()
