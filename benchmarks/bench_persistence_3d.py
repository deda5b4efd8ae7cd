"""Persistence of volumes (H0+H1+H2 with critical voxels): sktopo next to cripser and GUDHI.

Each workload is timed side by side in one process: the candidates run in turn ``repeat``
times and the medians are printed with the ratios ours / cripser and ours / GUDHI. Both
constructions are raced against their own peer: ``connectivity="full"`` (voxels are the
cubes, 26-connectivity) against ``cripser.computePH_T`` and GUDHI's
``top_dimensional_cells``, ``connectivity="face"`` (voxels are the vertices,
6-connectivity) against ``cripser.computePH`` and GUDHI's ``vertices``. Every candidate
returns the critical cells. GUDHI is skipped above ``--gudhi-max`` (64 by default).

    python benchmarks/bench_persistence_3d.py [--repeat 5] [--sizes 32 64 128]
                                              [--gudhi-max 64] [--quick]

Target (issue 18): H0+H1+H2, noise and smooth, at most 0.5x cripser's time at 32^3, 64^3
and 128^3.
"""

import argparse
import time

import gudhi
import numpy as np
from scipy.ndimage import gaussian_filter

from sktopo.persistence import cubical_persistence

try:
    import cripser
except ImportError:  # pragma: no cover - optional peer
    cripser = None


def race(candidates, repeat, warm_up=True):
    """Median seconds of each candidate, the candidates alternated run after run."""
    for func in candidates.values() if warm_up else ():
        func()
    times = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, func in candidates.items():
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def gudhi_cubical(volume, connectivity):
    if connectivity == "full":
        cc = gudhi.CubicalComplex(top_dimensional_cells=volume)
        cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
        return cc.cofaces_of_persistence_pairs()
    cc = gudhi.CubicalComplex(vertices=volume)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
    return cc.vertices_of_persistence_pairs()


def volumes(size, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.random((size, size, size))
    smooth = gaussian_filter(rng.random((size, size, size)), sigma=size / 16)
    return {"noise": noise, "smooth": smooth}


def volume_table(sizes, repeat, gudhi_max=64):
    print(f"{'H0+H1+H2':<28} {'ours ms':>9} {'cripser ms':>11} {'gudhi ms':>10} "
          f"{'/cripser':>9} {'/gudhi':>8}", flush=True)
    for size in sizes:
        reps = repeat if size <= 64 else max(3, repeat // 2)
        for kind, volume in volumes(size).items():
            for connectivity in ("full", "face"):
                candidates = {"ours": lambda v=volume, c=connectivity: cubical_persistence(
                    v, (0, 1, 2), connectivity=c)}
                if cripser is not None:
                    peer = cripser.computePH_T if connectivity == "full" else cripser.computePH
                    candidates["cripser"] = lambda v=volume, peer=peer: peer(v, maxdim=2)
                if size <= gudhi_max:
                    candidates["gudhi"] = lambda v=volume, c=connectivity: gudhi_cubical(v, c)
                med = race(candidates, reps, warm_up=size <= 64)
                ours = med["ours"]
                crip = med.get("cripser", np.nan)
                gud = med.get("gudhi", np.nan)
                print(f"{size}^3 {kind:<6} {connectivity:<5}{'':12} {1e3 * ours:9.1f} "
                      f"{1e3 * crip:11.1f} {1e3 * gud:10.1f} {ours / crip:9.3f} "
                      f"{ours / gud:8.3f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--gudhi-max", type=int, default=64,
                        help="largest size GUDHI runs at (it takes ~15 s at 64^3)")
    parser.add_argument("--quick", action="store_true", help="16^3 and 24^3, 3 runs")
    args = parser.parse_args()
    if args.quick:
        volume_table([16, 24], 3)
    else:
        volume_table(args.sizes, args.repeat, args.gudhi_max)


if __name__ == "__main__":
    main()
