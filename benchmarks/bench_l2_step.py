"""The optimal method's L2 step: the L2 change it saves and what it costs.

For each input, ``simplify_function(method="optimal")`` with and without its L2 step
(the step patched out: the method's own output), side by side in one process, runs
alternated, medians of ``--repeat`` runs each. Prints the L2 change ``||Y - X||_2``
before -> after the step, max |Y - X| / t (unchanged by the step), and the time with
the step over the time without it (target of issue 16: <= 1.2 at 256^2).

    python benchmarks/bench_l2_step.py [--size 256] [--repeat 5]
"""

import argparse
import time
import warnings

import numpy as np
from scipy import ndimage
from sklearn.exceptions import ConvergenceWarning

from sktopo.persistence import cubical_persistence
from sktopo.simplification import _solve, simplify_function


def threshold(X, q):
    dgms = cubical_persistence(X)
    life = np.concatenate([d.lifetimes[~d.essential] for d in dgms.values()])
    return float(np.quantile(life, q))


def inputs(size, rng):
    noise = rng.random((size, size))
    smooth = ndimage.gaussian_filter(rng.random((size, size)), 2.0)
    photo = (ndimage.gaussian_filter(rng.random((size, size)), 1.0) * 255 * 2 - 100)
    photo = np.clip(photo, 0, 255).astype(np.uint8)
    volume = rng.random((32, 32, 32))
    return [(f"noise {size}^2, median t", noise, 0.5), (f"noise {size}^2, 95 % t", noise, 0.95),
            (f"smooth {size}^2, 95 % t", smooth, 0.95), (f"8-bit {size}^2, 80 % t", photo, 0.8),
            ("noise 32^3, 90 % t", volume, 0.9)]


def run(X, t, with_step):
    original = _solve._l2_step
    if not with_step:
        _solve._l2_step = lambda problem, Y, *a: (Y, None, None)
    try:
        start = time.perf_counter()
        Y = simplify_function(X, t, method="optimal")
        return time.perf_counter() - start, Y
    finally:
        _solve._l2_step = original


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.default_rng(0)
    print(f"{'input':26s} {'L2 before':>10s} {'after':>10s} {'ratio':>6s} "
          f"{'max/t':>6s} {'time':>7s} {'x':>5s}")
    for name, X, q in inputs(args.size, rng):
        t = threshold(X, q)
        times = {True: [], False: []}
        for _ in range(args.repeat):
            for with_step in (False, True):
                elapsed, Y = run(X, t, with_step)
                times[with_step].append(elapsed)
                if with_step:
                    Y_with = Y
                else:
                    Y_without = Y
        f = X.astype(float)
        before = np.linalg.norm(Y_without.astype(float) - f)
        after = np.linalg.norm(Y_with.astype(float) - f)
        change = np.abs(Y_with.astype(float) - f).max() / t
        assert change <= np.abs(Y_without.astype(float) - f).max() / t + 1e-12
        base, step = np.median(times[False]), np.median(times[True])
        print(f"{name:26s} {before:10.4g} {after:10.4g} {after / before:6.3f} "
              f"{change:6.3f} {base:6.2f}s {step / base:5.2f}")


if __name__ == "__main__":
    main()
