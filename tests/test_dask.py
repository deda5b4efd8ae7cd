"""Scale-out: sktopo's joblib parallelism runs on a Dask cluster (the ``dask`` extra)."""

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from joblib import parallel_backend  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sktopo import TopoImageSimplifier, TopologicalRegressor  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_simplifier_batch_on_dask_equals_local(client):
    rng = np.random.default_rng(0)
    X = rng.random((6, 64))
    simplifier = TopoImageSimplifier(image_shape=(8, 8), max_iter=10, n_jobs=-1,
                                     random_state=0)
    local = simplifier.fit_transform(X)
    with parallel_backend("dask"):
        remote = TopoImageSimplifier(**simplifier.get_params()).fit_transform(X)
    np.testing.assert_allclose(remote, local, rtol=0, atol=1e-12)
    assert not np.allclose(local, X)          # it did change the images


def test_grid_search_on_dask_equals_local(client):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 12))
    y = X @ np.repeat([1.0, 2.0, 3.0], 4) + 0.05 * rng.standard_normal(40)
    grid = {"alpha": [1e-3, 1e-2, 1e-1], "penalty": ["top1", "top2"]}
    local = GridSearchCV(TopologicalRegressor(filtration="clusters"), grid, cv=3,
                         n_jobs=1).fit(X, y)
    with parallel_backend("dask"):
        remote = GridSearchCV(TopologicalRegressor(filtration="clusters"), grid, cv=3,
                              n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"], rtol=1e-10)
    np.testing.assert_allclose(remote.best_estimator_.coef_, local.best_estimator_.coef_,
                               rtol=1e-10)
