"""Persistence pairing with critical cells: sktopo's compiled kernels next to GUDHI and cripser.

Every workload is timed side by side in one process: the candidates run in turn, ``repeat``
times, and the medians are printed with the ratios ours / GUDHI and ours / cripser (cripser
only when installed: ``pip install ".[bench]"``). All candidates return the critical cells:
GUDHI's ``cofaces_of_persistence_pairs`` / ``vertices_of_persistence_pairs`` or its
AlphaComplex / Rips ``persistence_pairs``, cripser's locations.

    python benchmarks/bench_persistence.py [--repeat 11] [--quick]

Targets (issue 3): 256x256 and 512x512 at most 0.5x cripser's time, 64x64 at most 0.2 ms,
H0 alone clearly cheaper than H0+H1. Issue "fast pairing": weak alpha H0+H1 of 1000 planar
points well under 10 ms (the "GUDHI flag-complex H1 path" row is the previous implementation).
"""

import argparse
import time
import tracemalloc

import gudhi
import numpy as np
from scipy.ndimage import gaussian_filter

from sktopo.persistence import cubical_persistence, rips_persistence, weak_alpha_persistence
from sktopo.persistence import _cubical, _pairing, _point_cloud
from sktopo.persistence._signal import signal_pairs

try:
    import cripser
except ImportError:  # pragma: no cover - optional peer
    cripser = None


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def race(candidates, repeat):
    """Median seconds of each candidate, the candidates alternated run after run."""
    for func in candidates.values():
        func()                                  # warm up
    times = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, func in candidates.items():
            times[name].append(timed(func))
    return {name: float(np.median(t)) for name, t in times.items()}


def row(name, medians):
    ours = medians["ours"]
    gudhi_t = medians.get("gudhi", np.nan)
    cripser_t = medians.get("cripser", np.nan)
    print(f"{name:<40} {1e3 * ours:9.3f} {1e3 * gudhi_t:10.3f} {1e3 * cripser_t:10.3f} "
          f"{ours / gudhi_t:8.3f} {ours / cripser_t:9.3f}", flush=True)


def gudhi_cubical(image):
    cc = gudhi.CubicalComplex(top_dimensional_cells=image)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
    return cc.cofaces_of_persistence_pairs()


def image_workloads(sizes, repeat):
    rng = np.random.default_rng(0)
    for size in sizes:
        noise = rng.random((size, size))
        smooth = gaussian_filter(rng.random((size, size)), sigma=size / 32)
        reps = repeat if size < 512 else max(3, repeat // 2)
        for kind, image in (("noise", noise), ("smooth", smooth)):
            for dims in ((0, 1), (0,)):
                candidates = {
                    "ours": lambda image=image, dims=dims: cubical_persistence(image, dims),
                    "gudhi": lambda image=image: gudhi_cubical(image),
                }
                if cripser is not None:
                    maxdim = max(dims)
                    candidates["cripser"] = (
                        lambda image=image, maxdim=maxdim: cripser.computePH(image,
                                                                               maxdim=maxdim))
                row(f"{size}x{size} {kind} H{''.join(map(str, dims))}",
                    race(candidates, reps))


def volume_workloads(size, repeat):
    volume = np.random.default_rng(5).random((size, size, size))
    for dims in ((0, 2), (0,)):
        candidates = {"ours": lambda dims=dims: cubical_persistence(volume, dims),
                      "gudhi": lambda: gudhi_cubical(volume)}
        if cripser is not None:
            candidates["cripser"] = lambda: cripser.computePH(volume, maxdim=2)
        row(f"{size}^3 noise H{''.join(map(str, dims))} (peers: all dims)",
            race(candidates, max(3, repeat // 3)))


def overhead_64(repeat):
    """What validation and Diagram building add to the kernel at 64x64 (STUMP's loop)."""
    image = np.random.default_rng(1).random((64, 64))
    padded = _cubical._padded(image)
    candidates = {
        "image_pairs kernel (2-D, no padding)": lambda: _pairing.image_pairs(
            image, True, True, True),
        "public cubical_persistence": lambda: cubical_persistence(image, (0, 1)),
        "_cubical_diagrams (validated input)": lambda: _cubical._cubical_diagrams(
            image, (0, 1), False, "full"),
        "_sublevel_pairs (no Diagram)": lambda: _cubical._sublevel_pairs(image, (0, 1),
                                                                         "full"),
        "grid_pairs kernel (padded, old 2-D)": lambda: _pairing.grid_pairs(
            padded, image.size, True, True, True),
    }
    medians = race(candidates, 20 * repeat)
    print("\n64x64 noise H0+H1, per call:")
    for name, t in medians.items():
        print(f"  {name:<40} {1e3 * t:8.3f} ms")


def signal_workload(repeat):
    signal = np.random.default_rng(2).standard_normal(10 ** 6)
    candidates = {
        "ours": lambda: cubical_persistence(signal),
        "gudhi": lambda: gudhi_cubical(signal),
    }
    if cripser is not None:
        candidates["cripser"] = lambda: cripser.computePH(signal, maxdim=0)
    row("1e6 noise signal H0", race(candidates, max(3, repeat // 3)))
    medians = race({"ours": lambda: _pairing.signal_pairs(signal),
                    "numpy": lambda: signal_pairs(signal)}, 3)
    print(f"{'  pairs only: compiled vs numpy (ms)':<40} {1e3 * medians['ours']:9.3f} "
          f"{1e3 * medians['numpy']:10.3f}")


def gudhi_alpha(points):
    st = gudhi.AlphaComplex(points=points).create_simplex_tree()
    st.compute_persistence(homology_coeff_field=2, min_persistence=0)
    return st.persistence_pairs()


def gudhi_rips(points, max_dimension):
    st = gudhi.RipsComplex(points=points).create_simplex_tree(max_dimension=max_dimension)
    st.compute_persistence(homology_coeff_field=2, min_persistence=0)
    return st.flag_persistence_generators()


def point_cloud_workloads(sizes, repeat):
    rng = np.random.default_rng(3)
    for n in sizes:
        points = rng.random((n, 2))
        reps = max(3, repeat // 2)
        row(f"weak alpha n={n} H01 (GUDHI: alpha)",
            race({"ours": lambda: weak_alpha_persistence(points, (0, 1)),
                  "gudhi": lambda: gudhi_alpha(points)}, reps))
        row(f"  GUDHI flag-complex H1 path n={n} H01",
            race({"ours": lambda: _point_cloud._graph_persistence(
                points, (0, 1), _point_cloud._delaunay_edges),
                  "gudhi": lambda: gudhi_alpha(points)}, reps))
        row(f"weak alpha n={n} H0 (GUDHI: alpha)",
            race({"ours": lambda: weak_alpha_persistence(points, 0),
                  "gudhi": lambda: gudhi_alpha(points)}, reps))
        if n <= 1000:
            row(f"rips n={n} H0 (GUDHI: rips dim 1)",
                race({"ours": lambda: rips_persistence(points, 0),
                      "gudhi": lambda: gudhi_rips(points, 1)}, reps))
        else:
            row(f"rips n={n} H0 (GUDHI not run)",
                race({"ours": lambda: rips_persistence(points, 0)}, reps))
        if n <= 300:
            points = points[:100]
            row("rips n=100 H01 (GUDHI: rips dim 2)",
                race({"ours": lambda: rips_persistence(points, (0, 1)),
                      "gudhi": lambda: gudhi_rips(points, 2)}, reps))


def memory_per_pixel(size=512):
    image = np.random.default_rng(4).random((size, size))
    for superlevel in (False, True):
        tracemalloc.start()
        cubical_persistence(image, (0, 1), superlevel=superlevel)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak numpy memory, {size}x{size} H0+H1 superlevel={superlevel}: "
              f"{peak / image.size:.1f} bytes per pixel (the input's 8 not counted)")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args()
    print(f"compiled kernels: {_cubical._pairing is not None}; cripser: "
          f"{'yes' if cripser is not None else 'not installed'}")
    print(f"{'workload':<40} {'ours ms':>9} {'GUDHI ms':>10} {'cripser ms':>10} "
          f"{'/GUDHI':>8} {'/cripser':>9}")
    image_sizes = (64,) if args.quick else (64, 256, 512)
    image_workloads(image_sizes, args.repeat)
    volume_workloads(16 if args.quick else 48, args.repeat)
    signal_workload(args.repeat)
    point_cloud_workloads((300,) if args.quick else (300, 1000, 3000), args.repeat)
    overhead_64(args.repeat)
    memory_per_pixel(64 if args.quick else 512)


if __name__ == "__main__":
    main()
