"""STUMP on the blobs image (STUMP paper, Sec. III): quality, speed, robustness.

Run: ``PYTHONPATH=. python benchmarks/bench_stump.py [--quick]``. Environment variables:
``STUMP_STEPS`` (default 10000), ``VANILLA_SECONDS`` (wall-time budget of the vanilla W2
baseline, default 120), ``ROBUST_DRAWS`` (default 50, the reference code's),
``REDUCTION_STEPS`` (length of the STUMP run of the loss-reduction table, default
2 * STUMP_STEPS). ``--quick`` (under a minute): 300 STUMP steps (also the reduction run),
5 s of vanilla, 5 noise draws; its numbers only check that the benchmark runs.

Prints:

* the sum of H0 lifetimes above 50 and the number of such bars, before and after
  ``STUMP_STEPS`` STUMP steps (paper settings: k = 4, simplex weights, eps = 50, lr 0.05,
  a = 1 - 1/P, W1); reference code: 2091 / 14 bars -> 345 / 5 bars;
* the time per step split into the pairing and the rest (the same loop with the pairing
  replaced by a stored result), and its ratio to one bare GUDHI pairing of a 64x64 pooled
  image (medians measured in this process, wall and CPU time);
* robustness, the reference code's ``robustness_test`` (``blobs.py``/``topnet.py`` of
  github.com/aywagner/TDA-smear): the optimum (the final iterate) plus uniform noise in
  [-10, 10] per pixel, **clipped to [0, 255]** (the image range), W1 norm of the H0
  lifetimes above 50, mean over the draws; rise relative to the same quantity at noise 0
  (the clipped optimum), for the STUMP and the vanilla optima;
* the same for the paper's fixed block grid (``block_offset=0``; the default draws a random
  offset of the grid per approximate);
* time to 10, 25, 50, 80 and 90 % reduction of the loss, for STUMP against vanilla W2
  backpropagation (block 1, no noise) run for ``VANILLA_SECONDS``. The loss is the true
  (un-smeared) objective of each method evaluated on the full-resolution iterate at
  checkpoints (outside the timed steps), relative to its value at the start:
  ``a W1(H0, > 50) + (1 - a) MSE`` for STUMP, ``a W2(H0, > 50) + (1 - a) MSE`` for
  vanilla W2 (the paper's Fig. III.4 plots each method's own loss; its reference code
  ``speedtest.py`` plots the loss sampled at each step, i.e. the smeared loss of one
  noisy pooled approximate for STUMP, which this benchmark does not use). A second table
  measures both runs with the same functional (W1). A third table follows the paper's own
  protocol: the loss each step computes, i.e. the smeared loss of the sampled approximate
  for STUMP, as a running mean over STEPS / 50 steps.
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import cubical_persistence
from sktopo.persistence import _cubical

QUICK = "--quick" in sys.argv[1:]
DATA = Path(os.environ.get("STUMP_DATA", "/work/shared/data/stump"))
STEPS = int(os.environ.get("STUMP_STEPS", 300 if QUICK else 10000))
REDUCTION_STEPS = int(os.environ.get("REDUCTION_STEPS", STEPS if QUICK else 2 * STEPS))
VANILLA_SECONDS = float(os.environ.get("VANILLA_SECONDS", 5 if QUICK else 120))
ROBUST_DRAWS = int(os.environ.get("ROBUST_DRAWS", 5 if QUICK else 50))
ROBUST_EPS = 10.0
SNAPSHOT = max(1, STEPS // 100)
LEVELS = (0.1, 0.25, 0.5, 0.8, 0.9)


def load_blobs():
    from PIL import Image

    f = -np.asarray(Image.open(DATA / "blobs.png"))[:256, :256, 0].astype(np.float64)
    f -= f.min()
    f /= f.max()
    return f * 255


def h0_lifetimes(x, threshold=50.0):
    dgm = cubical_persistence(x, 0)[0].finite()
    return dgm.lifetimes[dgm.lifetimes > threshold]


def h0_stats(x, threshold=50.0):
    life = h0_lifetimes(x, threshold)
    return float(life.sum()), int(life.size)


def true_loss(x, x0, a, p):
    """``a * sum(lifetimes > 50 ** p) + (1 - a) * MSE`` of the full image."""
    return a * float(np.sum(h0_lifetimes(x) ** p)) + (1 - a) * float(np.mean((x - x0) ** 2))


def median_time(fn, repeats, clock=time.perf_counter):
    times = []
    for _ in range(repeats):
        t = clock()
        fn()
        times.append(clock() - t)
    return float(np.median(times))


def bare_gudhi_pairing(pooled):
    import gudhi

    def run():
        cc = gudhi.CubicalComplex(top_dimensional_cells=pooled)
        cc.compute_persistence(homology_coeff_field=2, min_persistence=0)
        cc.cofaces_of_persistence_pairs()
    return run


def run_with_snapshots(loss, x0, seconds=None, every=SNAPSHOT, **kw):
    """Run, keeping a copy of the iterate every ``every`` steps (not evaluated here)."""
    snaps = []
    start = time.perf_counter()

    def callback(res):
        if res.n_iter % every == 0 or res.n_iter == 1:
            snaps.append((res.n_iter, res.step_times[-1], res.x.copy()))
        return seconds is not None and time.perf_counter() - start > seconds
    res = stump_minimize(loss, x0, callback=callback, **kw)
    if snaps[-1][0] != res.n_iter:
        snaps.append((res.n_iter, res.step_times[-1], res.x.copy()))
    return res, snaps


def reduction_times(snaps, x0, a, p):
    """Time of the first snapshot whose true loss is reduced by each level (None: never)."""
    base = true_loss(x0, x0, a, p)
    curve = [(t, 1 - true_loss(x, x0, a, p) / base) for _, t, x in snaps]
    best = max(r for _, r in curve)
    return {lvl: next((t for t, r in curve if r >= lvl), None) for lvl in LEVELS}, best


def robustness(x, rng):
    """The reference code's robustness test at one noise level (see the module docstring)."""
    clean = h0_stats(np.clip(x, 0, 255))[0]
    noisy = float(np.mean([h0_stats(np.clip(x + rng.uniform(-ROBUST_EPS, ROBUST_EPS, x.shape),
                                            0, 255))[0] for _ in range(ROBUST_DRAWS)]))
    return clean, noisy, (noisy - clean) / clean if clean > 0 else np.inf


def non_pairing_cost(loss, x0, settings, n_steps):
    """Wall and CPU seconds per step of the loop with the pairing replaced by a stored one."""
    import sktopo.optim._kernel as kernel_module

    pooled = x0.reshape(64, 4, 64, 4).mean(axis=(1, 3))
    stored = _cubical._sublevel_pairs(pooled, (0,), "full")
    real = kernel_module._sublevel_pairs
    kernel_module._sublevel_pairs = lambda f, dims, conn: stored
    try:
        cpu = time.thread_time()
        fake = stump_minimize(loss, x0, max_iter=n_steps, random_state=0, **settings)
        cpu = (time.thread_time() - cpu) / n_steps
    finally:
        kernel_module._sublevel_pairs = real
    return fake.step_times[-1] / n_steps, cpu


def sampled_reduction_times(res, window):
    """The paper's protocol (reference ``speedtest.py``, Fig. III.4): the loss each step
    computes (for STUMP the smeared loss of its sampled approximate), here as a running
    mean over ``window`` steps, relative to the mean of the first ``window`` steps; the
    time of the first step whose running mean is reduced by each level."""
    curve = np.convolve(res.loss_curve, np.ones(window) / window, mode="valid")
    times = res.step_times[window - 1:]
    red = 1 - curve / curve[0]
    out = {}
    for lvl in LEVELS:
        hit = np.flatnonzero(red >= lvl)
        out[lvl] = float(times[hit[0]]) if hit.size else None
    return out, float(red.max())


def print_levels(title, t_stump, t_vanilla, vres_time):
    print(title)
    print(f"{'level':>8s}{'STUMP':>10s}{'vanilla W2':>12s}{'vanilla/STUMP':>15s}")
    fmt = lambda t: "never" if t is None else f"{t:.2f}"  # noqa: E731
    for lvl in LEVELS:
        ts, tv = t_stump[lvl], t_vanilla[lvl]
        if ts is None:
            ratio = "-"
        elif tv is None:
            ratio = f">= {vres_time / ts:.1f}x"
        else:
            ratio = f"{tv / ts:.1f}x"
        print(f"{100 * lvl:7.0f}%{fmt(ts):>10s}{fmt(tv):>12s}{ratio:>15s}")


def main():
    x0 = load_blobs()
    a = 1 - 1 / x0.size
    before = h0_stats(x0)
    stump_loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=50),
                                 homology_dimensions=0, gradient="death")
    settings = dict(block_size=4, measure="simplex", eps=50.0, learning_rate=0.05, alpha=a)

    # --- STUMP, paper settings; the same run continues for the reduction table ---------
    n_run = max(STEPS, REDUCTION_STEPS)
    res, snaps = run_with_snapshots(stump_loss, x0, max_iter=n_run, random_state=0,
                                    **settings)
    x_opt = next(x for it, _, x in snaps if it == STEPS)
    # the paper's fixed block grid, for comparison (block_offset=0)
    fixed = stump_minimize(stump_loss, x0, max_iter=STEPS, random_state=0, block_offset=0,
                           **settings)
    total = next(t for it, t, _ in snaps if it == STEPS)
    per_step = total / STEPS
    after = h0_stats(x_opt)

    # --- the pairing and the rest of a step -------------------------------------------
    non_pairing, non_pairing_cpu = non_pairing_cost(stump_loss, x0, settings,
                                                    min(STEPS, 2000))
    from sktopo.smear import block_pool, sample_block_weights

    rng = np.random.default_rng(1)
    pooled = x0.reshape(64, 4, 64, 4).mean(axis=(1, 3))
    noisy_pooled = block_pool(x_opt + rng.uniform(-50, 50, x0.shape), 4,
                              sample_block_weights(x0.shape, 4, random_state=rng))
    repeats = 15 if QUICK else 200
    pairing = median_time(bare_gudhi_pairing(pooled), repeats)
    pairing_noisy = median_time(bare_gudhi_pairing(noisy_pooled), repeats)
    pairing_noisy_cpu = median_time(bare_gudhi_pairing(noisy_pooled), repeats,
                                    time.thread_time)
    ours = median_time(lambda: _cubical._sublevel_pairs(noisy_pooled, (0,), "full"), repeats)
    ours_cpu = median_time(lambda: _cubical._sublevel_pairs(noisy_pooled, (0,), "full"),
                           repeats, time.thread_time)

    # --- vanilla W2 backpropagation, wall-time budget -----------------------------------
    vanilla_loss = TopologicalLoss(PersistenceNorm(p=2, min_persistence=50),
                                   homology_dimensions=0, gradient="death")
    vres, vsnaps = run_with_snapshots(vanilla_loss, x0, seconds=VANILLA_SECONDS,
                                      max_iter=10**7, every=max(1, SNAPSHOT // 4),
                                      block_size=1, eps=0.0, learning_rate=0.05, alpha=a,
                                      random_state=0)
    v_time = vres.step_times[-1]

    # --- robustness under uniform noise eps = 10 (the reference code's test) -------------
    rob_stump = robustness(x_opt, np.random.default_rng(0))
    rob_fixed = robustness(fixed.x, np.random.default_rng(0))
    rob_vanilla = robustness(vres.x, np.random.default_rng(0))

    own_s, best_own_s = reduction_times(snaps, x0, a, 1)
    own_v, best_own_v = reduction_times(vsnaps, x0, a, 2)
    w1_v, best_w1_v = reduction_times(vsnaps, x0, a, 1)

    print(f"blobs 256x256, STUMP k=4 simplex eps=50 lr=0.05 a=1-1/P W1, {STEPS} steps"
          f"{'  (--quick)' if QUICK else ''}")
    print(f"{'':34s}{'sum H0 > 50':>12s}{'bars':>6s}")
    print(f"{'before':34s}{before[0]:12.1f}{before[1]:6d}")
    print(f"{'after STUMP':34s}{after[0]:12.1f}{after[1]:6d}   (reference 345.0 / 5)")
    print(f"{'after STUMP, fixed grid (paper)':34s}{h0_stats(fixed.x)[0]:12.1f}"
          f"{h0_stats(fixed.x)[1]:6d}   (block_offset=0, {fixed.step_times[-1]:.1f} s)")
    print(f"{'after vanilla W2 (' + str(vres.n_iter) + ' steps)':34s}"
          f"{h0_stats(vres.x)[0]:12.1f}{h0_stats(vres.x)[1]:6d}")
    print()
    print(f"STUMP total time, {STEPS} steps       {total:8.2f} s  ({per_step * 1e3:.3f} ms/step)")
    print(f"  step without the pairing        {non_pairing * 1e3:8.3f} ms wall, "
          f"{non_pairing_cpu * 1e3:.3f} ms CPU (noise, pooling, pull-back, Adam, functional)")
    print(f"  the pairing (step - rest)       {(per_step - non_pairing) * 1e3:8.3f} ms wall")
    print(f"sktopo _sublevel_pairs of 64x64   {ours * 1e3:8.3f} ms wall, {ours_cpu * 1e3:.3f} ms "
          f"CPU (median, noisy approximate)")
    print(f"bare GUDHI pairing of 64x64       {pairing * 1e3:8.3f} ms (median, clean pooled)")
    print(f"bare GUDHI pairing of 64x64       {pairing_noisy * 1e3:8.3f} ms wall, "
          f"{pairing_noisy_cpu * 1e3:.3f} ms CPU (median, a noisy pooled approximate)")
    print(f"ratio step / bare GUDHI (clean)   {per_step / pairing:8.3f}   (target <= 1)")
    print(f"ratio step / bare GUDHI (noisy)   {per_step / pairing_noisy:8.3f}")
    print(f"ratio rest / bare GUDHI (noisy)   {non_pairing_cpu / pairing_noisy_cpu:8.3f} (CPU)")
    print()
    print(f"robustness (reference test): optimum + uniform noise eps={ROBUST_EPS:g}, clipped to "
          f"[0, 255], {ROBUST_DRAWS} draws, mean sum H0 > 50")
    for name, (clean, noisy, rise) in [("STUMP", rob_stump), ("STUMP fixed grid", rob_fixed),
                                       ("vanilla W2", rob_vanilla)]:
        print(f"  {name:17s} clean {clean:8.1f}  noisy {noisy:8.1f}  rise {100 * rise:6.1f} %")
    print("  (reference code: STUMP +21 %, vanilla +70 %)")
    print()
    print_levels(f"time (s) to a reduction of each method's own true loss (full image; STUMP "
                 f"a W1 + (1-a) MSE, {res.n_iter} steps; vanilla a W2 + (1-a) MSE)",
                 own_s, own_v, v_time)
    print(f"best reduction: STUMP {100 * best_own_s:.1f} % in {res.step_times[-1]:.0f} s, "
          f"vanilla W2 {100 * best_own_v:.1f} % in {v_time:.0f} s ({vres.n_iter} steps); "
          f"target: 90 % >= 10x sooner")
    if own_s[0.9] is not None and own_v[0.9] is None and v_time < 10 * own_s[0.9]:
        print(f"  (vanilla ran {v_time:.0f} s < 10x STUMP's time to 90 %: raise "
              f"VANILLA_SECONDS to {10 * own_s[0.9]:.0f} to decide)")
    print()
    print_levels("time (s) to a reduction of a W1 + (1-a) MSE for both (common functional)",
                 own_s, w1_v, v_time)
    print(f"best reduction of the W1 loss: vanilla W2 {100 * best_w1_v:.1f} %")
    print()
    window = max(1, min(STEPS, 10000) // 50)
    paper_s, best_paper_s = sampled_reduction_times(res, window)
    paper_v, best_paper_v = sampled_reduction_times(vres, window)
    print_levels(f"the paper's protocol (Fig. III.4, reference speedtest.py): time (s) to a "
                 f"reduction of the loss each step computes (STUMP: the smeared loss of its "
                 f"approximate), running mean over {window} steps", paper_s, paper_v, v_time)
    print(f"best reduction: STUMP {100 * best_paper_s:.1f} %, vanilla W2 "
          f"{100 * best_paper_v:.1f} %")


if __name__ == "__main__":
    main()
