"""Command line of sktopo.

``python -m sktopo demo``: the README's main job (a gradient step on a synthetic image,
then STUMP against vanilla backpropagation on the STUMP paper's blobs image).
``python -m sktopo diagram IN``: print (and optionally plot) the persistence diagram of an
image. ``python -m sktopo simplify IN -o OUT``: change an image so that its diagrams meet a
goal (:func:`sktopo.estimators.simplify_image`). Bad arguments or unreadable files give
exit code 2 and a one-line message, never a traceback; a closed output pipe (``| head``)
ends the command quietly.
"""

import argparse
import contextlib
import os
import sys
import time
import warnings

__all__ = ["main"]

_PROG = "python -m sktopo"
# the help is plain text (the module docstring is reStructuredText for the docs)
_DESCRIPTION = """\
Topological optimization of images from the command line: print or plot the
persistence diagram of an image, change an image so that its diagrams meet a
goal, or run the demo.

Bad arguments or unreadable files give exit code 2 and a one-line message.
Run 'python -m sktopo COMMAND --help' for the options of a command."""
_SIMPLIFY_DESCRIPTION = """\
Change an image so that its persistence diagrams meet a goal (the function
sktopo.estimators.simplify_image) and write it.

The output keeps the input's bit depth: an 8-bit PNG gives an 8-bit PNG, a
16-bit PNG a 16-bit PNG (values outside the range are clipped, with a warning;
--keep-range avoids it, .npy and .tif outputs keep every value). A color image
is simplified through its luminance 0.299 R + 0.587 G + 0.114 B, written as a
grayscale image; --channel N simplifies one channel. For a PNG output the image
is simplified as the integers that the PNG holds (a luminance is rounded first),
so that what is written keeps the exact solver's promises. Progress goes to
stderr (-q turns it off)."""
_DIAGRAM_DESCRIPTION = """\
Print the persistence diagram of an image as tab-separated lines (dimension,
birth, death, lifetime, birth pixel, death pixel), the longest bars first, and
optionally draw it into a PNG. A color image is read through its luminance
unless --channel is given."""


def _demo(args):
    if args.stump_steps < 0:
        raise ValueError(f"--stump-steps must be >= 0, got {args.stump_steps}.")
    if args.vanilla_seconds is not None and args.vanilla_seconds <= 0:
        raise ValueError(f"--vanilla-seconds must be > 0, got {args.vanilla_seconds}.")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from . import TopologicalLoss
    from .datasets import make_blobs_image
    from .functionals import PersistenceNorm
    from .persistence import cubical_persistence
    from .plotting import plot_diagram

    os.makedirs(args.output, exist_ok=True)
    image = make_blobs_image((args.size, args.size), n_blobs=6, random_state=args.seed)
    # lower the death pixels of the noise bars: a topological denoising step
    loss = TopologicalLoss(PersistenceNorm(p=2, max_persistence=args.threshold),
                           homology_dimensions=(0, 1))
    value, grad = loss.value_and_grad(image)
    after = image - args.step * grad
    new_value = loss(after)
    before_dgms = cubical_persistence(image)
    after_dgms = cubical_persistence(after)

    paths = {}
    for name, img in (("before", image), ("after", after)):
        fig, ax = plt.subplots(figsize=(4, 4))
        ax.imshow(img, cmap="gray")
        ax.set_axis_off()
        paths[name] = os.path.join(args.output, f"image_{name}.png")
        fig.savefig(paths[name], dpi=100, bbox_inches="tight")
        plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    plot_diagram(before_dgms, axes[0], title="before")
    plot_diagram(after_dgms, axes[1], title="after one gradient step")
    paths["diagram"] = os.path.join(args.output, "diagram.png")
    fig.savefig(paths["diagram"], dpi=100, bbox_inches="tight")
    plt.close(fig)

    n_short = [int(np.sum(d.lifetimes <= args.threshold)) for d in before_dgms.values()]
    n_short_after = [int(np.sum(d.lifetimes <= args.threshold)) for d in after_dgms.values()]
    print(f"image {args.size}x{args.size}: loss {value:.4f} -> {new_value:.4f} after one "
          f"exact-gradient step; short bars (H0, H1) {n_short} -> {n_short_after}")
    if args.stump_steps > 0:
        paths["stump_vs_vanilla"] = _stump_demo(args, plt)
    for name, path in paths.items():
        print(f"wrote {name}: {os.path.abspath(path)}")
    return 0


def _race(loss, x0, a, seed, steps=None, seconds=None, n_snapshots=60, **settings):
    """``stump_minimize`` for ``steps`` steps or for ``seconds`` of wall time; returns the
    result and about ``n_snapshots`` ``(time, iterate)`` pairs, evenly spaced in steps or
    in time (their copies are not counted in the times)."""
    from .optim import stump_minimize

    snaps = [(0.0, x0.copy())]
    spent = [0.0]       # seconds spent copying snapshots, taken out of the times

    def callback(res):
        t = res.step_times[-1] - spent[0]
        if (res.n_iter % max(1, steps // n_snapshots) == 0 or res.n_iter == steps
                if seconds is None else t - snaps[-1][0] >= seconds / n_snapshots):
            start = time.perf_counter()
            snaps.append((t, res.x.copy()))
            spent[0] += time.perf_counter() - start
        return seconds is not None and t > seconds

    res = stump_minimize(loss, x0, alpha=a, learning_rate=0.05,
                         # a time budget: the callback stops the run long before
                         max_iter=10**7 if steps is None else steps,
                         random_state=seed, callback=callback, **settings)
    end = res.step_times[-1] - spent[0] if len(res.step_times) else 0.0
    if end > snaps[-1][0]:      # the last iterate, at the end of the run (or budget)
        snaps.append((end, res.x.copy()))
    return res, snaps


def _stump_demo(args, plt):
    """The STUMP paper's blobs experiment (Sec. III, Fig. III.1 and III.4): STUMP (4 x 4
    simplex pooling, noise eps = 50, W1) against vanilla backpropagation (W2), the loss
    ``a * W1(H0 bars > 50) + (1 - a) * MSE`` of the full image against wall time."""
    import numpy as np

    from . import TopologicalLoss
    from .datasets import load_stump_image
    from .functionals import PersistenceNorm
    from .persistence import cubical_persistence
    from .smear import BlockPooling

    x0 = load_stump_image("blobs")
    a = 1 - 1 / x0.size
    norm = PersistenceNorm(p=1, min_persistence=50)

    def bars(x):
        dgm = cubical_persistence(x, 0)[0]
        return norm(dgm), int(norm.region(dgm).sum())

    def reduction(snaps):
        base = a * bars(x0)[0]
        t = np.array([s[0] for s in snaps])
        red = [100 * (1 - (a * bars(x)[0] + (1 - a) * np.mean((x - x0) ** 2)) / base)
               for _, x in snaps]
        return t, np.array(red)

    def loss(p):
        return TopologicalLoss(PersistenceNorm(p=p, min_persistence=50),
                               homology_dimensions=0, gradient="death")

    print(f"blobs 256x256: STUMP, {args.stump_steps} steps ...", flush=True)
    stump, stump_snaps = _race(loss(1), x0, a, args.seed, steps=args.stump_steps,
                               smear=BlockPooling(4, "simplex", eps=50.0))
    curves = {"STUMP (k=4, eps=50, W1)": reduction(stump_snaps)}
    seconds = args.vanilla_seconds
    if seconds is None:
        # vanilla gets 10.5 times STUMP's time to 90 % (20 to 45 s): if it has not reached
        # 90 % by then, STUMP was more than 10.5x sooner (it ends close to 90 %)
        t, red = curves["STUMP (k=4, eps=50, W1)"]
        hit = np.flatnonzero(red >= 90)
        seconds = 30.0 if not hit.size else min(45.0, max(20.0, 10.5 * t[hit[0]]))
    print(f"blobs 256x256: vanilla W2, {seconds:.1f} s ...", flush=True)
    vanilla, vanilla_snaps = _race(loss(2), x0, a, args.seed, seconds=seconds, smear=None)
    curves["vanilla (W2)"] = reduction(vanilla_snaps)
    hits = {}
    print(f"blobs 256x256, H0 bars > 50: start {bars(x0)[0]:.1f} ({bars(x0)[1]} bars)")
    for (name, (t, red)), res, snaps in zip(curves.items(), (stump, vanilla),
                                            (stump_snaps, vanilla_snaps)):
        hit = np.flatnonzero(red >= 90)
        hits[name] = t[hit[0]] if hit.size else None
        total, n_bars = bars(snaps[-1][1])
        when = f"{hits[name]:.2f} s" if hit.size else "not reached"
        print(f"  {name:24s} {res.n_iter:7d} steps in {snaps[-1][0]:6.2f} s: {total:7.1f} "
              f"({n_bars} bars); 90 % loss reduction: {when}")
    t_stump, t_vanilla = hits.values()
    if t_stump is not None:
        ratio = (f"{t_vanilla / t_stump:.1f}x" if t_vanilla is not None
                 else f">= {vanilla_snaps[-1][0] / t_stump:.1f}x")
        print(f"  STUMP reached 90 % {ratio} sooner than vanilla")

    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    for ax, (title, img) in zip(axes, [("blobs", x0),
                                       (f"STUMP, {stump.n_iter} steps", stump.x),
                                       (f"vanilla W2, {vanilla.n_iter} steps", vanilla.x)]):
        ax.imshow(img, cmap="gray")
        ax.set_title(title)
        ax.set_axis_off()
    for name, (t, red) in curves.items():
        axes[3].plot(t, red, label=name)
    axes[3].axhline(90, color="gray", lw=0.5)
    axes[3].set_xlabel("wall time (s)")
    axes[3].set_ylabel("loss reduction (%)")
    axes[3].legend()
    fig.tight_layout()
    path = os.path.join(args.output, "stump_vs_vanilla.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def _diagram(args):
    import numpy as np

    from ._io import check_output_path, read_image
    from .persistence import cubical_persistence

    if args.plot:
        check_output_path(args.plot)
    image = read_image(args.input, channel=args.channel)
    dims = tuple(args.dims) if args.dims else None
    dgms = cubical_persistence(image, dims, superlevel=args.superlevel,
                               connectivity=args.connectivity)
    print(f"# {args.input}: shape {image.shape}, "
          f"{'superlevel' if args.superlevel else 'sublevel'}, "
          f"connectivity={args.connectivity}")
    print("dim\tbirth\tdeath\tlifetime\tbirth_pixel\tdeath_pixel")
    for d, dgm in dgms.items():
        keep = dgm.lifetimes > args.min_persistence
        order = np.argsort(-dgm.lifetimes[keep], kind="stable")
        for k in np.flatnonzero(keep)[order]:
            bpix = tuple(int(i) for i in np.unravel_index(dgm.birth_index[k], image.shape))
            dpix = ("-" if dgm.death_index[k] < 0 else str(tuple(
                int(i) for i in np.unravel_index(dgm.death_index[k], image.shape))))
            print(f"{d}\t{dgm.births[k]:.6g}\t{dgm.deaths[k]:.6g}\t"
                  f"{dgm.lifetimes[k]:.6g}\t{bpix}\t{dpix}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plotting import plot_diagram

        ax = plot_diagram(dgms, title=os.path.basename(args.input))
        ax.figure.savefig(args.plot, dpi=100, bbox_inches="tight")
        plt.close(ax.figure)
        print(f"# wrote {os.path.abspath(args.plot)}")
    return 0


def _simplify(args):
    import numpy as np

    from ._io import _ext, check_output_path, png_depth, read_image, write_image
    from .estimators import simplify_image
    from .persistence import cubical_persistence

    check_output_path(args.output)
    image = read_image(args.input, channel=args.channel)
    if _ext(args.output) == ".png":
        # simplify the integers that the PNG holds: a color image's luminance is not
        # integer, and rounded after the exact solver it could leave pairs below the
        # threshold (an integer image goes through simplify_function's integer path)
        depth = png_depth(image, like=args.input)
        if image.min() >= 0 and image.max() <= 2 ** depth - 1:
            image = np.rint(image).astype(np.uint8 if depth == 8 else np.uint16)
    # the solvers' progress lines go to stderr: stdout holds the result's summary
    with contextlib.redirect_stdout(sys.stderr):
        result = simplify_image(
            image, args.goal, threshold=args.threshold, homology_dimensions=tuple(args.dims),
            betti=args.betti, superlevel=args.superlevel, connectivity=args.connectivity,
            fidelity=args.fidelity, fidelity_weight=args.fidelity_weight, solver=args.solver,
            method=args.method, block_size=args.block_size, measure=args.measure,
            eps=args.eps, learning_rate=args.learning_rate, max_iter=args.max_iter,
            random_state=args.seed, verbose=args.verbose,
            bounds="image" if args.keep_range else None)
    out = result.x
    exact = result.message.startswith("exact")
    # the input's bit depth and range (8-bit in, 8-bit out; 16-bit in, 16-bit out); the
    # exact solver keeps an integer input's dtype (flooding copies pixel values), so
    # nothing is clipped
    write_image(args.output, out, like=args.input)
    before = cubical_persistence(image, tuple(args.dims), superlevel=args.superlevel,
                                 connectivity=args.connectivity)
    after = cubical_persistence(np.asarray(out, dtype=np.float64), tuple(args.dims),
                                superlevel=args.superlevel, connectivity=args.connectivity)
    counts = ", ".join(f"H{d} {len(before[d])} -> {len(after[d])}" for d in before)
    if exact:
        print(f"{args.goal} ({result.message}): max change "
              f"{np.abs(np.asarray(out, dtype=np.float64) - image).max():.4g}; "
              f"diagram points {counts}")
    else:
        print(f"{args.goal} ({args.solver}, {result.n_iter} steps): loss "
              f"{result.loss_curve[0]:.4g} -> {result.loss_curve[-1]:.4g}; diagram points "
              f"{counts}")
    print(f"wrote {os.path.abspath(args.output)}")
    return 0


def _add_filtration_options(parser):
    parser.add_argument("--superlevel", action="store_true",
                        help="superlevel filtration (bright features) instead of sublevel")
    parser.add_argument("--connectivity", choices=("full", "face"), default="full",
                        help="full: pixels are top cells (8-connectivity); face: pixels are "
                        "vertices (4-connectivity)")
    parser.add_argument("--channel", type=int, default=None,
                        help="use this channel of a color image (default: luminance "
                        "0.299 R + 0.587 G + 0.114 B)")


def _parser():
    """The parser of ``python -m sktopo`` and its three commands."""
    from . import __version__

    plain = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog=_PROG, description=_DESCRIPTION,
                                     formatter_class=plain)
    parser.add_argument("--version", action="version", version=f"sktopo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_diagram_parser(sub, plain)
    _add_simplify_parser(sub, plain)
    _add_demo_parser(sub, plain)
    return parser


def _add_diagram_parser(sub, plain):
    diagram = sub.add_parser("diagram", help="print (and plot) the persistence diagram of "
                             "an image (PNG, TIFF, JPEG, BMP or NPY)",
                             description=_DIAGRAM_DESCRIPTION, formatter_class=plain)
    diagram.add_argument("input", help="image file")
    diagram.add_argument("--dims", type=int, nargs="+", default=None,
                         help="homology dimensions (default: all)")
    diagram.add_argument("--min-persistence", type=float, default=0.0,
                         help="print only points with a longer lifetime")
    diagram.add_argument("--plot", default=None, metavar="OUT.png",
                         help="also draw the diagram into this PNG")
    _add_filtration_options(diagram)


def _add_simplify_parser(sub, plain):
    simplify = sub.add_parser("simplify", help="change an image so that its persistence "
                              "diagrams meet a goal, and write it",
                              description=_SIMPLIFY_DESCRIPTION, formatter_class=plain)
    simplify.add_argument("input", help="input image (PNG, TIFF, JPEG, BMP or NPY)")
    simplify.add_argument("-o", "--output", required=True,
                          help="output image (.png of the input's bit depth, .tif float32, "
                          ".npy float64); its folder must exist")
    simplify.add_argument("--parents", action="store_true",
                          help="create the output's folder if it does not exist")
    simplify.add_argument("--goal", choices=("simplify", "betti", "enhance"),
                          default="simplify", help="remove the features below the threshold "
                          "(simplify), keep --betti features (betti), raise the features "
                          "above the threshold (enhance)")
    simplify.add_argument("--dims", type=int, nargs="+", default=[0],
                          help="homology dimensions the goal applies to (default: 0)")
    simplify.add_argument("--threshold", type=float, default=None,
                          help="lifetime threshold in image units (default: 10%% of the "
                          "value range)")
    simplify.add_argument("--betti", type=int, default=1,
                          help="features kept per dimension by --goal betti")
    simplify.add_argument("--solver", choices=("auto", "exact", "stump", "vanilla"),
                          default="auto", help="exact removal (auto: for simplify and "
                          "betti; keeps an 8/16-bit input's bit depth) or a gradient solver")
    simplify.add_argument("--method", choices=("flooding", "optimal"), default="flooding",
                          help="the exact solver's method: flooding (a pixel moves by less "
                          "than the threshold) or optimal (by at most half of it, the least "
                          "possible change; slower)")
    simplify.add_argument("--block-size", type=int, default=2, help="STUMP pooling block")
    simplify.add_argument("--measure", choices=("center", "vertex", "simplex"),
                          default="simplex", help="STUMP pooling measure")
    simplify.add_argument("--eps", type=float, default=0.0,
                          help="STUMP uniform noise half-width (image units)")
    simplify.add_argument("--fidelity", choices=("mse", "bce"), default="mse")
    simplify.add_argument("--fidelity-weight", type=float, default=None,
                          help="weight of the fidelity term (default: 1 / n_pixels)")
    simplify.add_argument("--learning-rate", type=float, default=None,
                          help="Adam step (default: 1%% of the value range)")
    simplify.add_argument("--max-iter", type=int, default=200)
    simplify.add_argument("--keep-range", action="store_true",
                          help="keep the pixel values in the input's value range (clipped "
                          "after every step), so that the written image needs no clipping")
    simplify.add_argument("--seed", type=int, default=0, help="random seed")
    simplify.add_argument("-v", "--verbose", action="count", default=1,
                          help="progress on stderr (on by default; -v again for more)")
    simplify.add_argument("-q", "--quiet", action="store_const", const=0, dest="verbose",
                          help="no progress")
    _add_filtration_options(simplify)


def _add_demo_parser(sub, plain):
    demo = sub.add_parser("demo", help="diagrams and one topological gradient step on a "
                          "synthetic image, then STUMP against vanilla backpropagation on "
                          "the STUMP paper's blobs image (under a minute), written as PNGs",
                          formatter_class=plain)
    demo.add_argument("-o", "--output", default="sktopo_output", help="output folder")
    demo.add_argument("--size", type=int, default=64, help="image size in pixels")
    demo.add_argument("--threshold", type=float, default=0.1,
                      help="bars with lifetime up to this are pushed to the diagonal")
    demo.add_argument("--step", type=float, default=0.5, help="gradient step size")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    demo.add_argument("--stump-steps", type=int, default=15_000,
                      help="STUMP steps of the blobs comparison (1.5 times the paper's "
                      "10,000, enough for a 90%% loss reduction; 0 skips the comparison)")
    demo.add_argument("--vanilla-seconds", type=float, default=None,
                      help="wall-time budget of vanilla backpropagation in the blobs "
                      "comparison (default: 10.5 times STUMP's time to a 90%% loss "
                      "reduction, 20 to 45 s)")


def main(argv=None):
    """Entry point of ``python -m sktopo``; returns the exit code."""
    args = _parser().parse_args(argv)
    command = {"demo": _demo, "diagram": _diagram, "simplify": _simplify}[args.command]
    name = f"{_PROG} {args.command}"

    def warn(message, category, *rest, **kwargs):
        print(f"{name}: warning: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = warn         # one line each, no source line
            if args.command == "simplify":
                _check_simplify_args(args, name)
            code = command(args)
            sys.stdout.flush()                  # a closed pipe shows up here at the latest
        return code
    except BrokenPipeError:
        # the reader left (`| head`): stop quietly, as Python's docs recommend; stdout
        # goes to devnull so that the flush at exit does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, TypeError) as exc:
        # a user's mistake (a path, a format, a parameter): one line, no traceback
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"{name}: error: {message}", file=sys.stderr)
        return 2


# a PNG output of real values spanning less than this warns (they are rounded to integers)
_FEW_LEVELS = 32


def _check_simplify_args(args, name):
    """Checks of ``simplify`` needing the files: the output's folder, options that would
    otherwise be clipped or do nothing (--block-size, --threshold), and a PNG output that
    would round a small range of real values onto a few integers."""
    import numpy as np

    from ._io import bit_depth, check_output_path, read_image

    check_output_path(args.output, make_parents=args.parents)
    _, n_channels = bit_depth(args.input)
    image = read_image(args.input, channel=args.channel)
    if args.block_size > min(image.shape):
        raise ValueError(f"--block-size {args.block_size} is larger than the image "
                         f"{' x '.join(map(str, image.shape))}: use at most "
                         f"{min(image.shape)} (or --solver vanilla)")
    if args.block_size < 1:
        raise ValueError(f"--block-size must be >= 1, got {args.block_size}")
    span = float(image.max() - image.min()) if image.size else 0.0
    if args.threshold is not None and args.threshold > span:
        message = (f"--threshold {args.threshold:g} is above the value range of the image "
                   f"({span:g}): every lifetime is below it")
        if args.goal == "betti":
            warnings.warn(f"{message}; the kept features cannot all reach it")
        else:
            hint = ("--goal betti --betti 1 removes every feature but one"
                    if args.goal == "simplify" else "nothing would be enhanced")
            raise ValueError(f"{message} ({hint}); use at most {span:g}")
    if (args.output.lower().endswith(".png") and span < _FEW_LEVELS
            and not np.array_equal(image, np.rint(image))):
        # a PNG holds integers: values of a small range collapse onto a few of them (a
        # color image's luminance, rounded onto 0..255, is not warned about)
        levels = len(np.unique(np.rint(image)))
        warnings.warn(f"{args.input} holds values that are not integers and span only "
                      f"{span:g}: a PNG output rounds them to {levels} level(s), before the "
                      "simplification; write a .tif or .npy output to keep them")
    if n_channels >= 3 and args.channel is None:
        print(f"{name}: note: {args.input} has {n_channels} channels: simplifying its "
              "luminance 0.299 R + 0.587 G + 0.114 B into a grayscale image (--channel N "
              "for one channel)", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
