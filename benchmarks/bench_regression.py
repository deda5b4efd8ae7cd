"""Topological regularization of least squares: the protocol of Figs. 5-6 of the Topology
Layer paper, with honest cross-validation, plus solver speed and quality.

Problems (p = 100, X ~ N(0, I), y = X beta* + noise), the vectors of the paper's code:

* ``clusters {-1,0,1}`` and ``clusters {1,2,3}`` (sigma 0.05), penalties on the weights as
  points on the line (``filtration="clusters"``);
* ``sawtooth``, ``boxcar`` and ``sinusoid`` (3 peaks, sigma 0.1), penalties on the weights
  as a function on the line of feature indices (``filtration="line"``).

For each n and trial, every method picks lambda on a log grid of [1e-4, 1e1] (12 values,
``--n-alphas``) by K-fold GridSearchCV (5 folds, ``--folds``) on the training data only,
refits, and is scored by ||beta - beta*||^2 (the excess prediction MSE for X ~ N(0, I)).
OLS is the min-norm least-squares solution; L1 is scikit-learn's Lasso (alpha = lambda / 2:
the objective MSE + lambda ||b||_1), L2 its Ridge (alpha = n lambda: MSE + lambda ||b||^2);
TV, Top1 and Top2 are TopologicalRegressor with its defaults (solver="auto": FISTA on
clusters, Adam from least squares with a decaying step on the line). "Top2-paper" is Top2
solved as the paper's code does (100 Adam steps, constant lr 0.1, from OLS, no intercept),
with the same cross-validation.

Run ``python benchmarks/bench_regression.py`` (long: use ``--n-jobs 2``) or ``--quick``
(n = 75 only). ``--plot out.png`` saves the error-vs-n figure.
"""

import argparse
import os
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, Ridge
from sklearn.model_selection import GridSearchCV, KFold

from sktopo import TopologicalRegressor
from sktopo.datasets import (make_boxcar_regression, make_cluster_regression,
                             make_sawtooth_regression, make_sinusoid_regression)
from sktopo.estimators import topological_regression
from sktopo.optim import adam_update
from sktopo.penalties import make_penalty

PROBLEMS = {
    "clusters {-1,0,1}": ("clusters", lambda n, rs: make_cluster_regression(
        n, 100, values=(-1.0, 0.0, 1.0), noise=0.05, random_state=rs)),
    "clusters {1,2,3}": ("clusters", lambda n, rs: make_cluster_regression(
        n, 100, values=(1.0, 2.0, 3.0), noise=0.05, random_state=rs)),
    "sawtooth": ("line", lambda n, rs: make_sawtooth_regression(n, 100, noise=0.1,
                                                                random_state=rs)),
    "boxcar": ("line", lambda n, rs: make_boxcar_regression(n, 100, noise=0.1,
                                                            random_state=rs)),
    "sinusoid": ("line", lambda n, rs: make_sinusoid_regression(n, 100, noise=0.1,
                                                                random_state=rs)),
}
METHODS = ["OLS", "L1", "L2", "TV", "Top1", "Top2", "Top2-paper"]


def _ols(X, y):
    Xc, yc = X - X.mean(0), y - y.mean()
    return np.linalg.lstsq(Xc, yc, rcond=None)[0]        # min-norm when n < p


class PaperTop2(RegressorMixin, BaseEstimator):
    """The paper code's solver: 100 Adam steps, constant lr 0.1, from the min-norm least
    squares, on MSE + alpha * penalty (no intercept, as there)."""

    def __init__(self, penalty="top2", filtration="line", alpha=1.0):
        self.penalty = penalty
        self.filtration = filtration
        self.alpha = alpha

    def fit(self, X, y):
        pen = make_penalty(self.penalty, self.filtration)
        beta = np.linalg.lstsq(X, y, rcond=1e-4)[0]
        m, v = np.zeros_like(beta), np.zeros_like(beta)
        for t in range(1, 101):
            grad = -2.0 / len(y) * X.T @ (y - X @ beta)
            grad += self.alpha * pen.value_and_grad(beta)[1]
            adam_update(beta, grad, m, v, t, learning_rate=0.1)
        self.coef_ = beta
        return self

    def predict(self, X):
        return X @ self.coef_


def _cv_fit(X, y, estimator, grid, n_folds):
    search = GridSearchCV(estimator, grid, cv=KFold(n_folds, shuffle=True, random_state=0),
                          scoring="neg_mean_squared_error")
    search.fit(X, y)
    return search.best_estimator_.coef_, next(iter(search.best_params_.values()))


def run_one(problem, n, trial, alphas, n_folds):
    filtration, make = PROBLEMS[problem]
    X, y, coef = make(n, 1000 * n + trial)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for method in METHODS:
            if method == "OLS":
                est, alpha = _ols(X, y), None
            elif method == "L1":
                est, alpha = _cv_fit(X, y, Lasso(max_iter=20000), {"alpha": alphas / 2},
                                     n_folds)
            elif method == "L2":
                est, alpha = _cv_fit(X, y, Ridge(), {"alpha": alphas * n}, n_folds)
            elif method == "Top2-paper":
                est, alpha = _cv_fit(X, y, PaperTop2("top2", filtration),
                                     {"alpha": alphas}, n_folds)
            else:
                est, alpha = _cv_fit(X, y, TopologicalRegressor(method.lower(),
                                                                filtration=filtration),
                                     {"alpha": alphas}, n_folds)
            out[method] = (float(np.sum((est - coef) ** 2)), alpha)
    return problem, n, trial, out


def accuracy_table(ns, n_trials, alphas, n_folds, n_jobs):
    tasks = [(pb, n, t) for pb in PROBLEMS for n in ns for t in range(n_trials)]
    t0 = time.perf_counter()
    results = Parallel(n_jobs=n_jobs)(delayed(run_one)(pb, n, t, alphas, n_folds)
                                      for pb, n, t in tasks)
    elapsed = time.perf_counter() - t0
    errors = {}
    for problem, n, _, out in results:
        for method, (err, alpha) in out.items():
            errors.setdefault((problem, method, n), []).append(err)
    print(f"\n## ||beta - beta*||^2, mean (std) over {n_trials} trials; lambda by "
          f"{n_folds}-fold GridSearchCV over {len(alphas)} values in [1e-4, 1e1] "
          f"({elapsed:.0f} s)\n")
    for problem in PROBLEMS:
        print(f"### {problem}\n")
        print("| n | " + " | ".join(METHODS) + " |")
        print("|---" * (len(METHODS) + 1) + "|")
        for n in ns:
            cells = []
            for m in METHODS:
                e = np.array(errors[(problem, m, n)])
                cells.append(f"{e.mean():.3g} ({e.std():.2g})")
            print(f"| {n} | " + " | ".join(cells) + " |")
        print()
    return errors


def plot(errors, ns, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(PROBLEMS), figsize=(4.6 * len(PROBLEMS), 4.4))
    for ax, problem in zip(axes, PROBLEMS):
        for m in METHODS:
            e = np.array([errors[(problem, m, n)] for n in ns])
            mean = e.mean(axis=1)
            lo, hi = np.quantile(e, 0.1, axis=1), np.quantile(e, 0.9, axis=1)
            ax.plot(ns, mean, marker="o", ms=3, label=m)
            ax.fill_between(ns, lo, hi, alpha=0.15)
        ax.set_yscale("log")
        ax.set_title(problem)
        ax.set_xlabel("n (training samples)")
    axes[0].set_ylabel(r"$\|\hat\beta - \beta_*\|^2$")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"figure written to {path}")


def _median_time(func, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def speed_and_solver(repeat):
    print("## Solvers at lambda = 0.1 (p = 100, n = 75, one instance each)\n")
    print("F = MSE + lambda P; 'auto' is the default (FISTA on clusters, Adam from least "
          "squares with a decaying step on the line), 'paper' the paper code's 100 Adam "
          "steps at constant lr 0.1. Times are medians of alternated runs.\n")
    print("| problem | penalty | F at beta* | auto F | auto ms | FISTA F | FISTA ms | "
          "paper F | paper ms | err auto | err FISTA | err paper |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    alpha = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for problem, (filtration, make) in PROBLEMS.items():
            X, y, coef = make(75, 7)
            for penalty in ("top1", "top2"):
                pen = make_penalty(penalty, filtration)

                def objective(c, X=X, y=y, pen=pen):
                    r = y - y.mean() - (X - X.mean(0)) @ c
                    return float(np.mean(r ** 2) + alpha * pen.value(c))

                runs = {
                    "auto": lambda: topological_regression(
                        X, y, penalty, alpha=alpha, filtration=filtration).coef,
                    "fista": lambda: topological_regression(
                        X, y, penalty, alpha=alpha, filtration=filtration,
                        solver="fista").coef,
                    "paper": lambda: PaperTop2(penalty, filtration, alpha).fit(X, y).coef_,
                }
                times = {k: [] for k in runs}
                for _ in range(repeat):           # alternate the solvers
                    for k, f in runs.items():
                        times[k].append(_median_time(f, 1))
                res = {k: f() for k, f in runs.items()}
                t = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
                cells = [f"{objective(coef):.5g}"]
                cells += [f"{objective(res[k]):.5g} | {t[k]:.1f}" for k in runs]
                cells += [f"{np.sum((res[k] - coef) ** 2):.3g}" for k in runs]
                print(f"| {problem} | {penalty} | " + " | ".join(cells) + " |")

    Xc, yc, _ = make_cluster_regression(75, 100, values=(1.0, 2.0, 3.0), noise=0.05,
                                        random_state=0)
    Xs, ys, _ = make_sawtooth_regression(75, 100, random_state=0)
    fits = {"clusters": lambda: TopologicalRegressor("top2", alpha=0.1).fit(Xc, yc),
            "line": lambda: TopologicalRegressor("top2", alpha=0.1, filtration="line")
            .fit(Xs, ys)}
    wall = {k: [] for k in fits}
    cpu = {k: [] for k in fits}
    for _ in range(5 * repeat):              # alternated
        for k, f in fits.items():
            t0, c0 = time.perf_counter(), time.process_time()
            f()
            wall[k].append(time.perf_counter() - t0)
            cpu[k].append(time.process_time() - c0)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for k in fits:
        print(f"one fit, {k} Top2, p=100, n=75, alpha=0.1: {1e3 * np.median(wall[k]):.1f} ms "
              f"wall, {1e3 * np.median(cpu[k]):.1f} ms CPU (medians of {5 * repeat})")
    X, y = Xc, yc
    grid = GridSearchCV(TopologicalRegressor("top2"), {"alpha": np.logspace(-4, 1, 20)},
                        cv=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        grid.fit(X, y)
    print(f"GridSearchCV 20 lambdas x 5 folds (+ refit), clusters {{1,2,3}} Top2: "
          f"{time.perf_counter() - t0:.2f} s\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 75 only, 2 trials")
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--plot", default=None, help="save the error-vs-n figure here")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--n-alphas", type=int, default=12,
                        help="size of the log grid of lambda on [1e-4, 1e1]")
    parser.add_argument("--folds", type=int, default=5, help="folds of the CV")
    args = parser.parse_args(argv)
    alphas, n_folds = np.logspace(-4, 1, args.n_alphas), args.folds
    if args.quick:
        ns, n_trials = [75], args.trials or 2
    else:
        ns, n_trials = [25, 45, 65, 75, 85, 105, 135], args.trials or 3
    if not args.skip_speed:
        speed_and_solver(repeat=3 if args.quick else 5)
    if args.speed_only:
        return
    errors = accuracy_table(ns, n_trials, alphas, n_folds, args.n_jobs)
    if args.plot:
        plot(errors, ns, args.plot)


if __name__ == "__main__":
    main()
