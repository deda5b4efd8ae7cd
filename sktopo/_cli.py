"""Command line: ``python -m sktopo demo``."""

import argparse
import os
import sys

__all__ = ["main"]


def _demo(args):
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
    for name, path in paths.items():
        print(f"wrote {name}: {os.path.abspath(path)}")
    return 0


def main(argv=None):
    """Entry point of ``python -m sktopo``."""
    parser = argparse.ArgumentParser(prog="python -m sktopo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="diagrams and one topological gradient step on a "
                          "synthetic image, written as PNGs")
    demo.add_argument("-o", "--output", default="sktopo_output", help="output folder")
    demo.add_argument("--size", type=int, default=64, help="image size in pixels")
    demo.add_argument("--threshold", type=float, default=0.1,
                      help="bars with lifetime up to this are pushed to the diagonal")
    demo.add_argument("--step", type=float, default=0.5, help="gradient step size")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    return _demo(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
