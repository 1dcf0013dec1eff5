"""GridSearchCV on a Dask cluster through joblib's dask backend."""

import joblib
import pytest
from sklearn.model_selection import GridSearchCV

from tests.clusters import local_dask_client
from tests.conftest import small_cnn

pytest.importorskip("distributed")  # the dask extra (not in make test-min)

GRID = {"epochs": [1, 6], "learning_rate_init": [0.003]}


@pytest.mark.slow
def test_grid_search_on_a_local_dask_cluster_matches_n_jobs_1(digits):
    X, _, y, _ = digits
    X, y = X[:600], y[:600]
    serial = GridSearchCV(small_cnn(), GRID, cv=3, n_jobs=1).fit(X, y)
    with local_dask_client() as client:
        with joblib.parallel_backend("dask"):
            distributed = GridSearchCV(small_cnn(), GRID, cv=3, n_jobs=-1).fit(X, y)
        workers = client.run(lambda: __import__("os").getpid())
    assert len(workers) == 2
    assert distributed.best_params_ == serial.best_params_
    assert distributed.best_params_ == {"epochs": 6, "learning_rate_init": 0.003}
