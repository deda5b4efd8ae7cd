import sktopo
import sktopo.optim
import sktopo.plotting
import sktopo.smear


def test_all_names_exist():
    for module in (sktopo, sktopo.smear, sktopo.optim, sktopo.plotting):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)
    assert sktopo.stump_minimize is sktopo.optim.stump_minimize
