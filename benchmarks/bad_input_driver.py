"""Throw bad inputs at every public function, each case in a forked child process.

Run from the repository root: ``python benchmarks/bad_input_driver.py [-v] [filter]``.
Every case ends in one of: ``ok`` (a finite result), ``clean`` (ValueError, TypeError or
MemoryError raised by sktopo), ``nan`` (a NaN in the result), ``dep`` (an exception raised
inside a dependency), ``other`` (another exception type), ``crash`` (the child died on a
signal), ``hang`` (over the time limit).
"""

import os
import pickle
import resource
import signal
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.getcwd())   # the working tree, not an installed sktopo

TIMEOUT = 60
MEMORY = 3 * 2 ** 30


def _has_nan(obj, depth=0):
    if depth > 4:
        return False
    if isinstance(obj, float):
        return obj != obj
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind == "f" and bool(np.isnan(obj).any())
    if isinstance(obj, dict):
        return any(_has_nan(v, depth + 1) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_has_nan(v, depth + 1) for v in obj[:1000])
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return any(_has_nan(v, depth + 1) for k, v in vars(obj).items()
                   if not k.startswith("_"))
    return False


def _child(code, wfd):
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    ns = {}
    try:
        exec(SETUP, ns)
        exec(code, ns)
        out = ns.get("out")
        res = ("nan", "") if _has_nan(out) else ("ok", "")
    except BaseException as exc:  # noqa: BLE001 - classify everything
        tb = traceback.extract_tb(exc.__traceback__)
        where = tb[-1].filename if tb else ""
        msg = f"{type(exc).__module__}.{type(exc).__name__}: {exc}"[:300]
        inside = "/sktopo/" in where
        if isinstance(exc, (ValueError, TypeError, MemoryError)) and inside:
            res = ("clean", msg)
        elif not inside:
            res = ("dep", msg + f"  [at {where}:{tb[-1].lineno if tb else 0}]")
        else:
            res = ("other", msg + f"  [at {where}:{tb[-1].lineno}]")
    os.write(wfd, pickle.dumps(res))
    os._exit(0)


def run(code):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            _child(code, w)
        finally:
            os._exit(3)
    os.close(w)
    start = time.time()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.time() - start > TIMEOUT:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(r)
            return "hang", f"> {TIMEOUT} s"
        time.sleep(0.01)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    if os.WIFSIGNALED(status):
        return "crash", f"signal {os.WTERMSIG(status)}"
    if not data:
        return "crash", f"exit {os.WEXITSTATUS(status)}"
    return pickle.loads(data)


SETUP = """
import numpy as np, scipy.sparse as sp, warnings
warnings.simplefilter("ignore")
from sktopo import *
from sktopo.persistence import *
from sktopo.functionals import *
from sktopo.penalties import *
from sktopo.datasets import *
from sktopo.estimators import *
rng = np.random.default_rng(0)
dgm = Diagram(np.array([0., 1., 2.]), np.array([np.inf, 3., 2.5]), np.array([0, 1, 2]), np.array([-1, 3, 4]))
"""

ARRAYS = {
    "nan": "np.array([[0., np.nan], [1., 2.], [3., 1.]])",
    "inf": "np.array([[0., np.inf], [1., 2.], [3., 1.]])",
    "tiny": "rng.normal(size=(7, 2)) * 1e-300",
    "tiny150": "rng.normal(size=(7, 3)) * 1e-150",
    "tiny170": "rng.normal(size=(7, 2)) * 1e-170",
    "huge": "rng.normal(size=(7, 2)) * 1e300",
    "huge150": "rng.normal(size=(7, 3)) * 1e150",
    "huge100": "rng.normal(size=(7, 2)) * 1e100",
    "huge60": "rng.normal(size=(7, 3)) * 1e60",
    "mixed": "np.array([[0., 0.], [1e200, 1e200], [-1e200, 3e199]])",
    "offset": "rng.normal(size=(8, 2)) + 1e12",
    "empty": "np.empty((0,))",
    "empty2": "np.empty((0, 2))",
    "zero_d": "np.array(1.0)",
    "single": "np.array([[1., 2.]])",
    "str": "'abc'",
    "strarr": "np.array([['a', 'b'], ['c', 'd']])",
    "obj": "np.array([[1, None], [2, 3]], dtype=object)",
    "complex": "np.ones((3, 2)) * 1j",
    "bool": "np.ones((4, 2), dtype=bool)",
    "int": "np.arange(8).reshape(4, 2)",
    "f16": "np.ones((4, 2), dtype=np.float16)",
    "ragged": "[[1, 2], [3]]",
    "none": "None",
    "sparse": "sp.random(6, 6, density=0.5, random_state=0, format='csr')",
    "d4": "np.zeros((2, 2, 2, 2))",
    "d5": "rng.normal(size=(5, 5))",
    "wide": "rng.normal(size=(3, 12))",
    "const": "np.ones((6, 2))",
    "dups": "np.array([[0., 0.], [0., 0.], [1., 1.], [1., 1.]])",
    "collinear": "np.array([[0, 0], [1, 0], [0.5, 3e-11], [0.5 + 1e-12, -3e-11], [0.5 + 2e-12, 3e-11]])",
    "cluster": "np.vstack([rng.normal(size=(20, 2)) * 1e-5, [[1e6, 0]]])",
    "cocirc": "np.array([[1, 0], [1, 1], [1, 2], [2, 3], [3, 0], [3, 3]], float)",
    "grid3": "np.indices((3, 3, 3)).reshape(3, -1).T.astype(float)",
    "line1d": "rng.normal(size=9) * 1e150",
    "neg0": "np.array([[-0.0, 0.0], [0.0, -0.0], [1., 1.]])",
    "denorm": "np.array([[0., 0.], [5e-324, 0.], [0., 5e-324], [1e-320, 1e-320]])",
    "big_rips_h1": "rng.normal(size=(100000, 3))",
    "big_5d": "rng.normal(size=(400000, 5))",
    "maxfloat": "np.array([[0., 0.], [1.7e308, 0.], [0., -1.7e308]])",
}

IMAGES = {
    "nan": "np.array([[0., np.nan], [1., 2.]])",
    "inf": "np.array([[0., np.inf], [1., 2.]])",
    "neginf": "np.array([[0., -np.inf], [1., 2.]])",
    "huge": "rng.normal(size=(6, 6)) * 1e308",
    "tiny": "rng.normal(size=(6, 6)) * 1e-320",
    "empty": "np.empty((0, 3))",
    "empty1": "np.empty(0)",
    "zero_d": "np.array(1.0)",
    "str": "'abc'",
    "obj": "np.array([[1, None], [2, 3]], dtype=object)",
    "sparse": "sp.random(6, 6, density=0.5, random_state=0, format='csr')",
    "coo": "sp.random(6, 6, density=0.5, random_state=0, format='coo')",
    "d4": "np.zeros((2, 2, 2, 2))",
    "bool": "np.ones((4, 4), dtype=bool)",
    "int8": "np.arange(16, dtype=np.int8).reshape(4, 4)",
    "uint64": "np.array([[0, 2**63], [2**64-1, 5]], dtype=np.uint64)",
    "complex": "np.ones((3, 3)) * 1j",
    "list": "[[0, 1], [2, 3]]",
    "ragged": "[[1, 2], [3]]",
    "single": "np.array([[5.]])",
    "const": "np.ones((5, 5))",
    "huge_vol": "np.broadcast_to(np.float64(0), (3000, 3000, 3000))",
    "huge_img": "np.broadcast_to(np.float64(0), (100000, 100000))",
    "f32": "rng.normal(size=(5, 5)).astype(np.float32)",
    "noncontig": "rng.normal(size=(8, 8))[::2, ::-1]",
}


def cases():
    out = []
    # point clouds
    for k, a in ARRAYS.items():
        for f, dims in (("rips_persistence", "0"), ("rips_persistence", "(0, 1)"),
                        ("weak_alpha_persistence", "0"), ("weak_alpha_persistence", "(0, 1)")):
            if k.startswith("big") and f.startswith("weak") :
                continue
            if k == "big_5d" and dims != "0":
                continue
            out.append((f"{f}[{k}, {dims}]", f"out = {f}({a}, {dims})"))
        if not k.startswith("big"):
            for filt in ("rips", "weak_alpha"):
                out.append((f"loss_{filt}[{k}]", f"out = TopologicalLoss(PersistenceNorm(), "
                            f"filtration='{filt}', homology_dimensions=(0, 1))"
                            f".value_and_grad({a})"))
    for p in ("-1", "np.nan", "'x'", "None", "[1]", "1e400", "0", "True", "-0.0"):
        out.append((f"rips max_edge_length={p}",
                    f"out = rips_persistence(rng.normal(size=(6, 2)), max_edge_length={p})"))
    for d in ("-1", "99", "'0'", "1.5", "[]", "[0, 0]", "np.int64(1)", "None", "(0, 'a')",
              "True", "{0: 1}"):
        out.append((f"rips dims={d}", f"out = rips_persistence(rng.normal(size=(6, 2)), {d})"))
        out.append((f"alpha dims={d}",
                    f"out = weak_alpha_persistence(rng.normal(size=(6, 2)), {d})"))
        out.append((f"cubical dims={d}", f"out = cubical_persistence(rng.normal(size=(5, 5)), {d})"))
    out.append(("alpha 4d", "out = weak_alpha_persistence(rng.normal(size=(6, 4)))"))
    out.append(("alpha 3d dims3", "out = weak_alpha_persistence(rng.normal(size=(30, 3)), (0,1,2,3))"))
    out.append(("rips H2 1000", "out = rips_persistence(rng.normal(size=(1000, 3)), (0, 1, 2))"))
    out.append(("rips H1 3000", "out = rips_persistence(rng.normal(size=(3000, 2)), (0, 1))"))
    out.append(("rips H0 1e4 default", "out = rips_persistence(rng.normal(size=(10000, 2)))"))
    out.append(("rips H0 1e4 5d", "out = rips_persistence(rng.normal(size=(10000, 5)), 0)"))
    out.append(("rips H8 60", "out = rips_persistence(rng.normal(size=(60, 3)), 8)"))
    out.append(("alpha perm", """
P = np.array([[1, 0], [1, 1], [1, 2], [2, 3], [3, 0], [3, 3]], float)
a = [len(weak_alpha_persistence(P[p], 1)[1]) for p in [list(range(6)), [5, 3, 1, 0, 2, 4], [2, 0, 4, 5, 1, 3]]]
assert len(set(a)) == 1, a
out = a"""))
    # images
    for k, a in IMAGES.items():
        out.append((f"cubical[{k}]", f"out = cubical_persistence({a})"))
        out.append((f"loss_cubical[{k}]", f"out = TopologicalLoss(PersistenceNorm(), "
                    f"homology_dimensions=0).value_and_grad({a})"))
    for c in ("'x'", "3", "0", "None", "True", "2.0"):
        out.append((f"cubical connectivity={c}",
                    f"out = cubical_persistence(rng.normal(size=(5, 5)), connectivity={c})"))
    for s in ("'x'", "None", "2", "np.bool_(True)"):
        out.append((f"cubical superlevel={s}",
                    f"out = cubical_persistence(rng.normal(size=(5, 5)), superlevel={s})"))
    # lower star
    tri = "[[0, 1, 2], [1, 2, 3]]"
    for k, a in {"nan": "np.array([0., np.nan, 1., 2.])", "huge": "np.array([1e308, -1e308, 0, 1])",
                 "2d": "np.zeros((2, 2))", "empty": "np.empty(0)", "str": "'abcd'",
                 "sparse": "sp.csr_matrix(np.ones((1, 4)))", "zero_d": "np.array(1.)"}.items():
        out.append((f"lower_star values[{k}]", f"out = lower_star_persistence({a}, {tri})"))
    for k, s in {"neg": "[[0, -1]]", "big": "[[0, 9]]", "float": "[[0., 1.]]", "ragged": "[[0, 1], [1, 2, 3], [3]]",
                 "str": "'ab'", "none": "None", "obj": "[[0, 'a']]", "empty": "[]",
                 "huge_simplex": "[list(range(4))] + [list(range(40))]", "nested": "[[[0, 1]]]",
                 "int": "5", "dup": "[[0, 0, 1]]"}.items():
        n = 40 if k == "huge_simplex" else 4
        out.append((f"lower_star simplices[{k}]",
                    f"out = lower_star_persistence(np.arange({n}, dtype=float), {s})"))
    # functionals
    for p in ("0", "-1", "np.nan", "np.inf", "'a'", "None", "1e300", "True"):
        out.append((f"PersistenceNorm p={p}", f"out = PersistenceNorm(p={p}).value_and_grad(dgm)"))
        out.append((f"PolynomialEnergy p={p}", f"out = PolynomialEnergy(p={p}).value_and_grad(dgm)"))
        out.append((f"PolynomialEnergy q={p}", f"out = PolynomialEnergy(q={p}).value_and_grad(dgm)"))
        out.append((f"PolynomialEnergy i0={p}", f"out = PolynomialEnergy(i0={p}).value_and_grad(dgm)"))
        out.append((f"BettiTarget k={p}", f"out = BettiTarget(k={p}).value_and_grad(dgm)"))
        out.append((f"BettiTarget p={p}", f"out = BettiTarget(p={p}).value_and_grad(dgm)"))
        out.append((f"BettiTarget minp={p}", f"out = BettiTarget(min_persistence={p}).value_and_grad(dgm)"))
        out.append((f"DiagramDistance p={p}", f"out = DiagramDistance(dgm, p={p}).value_and_grad(dgm)"))
        out.append((f"DiagramDistance internal_p={p}",
                    f"out = DiagramDistance(dgm, internal_p={p}).value_and_grad(dgm)"))
        out.append((f"PersistenceNorm min={p}",
                    f"out = PersistenceNorm(min_persistence={p}).value_and_grad(dgm)"))
        out.append((f"PersistenceNorm max={p}",
                    f"out = PersistenceNorm(max_persistence={p}).value_and_grad(dgm)"))
    for br in ("(np.nan, 1)", "(2, 1)", "'ab'", "(1,)", "(0, np.inf)", "(-np.inf, np.inf)",
               "('a', 'b')", "5", "(None, 1)", "[0, 1]", "np.array([0, 1])"):
        out.append((f"PersistenceNorm birth_range={br}",
                    f"out = PersistenceNorm(birth_range={br}).value_and_grad(dgm)"))
    out.append(("PersistenceNorm min>max", "out = PersistenceNorm(min_persistence=1, "
                "max_persistence=0.5).value_and_grad(dgm)"))
    neg = ("Diagram(np.array([-3., -2., -1.]), np.array([-1., -0.5, 1.]), np.array([0, 1, 2]), "
           "np.array([3, 4, 5]))")
    for q in ("0.5", "-1", "-0.5", "2", "1.5", "-2"):
        out.append((f"PolynomialEnergy q={q} neg mid", f"out = PolynomialEnergy(q={q}).value_and_grad({neg})"))
    for t in ("np.array([[0, np.nan]])", "np.array([[0, 1]])", "'x'", "None", "[[1, 0.5]]",
              "np.array([[0, np.inf], [1, 2]])", "np.empty((0, 2))", "np.zeros((2, 3))", "dgm",
              "np.array([[0, 1e308], [1e308, -1e308]])", "sp.csr_matrix(np.ones((2, 2)))"):
        out.append((f"DiagramDistance target={t}", f"out = DiagramDistance({t}).value_and_grad(dgm)"))
    bad_dgms = {
        "nan": "Diagram(np.array([0., np.nan]), np.array([1., 2.]), np.array([0, 1]), np.array([2, 3]))",
        "empty": "Diagram(np.empty(0), np.empty(0), np.empty(0, int), np.empty(0, int))",
        "huge": "Diagram(np.array([-1e308, 0.]), np.array([1e308, 2.]), np.array([0, 1]), np.array([2, 3]))",
    }
    for k, d in bad_dgms.items():
        for f in ("PersistenceNorm()", "PolynomialEnergy(q=1)", "BettiTarget(min_persistence=1)",
                  "DiagramDistance(dgm)", "PersistenceNorm(p=2)"):
            out.append((f"{f} on dgm[{k}]", f"out = {f}.value_and_grad({d})"))
    # loss
    for k, v in {"zero_d": "np.array(1.0)", "scalar": "3.0", "list": "[1., 2., 0.]",
                 "nan": "np.array([1, np.nan])", "sparse": "sp.csr_matrix(np.ones((3, 3)))"}.items():
        out.append((f"loss vg[{k}]", f"out = TopologicalLoss(PersistenceNorm(), homology_dimensions=0)"
                    f".value_and_grad({v}); assert np.shape(out[1]) == np.shape({v}) or True"))
    out.append(("loss vg 0d shape", "v, g = TopologicalLoss(PersistenceNorm(), homology_dimensions=0)"
                ".value_and_grad(np.array(1.0)); assert g.shape == (), g.shape; out = g"))
    for kw in ("filtration='x'", "gradient='x'", "functional=3", "homology_dimensions=5",
               "superlevel='x'", "connectivity='x'", "max_edge_length=-1", "filtration='lower_star'",
               "functional={0: 3}", "functional={'a': PersistenceNorm()}", "filtration='rips', superlevel=True",
               "simplices='x', filtration='lower_star'"):
        base = "PersistenceNorm()" if "functional" not in kw else ""
        args = f"{base}, {kw}" if base else kw
        out.append((f"loss {kw}", f"out = TopologicalLoss({args}).value_and_grad(rng.normal(size=(5, 2)))"))
    # penalties
    for pen in ("L1Penalty()", "L2Penalty()", "TVPenalty()", "TV2Penalty()",
                "TopologicalPenalty()", "TopologicalPenalty(filtration='line')",
                "TopologicalPenalty(i0=1, q=1)"):
        for k, v in {"nan": "np.array([1., np.nan, 2.])", "huge": "np.array([1e308, -1e308, 0.])",
                     "empty": "np.empty(0)", "2d": "np.ones((3, 3))", "str": "'abc'",
                     "zero_d": "np.array(1.)", "sparse": "sp.csr_matrix(np.ones((1, 3)))"}.items():
            out.append((f"{pen}.value_and_grad[{k}]", f"out = {pen}.value_and_grad({v})"))
            out.append((f"{pen}.prox[{k}]", f"out = {pen}.prox({v}, 0.1)"))
        for s in ("-1", "np.nan", "np.inf", "'a'"):
            out.append((f"{pen}.prox step={s}", f"out = {pen}.prox(np.array([1., 2., 0.]), {s})"))
    for kw in ("i0=0", "i0=-1", "p=-1", "q=np.nan", "filtration='x'", "shape=(2, 2)", "i0='a'",
               "p=np.inf", "shape=(-1, 3)", "q=-1"):
        out.append((f"TopologicalPenalty({kw})",
                    f"out = TopologicalPenalty({kw}).value_and_grad(np.array([1., 2., 0., 3.]))"))
    for f in ("soft_threshold", "prox_tv1d"):
        for v, t in (("np.array([1., np.nan])", "0.1"), ("np.array([1., 2.])", "-1"),
                     ("np.array([1., 2.])", "np.nan"), ("'ab'", "0.1"), ("np.empty(0)", "0.1"),
                     ("np.ones((2, 2))", "0.1"), ("np.array([1e308, -1e308])", "1e308")):
            out.append((f"{f}({v}, {t})", f"out = {f}({v}, {t})"))
    for v, t in (("np.ones((3, 3))", "-1"), ("np.ones(3)", "0.1"), ("np.full((3, 3), np.nan)", "0.1"),
                 ("np.empty((0, 3))", "0.1")):
        out.append((f"prox_tv2({v}, {t})", f"out = prox_tv2({v}, {t})"))
    for v in ("np.array([1., np.nan])", "'ab'", "np.empty(0)", "np.ones((2, 2))", "np.array(1.)",
              "np.array([1e308, -1e308])"):
        out.append((f"cluster_diagram({v})", f"out = cluster_diagram({v})"))
        out.append((f"line_diagram({v})", f"out = line_diagram({v})"))
    for kw in ("'x'", "'top2', filtration='x'", "'tv2', coef_shape=(3,)", "3", "'top1', coef_shape=(-1, 2)"):
        out.append((f"make_penalty({kw})", f"out = make_penalty({kw})"))
    ref = "rng.normal(size=(6, 2))"
    for k, v in {"nan": "np.full((6, 2), np.nan)", "shape": "np.ones((5, 2))", "str": "'a'",
                 "huge": "rng.normal(size=(6, 2)) * 1e300"}.items():
        out.append((f"GroupingPenalty ref[{k}]", f"out = GroupingPenalty({v}).value_and_grad({ref})"))
        out.append((f"GroupingPenalty X[{k}]", f"out = GroupingPenalty({ref}).value_and_grad({v})"))
        out.append((f"distance_distortion[{k}]", f"out = distance_distortion({ref}, {v})"))
    for kw in ("scale=0", "scale=-1", "scale=np.nan", "kernel='x'", "scale='a'"):
        out.append((f"GroupingPenalty({kw})", f"out = GroupingPenalty({ref}, {kw}).value_and_grad({ref})"))
    for kw in ("groups='x'", "groups=np.arange(3)", "max_distance=-1", "max_distance=np.nan"):
        out.append((f"distance_distortion({kw})", f"out = distance_distortion({ref}, {ref}, {kw})"))
    # datasets
    ds = {"make_blobs_image": ["shape=(0, 5)", "shape=(-1, 5)", "shape=(5,)", "shape='a'", "n_blobs=-1",
                               "n_blobs=0", "radius=-1", "radius=np.nan", "noise=np.inf", "noise=-1",
                               "random_state=-1", "random_state='a'", "shape=(100000, 100000)",
                               "shape=(5.5, 5)", "n_blobs=1.5"],
          "make_horseshoe": ["n_samples=0", "n_samples=-1", "n_samples=1.5", "radius=np.nan", "width=-1",
                             "opening_degrees=400", "opening_degrees=np.nan", "random_state=-1",
                             "n_samples=10**12", "width=np.inf"],
          "make_two_clusters": ["n_samples=0", "n_samples=1", "radius=-1", "separation=np.nan",
                                "random_state=1.5", "n_samples=10**12", "n_samples='a'"],
          "make_cluster_regression": ["n_samples=0", "n_features=0", "values=()", "values='a'",
                                      "values=(np.nan,)", "noise=-1", "n_features=10**7, n_samples=10**6"],
          "make_sawtooth_regression": ["n_teeth=0", "n_teeth=1000", "n_features=1", "noise=np.nan",
                                       "n_teeth=-1"],
          "make_boxcar_regression": ["n_boxes=0", "n_boxes=1000", "n_features=0", "noise=np.inf"],
          "make_ring_regression": ["size=0", "size=-1", "size=3", "n_samples=0", "noise=np.nan",
                                   "size=10**6"],
          "sawtooth_coef": ["n_features=0", "n_teeth=0", "n_teeth=10**6", "n_features='a'"],
          "boxcar_coef": ["n_features=0", "n_boxes=0", "n_boxes=10**6"],
          "ring_coef": ["size=0", "size=-3", "size=1.5", "size=10**6"],
          "load_stump_image": ["'nope'", "3", "None", "'../../etc/passwd'"]}
    for f, kws in ds.items():
        for kw in kws:
            out.append((f"{f}({kw})", f"out = {f}({kw})"))
    # estimators
    X = "rng.normal(size=(20, 5))"
    y = "rng.normal(size=20)"
    for kw in ("coef_shape=(2, 2)", "coef_shape=(5,)", "coef_shape=(-1, 5)", "alpha=-1",
               "alpha=np.nan", "penalty='x'", "filtration='x'", "max_iter=0", "tol=np.nan",
               "solver='x'", "learning_rate=0", "penalty='tv2'", "penalty='tv2', coef_shape=(1, 5)",
               "coef_shape='a'"):
        out.append((f"TopologicalRegressor({kw})",
                    f"out = TopologicalRegressor({kw}, max_iter=5).fit({X}, {y}).coef_"
                    if "max_iter" not in kw else f"out = TopologicalRegressor({kw}).fit({X}, {y}).coef_"))
    for k, v in {"nan": "np.full((20, 5), np.nan)", "huge": f"{X} * 1e300", "tiny": f"{X} * 1e-300",
                 "1d": "np.ones(20)", "empty": "np.empty((0, 5))", "sparse": "sp.random(20, 5, format='csr')",
                 "str": "np.full((20, 5), 'a')"}.items():
        out.append((f"TopologicalRegressor X[{k}]",
                    f"out = TopologicalRegressor(max_iter=5).fit({v}, {y}).coef_"))
        out.append((f"TopologicalClassifier X[{k}]",
                    f"out = TopologicalClassifier(max_iter=5).fit({v}, np.arange(20) % 2).coef_"))
    for yy in ("np.full(20, np.nan)", "np.ones(20) * 1e300", "np.ones(3)", "np.zeros(20)"):
        out.append((f"TopologicalRegressor y={yy}", f"out = TopologicalRegressor(max_iter=5).fit({X}, {yy}).coef_"))
        out.append((f"TopologicalClassifier y={yy}", f"out = TopologicalClassifier(max_iter=5).fit({X}, {yy}).coef_"))
    img = "rng.normal(size=(2, 64))"
    for kw in ("betti={1: 1}", "betti=-1", "threshold=-1", "threshold=np.nan", "goal='x'",
               "image_shape=(9, 9)", "image_shape=(-8, -8)", "homology_dimensions=2",
               "block_size=0", "block_size=100", "eps=-1", "p=0", "fidelity='x'", "target='x'",
               "target=np.array([[0, np.nan]])", "bounds=(1, 0)", "bounds=(np.nan, 1)", "max_iter=0",
               "learning_rate=-1", "betti={0: 1, 1: 1}", "homology_dimensions=(0, 1), betti={2: 1}"):
        out.append((f"TopoImageSimplifier({kw})",
                    f"out = TopoImageSimplifier({kw}, image_shape=(8, 8), max_iter=3).fit_transform({img})"
                    if "image_shape" not in kw and "max_iter" not in kw else
                    f"out = TopoImageSimplifier({kw}).fit_transform({img})"))
    for k, v in {"nan": "np.full((2, 64), np.nan)", "huge": f"{img} * 1e300", "tiny": f"{img} * 1e-300",
                 "empty": "np.empty((0, 64))", "sparse": "sp.random(2, 64, format='csr')"}.items():
        out.append((f"TopoImageSimplifier X[{k}]",
                    f"out = TopoImageSimplifier(image_shape=(8, 8), max_iter=3).fit_transform({v})"))
    for k, a in ARRAYS.items():
        if k.startswith("big"):
            continue
        out.append((f"PointCloudTopoOptimizer X[{k}]",
                    f"out = PointCloudTopoOptimizer(max_iter=3).fit_transform({a})"))
    cloud = "rng.normal(size=(12, 2))"
    for kw in ("target=[[0, np.nan]]", "objective='target', target=[[0, np.nan]]",
               "objective='target', target=[[0, 1]]", "objective='target'", "objective='x'",
               "p=0", "q=-1", "q=0.5", "i0=0", "homology_dimensions=5", "filtration='x'",
               "subsample=0", "subsample=1.5", "eps=np.nan", "grouping=-1", "grouping=1",
               "fidelity_weight=1", "max_edge_length=0", "objective='norm', min_persistence=1, max_persistence=0.5",
               "objective='target', target={3: [[0, 1]]}", "homology_dimensions=(0, 1), filtration='rips'",
               "learning_rate=1e300", "objective='energy', q=-1, maximize=True"):
        out.append((f"PointCloudTopoOptimizer({kw})",
                    f"out = PointCloudTopoOptimizer({kw}, max_iter=3).fit_transform({cloud})"))
    return out


def main(argv):
    verbose = "-v" in argv
    pattern = [a for a in argv if not a.startswith("-")]
    counts = {}
    for name, code in cases():
        if pattern and not any(p in name for p in pattern):
            continue
        kind, msg = run(code)
        counts[kind] = counts.get(kind, 0) + 1
        if kind not in ("ok", "clean") or verbose:
            print(f"{kind:6s} {name}: {msg}", flush=True)
    print(counts)


if __name__ == "__main__":
    main(sys.argv[1:])
