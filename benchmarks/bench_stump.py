"""STUMP on the blobs image (STUMP paper, Sec. III): quality, speed, robustness.

Run: ``PYTHONPATH=. python benchmarks/bench_stump.py [--quick]``; ``--steps [name:path
...]`` prints only the time per step with ``prefetch="auto"`` and ``"off"``, with the other
core free and held by a busy process, of this tree and of other built checkouts (e.g. the
previous version), alternated between one worker process per tree (see ``step_times``). Environment variables:
``STUMP_STEPS`` (default 10000), ``VANILLA_SECONDS`` (wall-time budget of the vanilla W2
baseline, default 120), ``ROBUST_DRAWS`` (default 50, the reference code's),
``REDUCTION_STEPS`` (length of the STUMP runs of the loss-reduction tables, default
2 * STUMP_STEPS), ``NOISE_SECONDS`` (vanilla's budget on the uniform noise image, default
30). ``--quick`` (about a minute): 300 STUMP steps (also the reduction runs),
5 s of vanilla, 5 noise draws; its numbers only check that the benchmark runs.

Prints:

* the sum of H0 lifetimes above 50 and the number of such bars, before and after
  ``STUMP_STEPS`` STUMP steps (paper settings: k = 4, simplex weights, eps = 50, lr 0.05,
  a = 1 - 1/P, W1); reference code: 2091 / 14 bars -> 345 / 5 bars;
* the time per step, the time of its loss kernel alone (the pairing and the W1 terms of
  a noisy approximate: the step is one compiled call, ``BlockStep``, so the rest is the
  difference), and the ratio of the step to one bare GUDHI pairing of a 64x64 pooled
  image (medians measured in this process, wall and CPU time);
* robustness, the reference code's ``robustness_test`` (``blobs.py``/``topnet.py`` of
  github.com/aywagner/TDA-smear): the optimum (the final iterate) plus uniform noise in
  [-10, 10] per pixel, **clipped to [0, 255]** (the image range), W1 norm of the H0
  lifetimes above 50, mean over the draws; rise relative to the same quantity at noise 0
  (the clipped optimum), for the STUMP and the vanilla optima;
* the same for the paper's fixed block grid (``block_offset=0``; the default draws a random
  offset of the grid per approximate);
* time to 10, 25, 50, 80 and 90 % reduction of the loss, for STUMP against vanilla W2
  backpropagation (block 1, no noise) run for ``VANILLA_SECONDS``. The two run in threads
  that take turns of 0.5 s (one runs at a time), each timed by its own turns only, so that
  both see the same machine (which is shared and noisy); STUMP runs again with seeds 0, 1,
  ... (``REDUCTION_STEPS`` steps each) as long as vanilla runs, and its median time over
  the runs is reported with their range. The loss is the true (un-smeared) objective of
  each method evaluated on the full-resolution iterate at checkpoints (outside the
  clocks), relative to its value at the start: ``a W1(H0, > 50) + (1 - a) MSE`` for STUMP,
  ``a W2(H0, > 50) + (1 - a) MSE`` for vanilla W2 (the paper's Fig. III.4 plots each
  method's own loss). A second table measures both runs with the same functional (W1). A
  third table follows the paper's own protocol (its reference code ``speedtest.py``): the
  loss each step computes, i.e. the smeared loss of the sampled approximate for STUMP, as
  a running mean over STEPS / 50 steps;
* the same three tables on an image of uniform noise in [0, 255] (the paper's Fig. III.4,
  right; no target), vanilla W2 run for ``NOISE_SECONDS``: its H0 bars above 50 are
  pixel-scale minima, which 4 x 4 approximates cannot see, so the smeared loss is not the
  loss of the image there, and a fast vanilla wins (the paper's vanilla was a TF + GUDHI
  loop, about 100x slower per step than ours).
"""

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
from sktopo.persistence import _cubical, cubical_persistence

QUICK = "--quick" in sys.argv[1:]
DATA = Path(os.environ.get("STUMP_DATA", "/work/shared/data/stump"))
STEPS = int(os.environ.get("STUMP_STEPS", 300 if QUICK else 10000))
REDUCTION_STEPS = int(os.environ.get("REDUCTION_STEPS", STEPS if QUICK else 2 * STEPS))
VANILLA_SECONDS = float(os.environ.get("VANILLA_SECONDS", 5 if QUICK else 120))
NOISE_SECONDS = float(os.environ.get("NOISE_SECONDS", 5 if QUICK else 30))
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


class Turns:
    """Runs in threads that take turns of about ``turn`` seconds: one runs at a time, so
    both see the same machine, and each run's clock counts its own turns only."""

    def __init__(self, names, turn):
        self.cond = threading.Condition()
        self.alive = list(names)
        self.current = names[0]
        self.turn = turn

    def clock(self, name):
        return TurnClock(self, name)

    def hand_over(self, name):
        with self.cond:
            others = [n for n in self.alive if n != name]
            if others:
                self.current = others[0]
                self.cond.notify_all()
                self.cond.wait_for(lambda: self.current == name)

    def leave(self, name):
        with self.cond:
            self.alive.remove(name)
            if self.current == name and self.alive:
                self.current = self.alive[0]
            self.cond.notify_all()


class TurnClock:
    """The own clock of one run of ``Turns``: seconds of its turns, minus excluded work."""

    def __init__(self, turns, name):
        self.turns, self.name, self.spent = turns, name, 0.0

    def begin(self):
        with self.turns.cond:
            self.turns.cond.wait_for(lambda: self.turns.current == self.name)
        self.mark = self.turn_start = time.perf_counter()

    def now(self):
        return self.spent + time.perf_counter() - self.mark

    def exclude(self, fn, *args):
        """``fn(*args)``, not counted (the evaluation of checkpoints)."""
        t = time.perf_counter()
        out = fn(*args)
        self.mark += time.perf_counter() - t
        return out

    def tick(self):
        """Called after every step: hand the turn over when it is over."""
        if time.perf_counter() - self.turn_start >= self.turns.turn:
            self.spent = self.now()
            self.turns.hand_over(self.name)
            self.mark = self.turn_start = time.perf_counter()


def losses(x, x0, a):
    """``a * W_p(H0, > 50) + (1 - a) * MSE`` of the full image for p = 1 and p = 2."""
    life = h0_lifetimes(x)
    mse = (1 - a) * float(np.mean((x - x0) ** 2))
    return a * float(np.sum(life)) + mse, a * float(np.sum(life ** 2)) + mse


def first_times(times, reduction):
    """The first time at which the reduction reaches each level (None: never)."""
    out = {}
    for lvl in LEVELS:
        hit = np.flatnonzero(reduction >= lvl)
        out[lvl] = float(times[hit[0]]) if hit.size else None
    return out


def sampled_reduction(loss_curve, times, window):
    """The paper's protocol (reference ``speedtest.py``, Fig. III.4): the loss each step
    computes (for STUMP the smeared loss of its sampled approximate), here as a running
    mean over ``window`` steps, relative to the mean of the first ``window`` steps."""
    curve = np.convolve(loss_curve, np.ones(window) / window, mode="valid")
    red = 1 - curve / curve[0]
    return first_times(times[window - 1:], red), float(red.max())


def alternated_runs(stump_loss, vanilla_loss, x0, a, settings, window,
                    seconds=VANILLA_SECONDS):
    """STUMP (seeds 0, 1, ... of ``REDUCTION_STEPS`` steps each, as long as vanilla runs)
    and vanilla W2 (``seconds`` of its own time) in alternated turns of 0.5 s.
    Checkpoints (true losses of the full image, every ``SNAPSHOT`` STUMP steps and every
    ``SNAPSHOT // 4`` vanilla steps) are evaluated outside the clocks."""
    turns = Turns(["stump", "vanilla"], 0.5)
    base_w1, base_w2 = losses(x0, x0, a)
    stump_runs, vanilla_out = [], {}

    def stump_thread():
        clock = turns.clock("stump")
        clock.begin()
        seed = 0
        while seed == 0 or ("vanilla" in turns.alive and seed < 30):
            start, marks, own = clock.now(), [], np.empty(REDUCTION_STEPS)

            def callback(res, own=own, start=start, marks=marks):
                own[res.n_iter - 1] = clock.now() - start
                if res.n_iter % SNAPSHOT == 0 or res.n_iter == 1:
                    marks.append((own[res.n_iter - 1], clock.exclude(losses, res.x, x0, a)))
                clock.tick()
            res = stump_minimize(stump_loss, x0, max_iter=REDUCTION_STEPS, random_state=seed,
                                 callback=callback, **settings)
            t = np.array([m[0] for m in marks])
            red = 1 - np.array([m[1][0] for m in marks]) / base_w1
            stump_runs.append(dict(own=first_times(t, red), best_own=float(red.max()),
                                   paper=sampled_reduction(res.loss_curve,
                                                           own[:res.n_iter], window),
                                   time=float(own[res.n_iter - 1])))
            seed += 1
        turns.leave("stump")

    def vanilla_thread():
        clock = turns.clock("vanilla")
        clock.begin()
        marks, own = [], []
        every = max(1, SNAPSHOT // 4)

        def callback(res):
            own.append(clock.now())
            if res.n_iter % every == 0 or res.n_iter == 1:
                marks.append((own[-1], clock.exclude(losses, res.x, x0, a)))
            clock.tick()
            return own[-1] > seconds
        res = stump_minimize(vanilla_loss, x0, max_iter=10**7, block_size=1, eps=0.0,
                             learning_rate=0.05, alpha=a, random_state=0, callback=callback)
        turns.leave("vanilla")
        t = np.array([m[0] for m in marks])
        red_w1 = 1 - np.array([m[1][0] for m in marks]) / base_w1
        red_w2 = 1 - np.array([m[1][1] for m in marks]) / base_w2
        vanilla_out.update(own=first_times(t, red_w2), best_own=float(red_w2.max()),
                           w1=first_times(t, red_w1), best_w1=float(red_w1.max()),
                           paper=sampled_reduction(res.loss_curve, np.array(own), window),
                           time=own[-1], n_iter=res.n_iter, x=res.x)

    threads = [threading.Thread(target=stump_thread), threading.Thread(target=vanilla_thread)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stump_runs, vanilla_out


def robustness(x, rng):
    """The reference code's robustness test at one noise level (see the module docstring)."""
    clean = h0_stats(np.clip(x, 0, 255))[0]
    noisy = float(np.mean([h0_stats(np.clip(x + rng.uniform(-ROBUST_EPS, ROBUST_EPS, x.shape),
                                            0, 255))[0] for _ in range(ROBUST_DRAWS)]))
    return clean, noisy, (noisy - clean) / clean if clean > 0 else np.inf


def kernel_cost(loss, approximates, repeats):
    """Median wall and CPU seconds of the loss of a STUMP step, bound once (the pairing and
    the terms of the functional, ``image_pairs`` with the norms) over ``approximates``."""
    kernel = loss._bind(2)
    walls, cpus = [], []
    for _ in range(repeats):
        for f in approximates:
            wall, cpu = time.perf_counter(), time.thread_time()
            kernel(f)
            cpus.append(time.thread_time() - cpu)
            walls.append(time.perf_counter() - wall)
    return float(np.median(walls)), float(np.median(cpus))


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


def print_levels(title, stump_levels, t_vanilla, v_time):
    """One row per level: STUMP's median time over its runs [min, max], vanilla's time,
    and their ratio (vanilla / STUMP median)."""
    print(title)
    print(f"{'level':>8s}{'STUMP median [min, max]':>28s}{'vanilla W2':>12s}"
          f"{'vanilla/STUMP':>15s}")
    fmt = lambda t: "never" if t is None else f"{t:.2f}"  # noqa: E731
    for lvl in LEVELS:
        times = [lv[lvl] for lv in stump_levels]
        tv = t_vanilla[lvl]
        if any(t is None for t in times):
            spread, ratio = f"never ({sum(t is None for t in times)} runs)", "-"
        else:
            ts = float(np.median(times))
            spread = f"{ts:.2f} [{min(times):.2f}, {max(times):.2f}]"
            ratio = f">= {v_time / ts:.1f}x" if tv is None else f"{tv / ts:.1f}x"
        print(f"{100 * lvl:7.0f}%{spread:>28s}{fmt(tv):>12s}{ratio:>15s}")


def print_reductions(stump_runs, van, window,
                     target="target: 90 % >= 10x sooner"):
    """The three loss-reduction tables of ``alternated_runs``."""
    n_runs = len(stump_runs)
    print(f"loss reduction: {n_runs} STUMP runs (seeds 0-{n_runs - 1}, {REDUCTION_STEPS} steps "
          f"each) and vanilla W2 ({van['n_iter']} steps, {van['time']:.0f} s) in alternated "
          f"turns of 0.5 s; times are each run's own turns (checkpoints not counted)")
    print()
    print_levels("time (s) to a reduction of each method's own true loss (full image; STUMP "
                 "a W1 + (1-a) MSE; vanilla a W2 + (1-a) MSE)",
                 [r["own"] for r in stump_runs], van["own"], van["time"])
    print(f"best reduction: STUMP {100 * min(r['best_own'] for r in stump_runs):.1f} % or more "
          f"in {np.median([r['time'] for r in stump_runs]):.0f} s, vanilla W2 "
          f"{100 * van['best_own']:.1f} %; {target}")
    print()
    print_levels("time (s) to a reduction of a W1 + (1-a) MSE for both (common functional)",
                 [r["own"] for r in stump_runs], van["w1"], van["time"])
    print(f"best reduction of the W1 loss: vanilla W2 {100 * van['best_w1']:.1f} %")
    print()
    print_levels(f"the paper's protocol (Fig. III.4, reference speedtest.py): time (s) to a "
                 f"reduction of the loss each step computes (STUMP: the smeared loss of its "
                 f"approximate), running mean over {window} steps",
                 [r["paper"][0] for r in stump_runs], van["paper"][0], van["time"])
    print(f"best reduction: STUMP {100 * min(r['paper'][1] for r in stump_runs):.1f} % or "
          f"more, vanilla W2 {100 * van['paper'][1]:.1f} %")


STEP_WORKER = """
import sys, time
import numpy as np
from PIL import Image
from sktopo import TopologicalLoss, stump_minimize
from sktopo.functionals import PersistenceNorm
f = -np.asarray(Image.open(sys.argv[1]))[:256, :256, 0].astype(np.float64)
x0 = (f - f.min()) / (f.max() - f.min()) * 255
loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=50), homology_dimensions=0,
                       gradient="death")
print("ready", flush=True)
for line in sys.stdin:
    mode, n = line.split()
    prefetch, n = {"auto": "auto", "off": False, "on": True}[mode], int(n)
    t, c = time.perf_counter(), time.process_time()
    stump_minimize(loss, x0, block_size=4, eps=50.0, max_iter=n, random_state=0,
                   prefetch=prefetch)
    print((time.perf_counter() - t) / n, (time.process_time() - c) / n, flush=True)
"""


def step_times(trees, modes=("auto", "off"), repeats=7, steps=3000):
    """Time per STUMP step on blobs (k=4, eps=50, W1) of each source tree (``name:path``,
    imported through PYTHONPATH by one worker process per tree) and prefetch mode,
    alternated, with the other core free and then held by a busy process; medians of wall
    and CPU time (ms), and the ratio of each to the first tree's first mode. The machine
    is shared: its "free" core is whatever the other processes leave."""
    import subprocess

    workers = {}
    for name, path in trees.items():
        workers[name] = subprocess.Popen(
            [sys.executable, "-c", STEP_WORKER, str(DATA / "blobs.png")],
            env=dict(os.environ, PYTHONPATH=path), cwd="/", stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
    for w in workers.values():
        assert w.stdout.readline().strip() == "ready"

    def run(tree, mode, n):
        workers[tree].stdin.write(f"{mode} {n}\n")
        workers[tree].stdin.flush()
        return [float(v) * 1e3 for v in workers[tree].stdout.readline().split()]

    try:
        for load in ("other core free", "other core held by a busy process"):
            busy = None
            if "busy" in load:
                busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                times = {(t, m): [] for t in trees for m in modes}
                for key in times:
                    run(*key, 100)                   # warm up
                for _ in range(repeats):
                    for key in times:
                        times[key].append(run(*key, steps))
            finally:
                if busy is not None:
                    busy.kill()
                    busy.wait()
            print(f"time per step, blobs k=4 eps=50 W1, {steps} steps, {load} "
                  f"(medians of {repeats} alternated runs)")
            base = None
            for (tree, mode), runs in times.items():
                wall, cpu = np.median(np.array(runs), axis=0)
                base = wall if base is None else base
                print(f"  {tree:>10s} prefetch={mode:5s} {wall:7.3f} ms wall {cpu:7.3f} ms "
                      f"CPU  ratio {wall / base:5.2f}", flush=True)
    finally:
        for w in workers.values():
            w.stdin.close()
            w.wait()


def main():
    if "--steps" in sys.argv[1:]:
        # python benchmarks/bench_stump.py --steps [name:path ...]: the step times only,
        # of this tree and of other checkouts (e.g. the previous release), side by side
        here = str(Path(__file__).resolve().parents[1])
        trees = {"this": here}
        for arg in sys.argv[sys.argv.index("--steps") + 1:]:
            name, path = arg.split(":", 1)
            trees[name] = path
        step_times(trees, repeats=3 if QUICK else 7, steps=300 if QUICK else 3000)
        return
    x0 = load_blobs()
    a = 1 - 1 / x0.size
    before = h0_stats(x0)
    stump_loss = TopologicalLoss(PersistenceNorm(p=1, min_persistence=50),
                                 homology_dimensions=0, gradient="death")
    vanilla_loss = TopologicalLoss(PersistenceNorm(p=2, min_persistence=50),
                                   homology_dimensions=0, gradient="death")
    settings = dict(block_size=4, measure="simplex", eps=50.0, learning_rate=0.05, alpha=a)

    # --- STUMP, paper settings ------------------------------------------------------------
    res = stump_minimize(stump_loss, x0, max_iter=STEPS, random_state=0, **settings)
    x_opt = res.x
    # the paper's fixed block grid, for comparison (block_offset=0)
    fixed = stump_minimize(stump_loss, x0, max_iter=STEPS, random_state=0, block_offset=0,
                           **settings)
    total = res.step_times[-1]
    per_step = total / STEPS
    after = h0_stats(x_opt)

    # --- the loss kernel and the rest of a step ---------------------------------------
    from sktopo.smear import block_pool, sample_block_weights

    rng = np.random.default_rng(1)
    pooled = x0.reshape(64, 4, 64, 4).mean(axis=(1, 3))
    noisy_pooled = block_pool(x_opt + rng.uniform(-50, 50, x0.shape), 4,
                              sample_block_weights(x0.shape, 4, random_state=rng))
    repeats = 15 if QUICK else 200
    # the kernel on approximates of the start, the middle and the end of the run
    approximates = [block_pool(x + rng.uniform(-50, 50, x0.shape), 4,
                               sample_block_weights(x0.shape, 4, random_state=rng))
                    for x in (x0, fixed.x, x_opt) for _ in range(10)]
    kernel_wall, kernel_cpu = kernel_cost(stump_loss, approximates, 3 if QUICK else 20)
    non_pairing = per_step - kernel_wall
    pairing = median_time(bare_gudhi_pairing(pooled), repeats)
    pairing_noisy = median_time(bare_gudhi_pairing(noisy_pooled), repeats)
    pairing_noisy_cpu = median_time(bare_gudhi_pairing(noisy_pooled), repeats,
                                    time.thread_time)
    ours = median_time(lambda: _cubical._sublevel_pairs(noisy_pooled, (0,), "full"), repeats)
    ours_cpu = median_time(lambda: _cubical._sublevel_pairs(noisy_pooled, (0,), "full"),
                           repeats, time.thread_time)

    # --- loss reduction: STUMP runs and vanilla W2, alternated --------------------------
    window = max(1, min(STEPS, 10000) // 50)
    stump_runs, van = alternated_runs(stump_loss, vanilla_loss, x0, a, settings, window)

    # --- robustness under uniform noise eps = 10 (the reference code's test) -------------
    rob_stump = robustness(x_opt, np.random.default_rng(0))
    rob_fixed = robustness(fixed.x, np.random.default_rng(0))
    rob_vanilla = robustness(van["x"], np.random.default_rng(0))

    print(f"blobs 256x256, STUMP k=4 simplex eps=50 lr=0.05 a=1-1/P W1, {STEPS} steps"
          f"{'  (--quick)' if QUICK else ''}")
    print(f"{'':34s}{'sum H0 > 50':>12s}{'bars':>6s}")
    print(f"{'before':34s}{before[0]:12.1f}{before[1]:6d}")
    print(f"{'after STUMP':34s}{after[0]:12.1f}{after[1]:6d}   (reference 345.0 / 5)")
    print(f"{'after STUMP, fixed grid (paper)':34s}{h0_stats(fixed.x)[0]:12.1f}"
          f"{h0_stats(fixed.x)[1]:6d}   (block_offset=0, {fixed.step_times[-1]:.1f} s)")
    print(f"{'after vanilla W2 (' + str(van['n_iter']) + ' steps)':34s}"
          f"{h0_stats(van['x'])[0]:12.1f}{h0_stats(van['x'])[1]:6d}")
    print()
    print(f"STUMP total time, {STEPS} steps       {total:8.2f} s  ({per_step * 1e3:.3f} ms/step)")
    print(f"  the loss kernel, called alone   {kernel_wall * 1e3:8.3f} ms wall, "
          f"{kernel_cpu * 1e3:.3f} ms CPU (median, noisy approximates; with its own buffers)")
    print(f"  the rest (step - kernel)        {non_pairing * 1e3:8.3f} ms wall "
          f"(noise, pooling, pull-back, Adam; one compiled call per step)")
    print(f"sktopo _sublevel_pairs of 64x64   {ours * 1e3:8.3f} ms wall, {ours_cpu * 1e3:.3f} ms "
          f"CPU (median, noisy approximate)")
    print(f"bare GUDHI pairing of 64x64       {pairing * 1e3:8.3f} ms (median, clean pooled)")
    print(f"bare GUDHI pairing of 64x64       {pairing_noisy * 1e3:8.3f} ms wall, "
          f"{pairing_noisy_cpu * 1e3:.3f} ms CPU (median, a noisy pooled approximate)")
    print(f"ratio step / bare GUDHI (clean)   {per_step / pairing:8.3f}   (target <= 1)")
    print(f"ratio step / bare GUDHI (noisy)   {per_step / pairing_noisy:8.3f}")
    print(f"ratio rest / bare GUDHI (noisy)   {non_pairing / pairing_noisy:8.3f}")
    print()
    print(f"robustness (reference test): optimum + uniform noise eps={ROBUST_EPS:g}, clipped to "
          f"[0, 255], {ROBUST_DRAWS} draws, mean sum H0 > 50")
    for name, (clean, noisy, rise) in [("STUMP", rob_stump), ("STUMP fixed grid", rob_fixed),
                                       ("vanilla W2", rob_vanilla)]:
        rise = f"{100 * rise:6.1f} %" if clean > 0 else "  from 0"
        print(f"  {name:17s} clean {clean:8.1f}  noisy {noisy:8.1f}  rise {rise}")
    print("  (reference code: STUMP +21 %, vanilla +70 %)")
    print()
    print_reductions(stump_runs, van, window)

    # --- the uniform noise image (Fig. III.4, right; no target) -------------------------
    noise = np.random.default_rng(0).uniform(0, 255, x0.shape)
    n_before = h0_stats(noise)
    noise_runs, noise_van = alternated_runs(stump_loss, vanilla_loss, noise, a, settings,
                                            window, seconds=NOISE_SECONDS)
    print()
    print(f"uniform noise in [0, 255], 256x256 (seed 0; Fig. III.4, right): sum H0 > 50 "
          f"{n_before[0]:.1f} ({n_before[1]} bars) at the start; vanilla W2 after "
          f"{noise_van['n_iter']} steps: {h0_stats(noise_van['x'])[0]:.1f} "
          f"({h0_stats(noise_van['x'])[1]} bars)")
    print_reductions(noise_runs, noise_van, window, target="no target (pixel-scale bars, "
                     "which 4 x 4 approximates do not see)")


if __name__ == "__main__":
    main()
