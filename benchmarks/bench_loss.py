"""What the functional and the gradient scatter add over the pairing itself.

For each workload: the time of the pairing alone (``cubical_persistence`` /
``weak_alpha_persistence``) and of ``TopologicalLoss.value_and_grad`` (pairing + functional
+ scatter), medians of alternated repeated runs in one process, and their ratio (target
<= 1.10).

    python benchmarks/bench_loss.py [--repeat 15]
"""

import argparse
import time

import numpy as np

from sktopo import TopologicalLoss
from sktopo.functionals import DiagramDistance, PersistenceNorm, PolynomialEnergy
from sktopo.persistence import cubical_persistence, weak_alpha_persistence


def timed(func, *args):
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def compare(name, pairing, loss, x, repeat):
    pairing(x), loss.value_and_grad(x)  # warm up
    t_pair, t_loss = [], []
    for _ in range(repeat):      # alternate so that both see the same machine load
        t_pair.append(timed(pairing, x))
        t_loss.append(timed(loss.value_and_grad, x))
    a, b = np.median(t_pair), np.median(t_loss)
    print(f"{name:<44} {1e3 * a:9.2f} {1e3 * b:9.2f} {b / a:7.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'workload':<44} {'pair ms':>9} {'loss ms':>9} {'ratio':>7}")
    for size in (64, 256):
        image = rng.random((size, size))
        for dims in ((0,), (0, 1)):
            pairing = (lambda x, dims=dims: cubical_persistence(x, dims))
            for fname, f in (("W2 norm", PersistenceNorm(p=2)),
                             ("E(1,0,2)", PolynomialEnergy(1, 0, 2))):
                loss = TopologicalLoss(f, homology_dimensions=dims)
                compare(f"{size}x{size} noise H{dims} {fname}", pairing, loss, image,
                        args.repeat)
    signal = np.cumsum(rng.standard_normal(10 ** 6))
    compare("1e6 random walk H0 W1 norm", lambda x: cubical_persistence(x),
            TopologicalLoss(PersistenceNorm(p=1)), signal, max(3, args.repeat // 3))
    points = rng.random((1000, 2))
    target = np.array([[0.0, 0.1], [0.0, 0.2]])
    compare("weak alpha n=1000 H0+H1 W2 to target", lambda x: weak_alpha_persistence(x),
            TopologicalLoss(DiagramDistance(target), "weak_alpha", (0, 1)), points,
            max(3, args.repeat // 3))


if __name__ == "__main__":
    main()
