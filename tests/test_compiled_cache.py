"""Compiled models reused across fits (sknn_estimators._compiled_cache): the
clones of a search train on the compiled model of an estimator that is gone,
bit for bit as on a new one, and never on a live estimator's model."""

import gc
import pickle
import subprocess
import sys
import weakref
from pathlib import Path

import keras
import numpy as np
import pytest
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sknn_estimators import clear_compiled_cache, config_context
from sknn_estimators._compiled_cache import MAX_IDLE_MODELS, n_idle
from sknn_estimators.wrappers import KerasClassifier, KerasRegressor, KerasTransformer
from tests.estimators import dense_model


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(96, 5).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def net(meta, hidden=8, dropout=0.1):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def make(seed=0, model=net, **params):
    return KerasClassifier(
        model,
        loss="binary_crossentropy",
        optimizer="adam",
        epochs=3,
        batch_size=16,
        verbose=0,
        random_state=seed,
        **params,
    )


@pytest.fixture(autouse=True)
def empty_cache():
    gc.collect()  # other tests' estimators hand their models in when collected
    clear_compiled_cache()
    yield
    clear_compiled_cache()


def test_a_refit_on_a_reused_model_is_bit_identical(data):
    X, y = data
    with config_context(reuse_compiled=False):
        fresh = make(seed=3).fit(X, y).predict_proba(X)
    first = make(seed=3).fit(X, y)
    model = weakref.ref(vars(first)["model_"])  # reading model_ keeps it
    traced = weakref.ref(vars(first)["model_"].train_function)
    del first
    gc.collect()
    assert n_idle() == 1
    # Another learning rate is a value, not a structure: the same model.
    second = make(seed=3, optimizer__learning_rate=0.001).fit(X, y)
    assert vars(second)["model_"] is model()
    assert vars(second)["model_"].train_function is traced()
    np.testing.assert_array_equal(second.predict_proba(X), fresh)
    assert n_idle() == 0


def held_elsewhere(X, y):
    """Ways a model outlives its estimator in the user's hands."""
    yield "read as model_", make().fit(X, y).model_

    callback = keras.callbacks.History()
    make(callbacks=[callback]).fit(X, y)
    yield "given to a callback", callback.model

    kept = net({"n_features_in_": X.shape[1]})
    make(model=lambda: kept).fit(X, y)
    gc.collect()
    make(model=lambda: kept).fit(X, y)  # the model function returns it again
    yield "returned by a model function", kept


def test_a_model_held_elsewhere_is_never_reused(data):
    X, y = data
    for how, model in held_elsewhere(X, y):
        gc.collect()
        weights = model.get_weights()
        assert n_idle() == 0, how
        other = make(seed=5).fit(X, y)
        assert vars(other)["model_"] is not model, how
        for before, after in zip(weights, model.get_weights(), strict=True):
            np.testing.assert_array_equal(before, after, err_msg=how)
        del other
        clear_compiled_cache()


def test_live_estimators_never_share_a_model(data):
    X, y = data
    a, b = make().fit(X, y), make().fit(X, y)
    before = a.predict_proba(X)
    make().fit(X, y)  # its model goes back to the cache when it is gone
    gc.collect()
    c = make().fit(X, y)  # takes that one
    live = [vars(e)["model_"] for e in (a, b, c)]
    assert len({id(m) for m in live}) == 3
    np.testing.assert_array_equal(a.predict_proba(X), before)
    a.fit(X, y)  # a refit hands its old model back, and may take it again
    assert vars(a)["model_"] is not live[1] and vars(a)["model_"] is not live[2]
    held = a.model_  # read by the user: kept, and a refit trains a new one
    weights = held.get_weights()
    a.set_params(random_state=7).fit(X, y)
    assert vars(a)["model_"] is not held
    for before_, after in zip(weights, held.get_weights(), strict=True):
        np.testing.assert_array_equal(before_, after)


def test_another_structure_gets_a_new_model(data):
    X, y = data
    first = make().fit(X, y)
    model = vars(first)["model_"]
    del first
    gc.collect()
    other = make(hidden=4).fit(X, y)
    assert vars(other)["model_"] is not model
    assert n_idle() == 1  # the first one's, still idle


def test_the_cache_is_bounded_and_cleared(data):
    X, y = data
    for hidden in range(1, MAX_IDLE_MODELS + 4):
        make(hidden=hidden).fit(X, y)
        gc.collect()
    assert n_idle() == MAX_IDLE_MODELS
    clear_compiled_cache()
    assert n_idle() == 0


def test_a_grid_search_traces_the_training_step_once(data):
    X, y = data
    search = GridSearchCV(
        make(), {"optimizer__learning_rate": [1e-3, 1e-2]}, cv=2, refit=False
    )
    search.fit(X, y)
    gc.collect()
    assert n_idle() == 1  # four fits, one compiled model


def test_threads_and_copies(data):
    X, y = data
    with config_context(reuse_compiled=False):
        expected = [make(seed=s).fit(X, y).predict_proba(X) for s in (1, 2, 1, 2)]
    for _ in range(2):  # the second round reuses the first round's models
        got = Parallel(n_jobs=2, backend="threading")(
            delayed(lambda s: make(seed=s).fit(X, y).predict_proba(X))(s)
            for s in (1, 2, 1, 2)
        )
        gc.collect()
        for a, b in zip(expected, got, strict=True):
            np.testing.assert_array_equal(a, b)
    fitted = make(seed=1).fit(X, y)
    copy = pickle.loads(pickle.dumps(fitted))
    twin = clone(fitted).fit(X, y)
    assert copy.model_ is not fitted.model_ and twin.model_ is not fitted.model_
    np.testing.assert_array_equal(copy.predict_proba(X), expected[0])


FRESH_PROCESS_FIT = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from test_compiled_cache import make
rng = np.random.RandomState(0)
X = rng.randn(96, 5).astype(np.float32)
y = (X[:, 0] + X[:, 1] > 0).astype(int)
sys.stdout.write(make(seed=7).fit(X, y).predict_proba(X).tobytes().hex())
"""


def test_a_seeded_fit_after_many_fits_is_the_fresh_process_fit(data):
    X, y = data
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_FIT, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    for seed in range(10):  # other seeds, learning rates and a refit each
        estimator = make(seed=seed, optimizer__learning_rate=0.001 * (1 + seed))
        estimator.fit(X, y).fit(X, y)
        del estimator
        gc.collect()
    reused = make(seed=7).fit(X, y)
    assert n_idle() == 0  # it took the idle model
    assert reused.predict_proba(X).tobytes().hex() == result.stdout


def test_another_estimator_or_target_gets_a_new_model(data):
    """The compiled loss and metrics are built for the targets' shapes: a
    transformer (1-d targets) does not take the idle model of a regressor
    (a column) of the same network."""
    X, y = data
    y = y.astype(np.float32)
    params = dict(model=dense_model, optimizer="adam", epochs=2, random_state=0)
    KerasRegressor(**params, verbose=0).fit(X, y)
    gc.collect()
    assert n_idle() == 1
    transformer = KerasTransformer(**params, verbose=0).fit(X, y)
    assert n_idle() == 1  # not taken
    assert transformer.transform(X).shape == (len(y), 1)
