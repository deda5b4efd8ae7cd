"""The bottleneck distance with its matching against GUDHI's distance alone.

``DiagramDistance(target, p=inf).value_and_grad`` (the distance, one optimal matching and
the gradient) against ``gudhi.bottleneck_distance`` (the distance only) on random diagrams,
medians of alternated repeated runs in one process, and their ratio (target <= 2). The
first rows are the issue's size, 485 x 655, with exponential and uniform lifetimes.

    PYTHONPATH=. python benchmarks/bench_matching.py [--repeat 15]

(from the repository root: the script's own folder comes first on ``sys.path`` otherwise,
and an installed sktopo would be measured instead of this tree).
"""

import argparse
import time

import gudhi
import numpy as np

from sktopo.functionals import DiagramDistance
from sktopo.persistence import Diagram


def random_points(rng, n, lifetimes):
    births = rng.random(n)
    extra = rng.exponential(0.3, n) if lifetimes == "exp" else rng.random(n)
    return np.column_stack([births, births + extra])


def timed(func, *args):
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'diagrams':<20} {'GUDHI ms':>9} {'sktopo ms':>10} {'ratio':>7}  "
          "(distance equal)")
    for n, m, kind in [(485, 655, "exp"), (485, 655, "uniform"), (100, 120, "exp"),
                       (1000, 1000, "exp"), (2000, 1500, "uniform")]:
        A, B = random_points(rng, n, kind), random_points(rng, m, kind)
        dgm = Diagram(A[:, 0], A[:, 1], np.arange(n), np.arange(n))
        ours = DiagramDistance(B, p=np.inf)
        value = ours.value_and_grad(dgm)[0]           # warm up
        ref = gudhi.bottleneck_distance(A, B)
        t_ref, t_ours = [], []
        for _ in range(args.repeat):    # alternate so that both see the same machine load
            t_ref.append(timed(gudhi.bottleneck_distance, A, B))
            t_ours.append(timed(ours.value_and_grad, dgm))
        a, b = np.median(t_ref), np.median(t_ours)
        print(f"{n:>5} x {m:<5} {kind:<7} {1e3 * a:9.2f} {1e3 * b:10.2f} {b / a:7.2f}  "
              f"({abs(value - ref) <= 1e-12 * ref})")


if __name__ == "__main__":
    main()
