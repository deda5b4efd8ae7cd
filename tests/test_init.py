import importlib

import pytest

import sktopo

SUBPACKAGES = ["sktopo", "sktopo.persistence", "sktopo.functionals", "sktopo.datasets",
               "sktopo.plotting", "sktopo.penalties", "sktopo.estimators"]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_all_names_exist(name):
    module = importlib.import_module(name)
    for attr in module.__all__:
        assert hasattr(module, attr), f"{name}.__all__ lists {attr!r}, which is undefined"
    namespace = {}
    exec(f"from {name} import *", namespace)
    assert set(module.__all__) <= set(namespace)


def test_version():
    assert isinstance(sktopo.__version__, str)
