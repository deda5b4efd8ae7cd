"""Shared helpers of the STUMP examples: image loading, quick mode, output folder."""

import os
import sys
from pathlib import Path

import numpy as np

QUICK = "--quick" in sys.argv or os.environ.get("SKTOPO_QUICK", "0") not in ("", "0")
DATA = Path(os.environ.get("STUMP_DATA", "/work/shared/data/stump"))
OUTPUT = Path(os.environ.get("SKTOPO_OUTPUT", "sktopo_output"))


def load(name, crop, channel, negate):
    """Crop, take a channel, optionally negate and normalise to [0, 255] (paper's recipe)."""
    from PIL import Image

    f = np.asarray(Image.open(DATA / name))[crop + (channel,)].astype(np.float64)
    if negate:
        f = -f
    f -= f.min()
    f /= f.max()
    return f * 255


def bars(x, dim, threshold=50.0, superlevel=False):
    """Sum of lifetimes above ``threshold`` and their number, for the figure titles."""
    from sktopo.persistence import cubical_persistence

    dgm = cubical_persistence(x, dim, superlevel=superlevel)[dim].finite()
    life = dgm.lifetimes[dgm.lifetimes > threshold]
    return float(life.sum()), int(life.size)


def save(fig, name):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / name
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path}")
