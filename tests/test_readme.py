"""The README's python snippets run as written, one by one, each in a fresh namespace."""

import builtins
import os
import re
import symtable
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
# run by default: the others take 10-25 s each on this 2-core machine; SKTOPO_README_ALL=1
# runs them too (their names are checked below either way)
HEAVY = {"GridSearchCV": "a 3-fold search over 4 alphas (about 10 s)",
         "TopologicalClassifier": "10 one-vs-rest image-penalized fits (about 20 s)",
         "max_iter=10_000": "10,000 STUMP steps on a 256 x 256 image (about 10 s)"}


def unbound_names(code):
    """Names a snippet reads without binding them (nor being builtins)."""
    top = symtable.symtable(code, "README.md", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    used = set()

    def walk(table):
        for s in table.get_symbols():
            if s.is_referenced() and (table is top or s.is_global()):
                used.add(s.get_name())
        for child in table.get_children():
            walk(child)

    walk(top)
    return sorted(used - bound - set(dir(builtins)))


def test_readme_has_snippets():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("code", BLOCKS, ids=[b.splitlines()[-1][:40] for b in BLOCKS])
def test_snippet_is_self_contained(code):
    assert unbound_names(code) == []


@pytest.mark.parametrize("code", BLOCKS, ids=[b.splitlines()[-1][:40] for b in BLOCKS])
def test_snippet_runs(code, tmp_path, monkeypatch):
    heavy = [reason for key, reason in HEAVY.items() if key in code]
    if heavy and os.environ.get("SKTOPO_README_ALL", "0") == "0":
        pytest.skip(f"{heavy[0]}; SKTOPO_README_ALL=1 runs it")
    monkeypatch.chdir(tmp_path)            # snippets that write files write them here
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
