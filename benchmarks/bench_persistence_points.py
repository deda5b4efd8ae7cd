"""Rips and weak alpha persistence of point clouds: sktopo next to ripser, giotto-ph, GUDHI.

Every workload is timed side by side in one process: the candidates run in turn, ``repeat``
times, and the medians are printed with the ratios ours / peer. All candidates compute H0 and
H1 of uniform random clouds (seeded). Peak memory is measured in a fresh subprocess per
candidate (the peak resident set size above the one after the imports and the data).

    python benchmarks/bench_persistence_points.py [--repeat 3] [--quick] [--no-memory]

Targets (issue 18): Rips H0+H1 of 3000 points in the plane without ``max_edge_length`` at
most 1.0x ripser's time with peak memory at most 2 GiB; 10^4 points with ``max_edge_length``
at the 5 % quantile of the distances at most 1.0x ripser (``thresh=``).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from sktopo.persistence import rips_persistence, weak_alpha_persistence

try:
    from ripser import ripser
except ImportError:  # pragma: no cover - optional peer
    ripser = None
try:
    from gph import ripser_parallel
except ImportError:  # pragma: no cover - optional peer
    ripser_parallel = None
try:
    import gudhi
except ImportError:  # pragma: no cover - optional peer
    gudhi = None


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def race(candidates, repeat):
    """Median seconds of each candidate, the candidates alternated run after run."""
    times = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, func in candidates.items():
            times[name].append(timed(func))
    return {name: float(np.median(t)) for name, t in times.items()}


def cloud(n, dim, seed=0):
    return np.random.default_rng(seed).random((n, dim))


def quantile_threshold(points, q, sample=3000, seed=0):
    """The q-quantile of the pairwise distances, estimated on a random sample of the points."""
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(seed)
    pick = rng.choice(len(points), min(sample, len(points)), replace=False)
    return float(np.quantile(pdist(points[pick]), q))


def rips_candidates(points, thresh):
    cands = {"ours": lambda: rips_persistence(points, (0, 1), max_edge_length=thresh)}
    kw = {} if np.isinf(thresh) else {"thresh": thresh}
    if ripser is not None:
        cands["ripser"] = lambda: ripser(points, maxdim=1, **kw)
    if ripser_parallel is not None:
        cands["gph_1"] = lambda: ripser_parallel(points, maxdim=1, n_threads=1, **kw)
        cands["gph_all"] = lambda: ripser_parallel(points, maxdim=1, n_threads=-1, **kw)
    return cands


def gudhi_alpha_h1(points):
    st = gudhi.AlphaComplex(points=points).create_simplex_tree()
    st.compute_persistence(persistence_dim_max=True)
    return st.persistence_intervals_in_dimension(1)


def alpha_candidates(points):
    cands = {"ours": lambda: weak_alpha_persistence(points, (0, 1))}
    if gudhi is not None:
        cands["gudhi"] = lambda: gudhi_alpha_h1(points)
    # Oineus 0.9's alpha filtration needs the `diode` package, not installed here
    return cands


_MEMORY_SNIPPET = """
import sys, json, numpy as np
sys.path.insert(0, {root!r})
sys.argv = ["x"]
import bench_persistence_points as b
kind, n, dim, q, name = {args!r}
points = b.cloud(n, dim)
thresh = np.inf if q is None else b.quantile_threshold(points, q)
cands = b.rips_candidates(points, thresh) if kind == "rips" else b.alpha_candidates(points)

def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field))

with open("/proc/self/clear_refs", "w") as f:     # reset the peak (VmHWM) to the current RSS
    f.write("5")
before = status("VmRSS:")
cands[name]()
print(json.dumps([before, status("VmHWM:")]))
"""


def peak_memory(kind, n, dim, q, name):
    """MiB of resident memory the candidate adds at its peak over the process after the
    imports and the data (Linux: the peak is reset through /proc/self/clear_refs)."""
    code = _MEMORY_SNIPPET.format(root=os.path.dirname(os.path.abspath(__file__)),
                                  args=(kind, n, dim, q, name))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
         os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        return float("nan")
    before, after = json.loads(out.stdout.strip().splitlines()[-1])
    return (after - before) / 1024


def table(title, workloads, make, kind, repeat, memory):
    print(f"\n{title}")
    print("(median seconds of alternated runs, ours/peer in parentheses)")
    for label, n, dim, q in workloads:
        points = cloud(n, dim)
        thresh = np.inf if q is None else quantile_threshold(points, q)
        cands = make(points, thresh)
        med = race(cands, repeat)
        ours = med["ours"]
        peers = "  ".join(f"{name} {t:7.3f} s ({ours / t:5.3f}x)"
                          for name, t in med.items() if name != "ours")
        line = f"{label:<34} ours {ours:7.3f} s  {peers}"
        if memory:
            mem = {name: peak_memory(kind, n, dim, q, name) for name in cands}
            line += "  peak MiB: " + ", ".join(f"{k} {v:.0f}" for k, v in mem.items())
        print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak memory runs")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("SKTOPO_QUICK") == "1"
    sizes = (300, 1000) if quick else (1000, 3000, 10000)
    rips = []
    for dim in (2, 3):
        for n in sizes:
            # 10^4 points without a threshold take minutes for every peer: 5 % quantile
            q = 0.05 if n >= 10000 else None
            rips.append((f"Rips H0+H1 n={n} {dim}-D" + (" q=5%" if q else ""), n, dim, q))
    if not quick:
        rips.append(("Rips H0+H1 n=3000 2-D q=5%", 3000, 2, 0.05))
    table("Rips H0+H1 (ripser, giotto-ph single thread and all threads)", rips,
          rips_candidates, "rips", args.repeat, not args.no_memory)
    alpha_sizes = (1000, 10000) if quick else (10000, 100000)
    alpha = [(f"weak alpha H0+H1 n={n} {dim}-D", n, dim, None)
             for dim in (2, 3) for n in alpha_sizes]
    table("Weak alpha H0+H1 (peer: GUDHI AlphaComplex, H0+H1 of the alpha complex)", alpha,
          lambda p, t: alpha_candidates(p), "alpha", args.repeat, not args.no_memory)


if __name__ == "__main__":
    main()
