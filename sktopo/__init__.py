"""sktopo: topological optimization with plain numpy gradients, scikit-learn style."""


def _check_build():
    """Raise one clear ImportError when the compiled kernels are missing.

    The Cython kernels are part of the package (as in scikit-learn): a source tree in which
    some ``.pyx`` file has no built extension next to it (typically ``python -m sktopo``
    or ``import sktopo`` from the root of a clone, which imports the unbuilt source tree
    rather than the installed package) is not importable.
    """
    import os
    from importlib.machinery import EXTENSION_SUFFIXES

    here = os.path.dirname(os.path.abspath(__file__))
    missing = []
    for folder, _, files in os.walk(here):
        for name in files:
            if name.endswith(".pyx"):
                stem = os.path.join(folder, name[:-4])
                if not any(os.path.exists(stem + suffix) for suffix in EXTENSION_SUFFIXES):
                    missing.append(os.path.relpath(stem, os.path.dirname(here)))
    if missing:
        modules = ", ".join(sorted(m.replace(os.sep, ".") for m in missing))
        raise ImportError(
            f"sktopo was imported from its source tree {here}, whose compiled extensions "
            f"are not built ({modules}). Either build them in place with an editable "
            "install, `pip install -e .` (or `python setup.py build_ext --inplace`), or "
            "install the package with `pip install .` and run it from another folder "
            "(or through the `sktopo` command): from the repository root, `import sktopo` "
            "and `python -m sktopo` find this source tree first.")


_check_build()

from .estimators import (PointCloudTopoOptimizer, TopoImageSimplifier,  # noqa: E402
                         TopologicalClassifier, TopologicalRegressor)
from .loss import TopologicalLoss  # noqa: E402
from .optim import stump_minimize  # noqa: E402

__version__ = "0.1.0.dev0"

__all__ = ["PointCloudTopoOptimizer", "TopoImageSimplifier", "TopologicalClassifier",
           "TopologicalLoss", "TopologicalRegressor", "__version__", "stump_minimize"]
