"""STUMP on the blobs image (STUMP paper, Sec. III): quality, speed, robustness.

Run: ``PYTHONPATH=. python benchmarks/bench_stump.py``. Environment variables:
``STUMP_STEPS`` (default 10000), ``VANILLA_SECONDS`` (wall-time budget of the vanilla W2
baseline, default 120), ``ROBUST_DRAWS`` (default 20).

Prints:

* the sum of H0 lifetimes above 50 and the number of such bars, before and after 10,000
  STUMP steps (paper settings: k = 4, simplex weights, eps = 50, lr 0.05, a = 1 - 1/P, W1);
  reference code: 2091 / 14 bars -> 345 / 5 bars;
* the total time, the time per step, and its ratio to one bare GUDHI pairing of a 64x64
  pooled image (medians measured in this process), plus the cost of everything except the
  pairing (the same loop with the pairing replaced by a stored result);
* robustness: mean over uniform noise draws (eps = 10) of the H0 sum, relative rise over
  the clean optimum, for the STUMP and the vanilla optima;
* time to 10, 25, 50, 80 and 90 % reduction of the loss ``a * W1(H0, > 50) + (1 - a) * MSE`` of the full
  image, STUMP against vanilla W2 backpropagation (block 1, no noise) run for
  ``VANILLA_SECONDS``.
"""

import os
import time
from pathlib import Path

import numpy as np

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import cubical_persistence
from sktopo.persistence import _cubical

DATA = Path(os.environ.get("STUMP_DATA", "/work/shared/data/stump"))
STEPS = int(os.environ.get("STUMP_STEPS", 10000))
VANILLA_SECONDS = float(os.environ.get("VANILLA_SECONDS", 120))
ROBUST_DRAWS = int(os.environ.get("ROBUST_DRAWS", 20))
SNAPSHOT = max(1, STEPS // 100)


def load_blobs():
    from PIL import Image

    f = -np.asarray(Image.open(DATA / "blobs.png"))[:256, :256, 0].astype(np.float64)
    f -= f.min()
    f /= f.max()
    return f * 255


def h0_stats(x, threshold=50.0):
    dgm = cubical_persistence(x, 0)[0].finite()
    life = dgm.lifetimes[dgm.lifetimes > threshold]
    return float(life.sum()), int(life.size)


def common_loss(x, x0, a):
    return a * h0_stats(x)[0] + (1 - a) * float(np.mean((x - x0) ** 2))


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def bare_gudhi_pairing(pooled):
    import gudhi

    def run():
        cc = gudhi.CubicalComplex(top_dimensional_cells=pooled)
        cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
        cc.cofaces_of_persistence_pairs()
    return run


def run_with_snapshots(loss, x0, seconds=None, **kw):
    snaps = []
    start = time.perf_counter()

    def callback(res):
        if res.n_iter % SNAPSHOT == 0 or res.n_iter == 1:
            snaps.append((res.step_times[-1], res.x.copy()))
        return seconds is not None and time.perf_counter() - start > seconds
    res = stump_minimize(loss, x0, callback=callback, **kw)
    snaps.append((res.step_times[-1], res.x.copy()))
    return res, snaps


LEVELS = (0.1, 0.25, 0.5, 0.8, 0.9)


def reduction_times(snaps, x0, a):
    """Time of the first snapshot reaching each reduction level (None if never)."""
    base = common_loss(x0, x0, a)
    curve = [(t, 1 - common_loss(x, x0, a) / base) for t, x in snaps]
    best = max(r for _, r in curve)
    return {lvl: next((t for t, r in curve if r >= lvl), None) for lvl in LEVELS}, best


def main():
    x0 = load_blobs()
    a = 1 - 1 / x0.size
    before = h0_stats(x0)
    stump_loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=50),
                                 homology_dimensions=0, gradient="death")
    settings = dict(block_size=4, measure="simplex", eps=50.0, learning_rate=0.05, alpha=a)

    # --- STUMP, paper settings -------------------------------------------------------------
    res, snaps = run_with_snapshots(stump_loss, x0, max_iter=STEPS, random_state=0,
                                    **settings)
    total = res.step_times[-1]
    per_step = total / res.n_iter
    after = h0_stats(res.x)

    # --- the non-pairing cost: the same loop, the pairing replaced by a stored result ----
    pooled = x0.reshape(64, 4, 64, 4).mean(axis=(1, 3))
    stored = _cubical._sublevel_pairs(pooled, (0,), "full")
    real = _cubical._sublevel_pairs
    _cubical._sublevel_pairs = lambda f, dims, conn: stored
    try:
        import sktopo.optim._kernel as kernel_module

        kernel_module._sublevel_pairs = _cubical._sublevel_pairs
        n_fake = min(STEPS, 2000)
        fake = stump_minimize(stump_loss, x0, max_iter=n_fake, random_state=0, **settings)
        non_pairing = fake.step_times[-1] / n_fake
    finally:
        _cubical._sublevel_pairs = real
        kernel_module._sublevel_pairs = real
    # the pooled approximates STUMP pairs are noisy (many more critical cells than the
    # clean pooled image): time both
    from sktopo.smear import block_pool, sample_block_weights

    rng = np.random.default_rng(1)
    noisy_pooled = block_pool(res.x + rng.uniform(-50, 50, x0.shape), 4,
                              sample_block_weights(x0.shape, 4, random_state=rng))
    pairing = median_time(bare_gudhi_pairing(pooled), 200)
    pairing_noisy = median_time(bare_gudhi_pairing(noisy_pooled), 200)
    ours = median_time(lambda: real(noisy_pooled, (0,), "full"), 200)

    # --- vanilla W2 backpropagation, wall-time budget -----------------------------------
    vanilla_loss = TopologicalLoss(PersistenceNorm(p=2, min_persistence=50),
                                   homology_dimensions=0, gradient="death")
    vres, vsnaps = run_with_snapshots(vanilla_loss, x0, seconds=VANILLA_SECONDS,
                                      max_iter=10**6, block_size=1, eps=0.0,
                                      learning_rate=0.05, alpha=a, random_state=0)

    # --- robustness under uniform noise eps = 10 ----------------------------------------
    rng = np.random.default_rng(0)

    def robustness(x):
        clean = h0_stats(x)[0]
        noisy = np.mean([h0_stats(x + rng.uniform(-10, 10, x.shape))[0]
                         for _ in range(ROBUST_DRAWS)])
        return clean, noisy, (noisy - clean) / clean if clean > 0 else np.inf

    rob_stump = robustness(res.x)
    rob_vanilla = robustness(vres.x)

    t_stump, red_stump = reduction_times(snaps, x0, a)
    t_vanilla, red_vanilla = reduction_times(vsnaps, x0, a)

    print(f"blobs 256x256, STUMP k=4 simplex eps=50 lr=0.05 a=1-1/P, {res.n_iter} steps")
    print(f"{'':34s}{'sum H0 > 50':>12s}{'bars':>6s}")
    print(f"{'before':34s}{before[0]:12.1f}{before[1]:6d}")
    print(f"{'after STUMP':34s}{after[0]:12.1f}{after[1]:6d}   (reference 345.0 / 5)")
    print(f"{'after vanilla W2 (' + str(vres.n_iter) + ' steps)':34s}"
          f"{h0_stats(vres.x)[0]:12.1f}{h0_stats(vres.x)[1]:6d}")
    print()
    print(f"STUMP total time                  {total:8.2f} s  ({per_step * 1e3:.3f} ms/step)")
    print(f"bare GUDHI pairing of 64x64       {pairing * 1e3:8.3f} ms (median, clean pooled)")
    print(f"bare GUDHI pairing of 64x64       {pairing_noisy * 1e3:8.3f} ms (median, a noisy "
          f"pooled approximate)")
    print(f"sktopo _sublevel_pairs of 64x64   {ours * 1e3:8.3f} ms (median, noisy approximate)")
    print(f"ratio step / bare GUDHI (clean)   {per_step / pairing:8.3f}   (target <= 1)")
    print(f"ratio step / bare GUDHI (noisy)   {per_step / pairing_noisy:8.3f}")
    print(f"step without the pairing          {non_pairing * 1e3:8.3f} ms "
          f"(noise, pooling, pull-back, Adam, diagram, functional)")
    print()
    print(f"robustness, uniform noise eps=10, {ROBUST_DRAWS} draws: mean sum H0 > 50")
    for name, (clean, noisy, rise) in [("STUMP", rob_stump), ("vanilla W2", rob_vanilla)]:
        print(f"  {name:12s} clean {clean:8.1f}  noisy {noisy:8.1f}  rise {100 * rise:6.1f} %")
    print()
    print("time to a loss reduction (a W1 + (1 - a) MSE of the full image), seconds")
    print(f"{'level':>8s}{'STUMP':>10s}{'vanilla W2':>12s}{'speed-up':>10s}")
    fmt = lambda t: "never" if t is None else f"{t:.2f}"  # noqa: E731
    for lvl in LEVELS:
        ts, tv = t_stump[lvl], t_vanilla[lvl]
        if ts is None:
            ratio = "-"
        elif tv is None:
            ratio = f">= {vres.step_times[-1] / ts:.0f}x"
        else:
            ratio = f"{tv / ts:.0f}x"
        print(f"{100 * lvl:7.0f}%{fmt(ts):>10s}{fmt(tv):>12s}{ratio:>10s}")
    print(f"best reduction: STUMP {100 * red_stump:.1f} % in {res.step_times[-1]:.0f} s, "
          f"vanilla W2 {100 * red_vanilla:.1f} % in {vres.step_times[-1]:.0f} s "
          f"({vres.n_iter} steps); target: 90 % >= 10x sooner")


if __name__ == "__main__":
    main()
