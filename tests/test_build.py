"""The compiled kernels are required: an unbuilt source tree gives one clear ImportError."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sktopo


def test_unbuilt_source_tree_raises_a_clear_import_error(tmp_path):
    # a copy of the source tree without the built extensions, imported from its root (as
    # `python -m sktopo` in the root of a fresh clone does)
    src = Path(sktopo.__file__).parent
    shutil.copytree(src, tmp_path / "sktopo",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for command in (["-c", "import sktopo"], ["-m", "sktopo", "demo", "--help"]):
        out = subprocess.run([sys.executable, *command], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
        assert out.returncode != 0
        last = out.stderr.strip().splitlines()[-1]
        assert last.startswith("ImportError: sktopo was imported from its source tree")
        assert "pip install -e ." in last and "sktopo.persistence._pairing" in last
