"""A new user's first hour: progress counts, pickling, error messages."""

import pickle
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from sknn_estimators import CNNRegressor
from tests.conftest import small_cnn
from tests.test_cli import this_checkout_env


def tiny_cnn(**params):
    return small_cnn(conv_filters=(4,), dense_units=(8,), epochs=2, **params)


# ---------------------------------------------------------------- progress
@pytest.mark.parametrize("n_samples", [376, 32])  # 47 steps, and 4 steps
def test_progress_bar_never_counts_past_the_epochs_steps(digits, capsys, n_samples):
    X, _, y, _ = digits
    tiny_cnn(batch_size=8, verbose=1).fit(X[:n_samples], y[:n_samples])
    out = capsys.readouterr().out
    counts = [(int(k), int(n)) for k, n in re.findall(r"(\d+)/(\d+)\b", out)]
    steps = [(k, n) for k, n in counts if n == n_samples // 8]
    assert steps, out  # the bar was shown
    assert all(k <= n for k, n in steps), steps
    assert (n_samples // 8, n_samples // 8) in steps


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "X",
    [
        [["a", "b"]] * 8,
        np.array([["a", "b"]] * 8),
        pd.DataFrame({"size": ["a", "b"] * 4, "n": range(8)}),
    ],
    ids=["list", "ndarray", "dataframe"],
)
def test_text_in_x_is_named_as_x_with_a_plain_value(X):
    with pytest.raises(ValueError, match=r"X must hold numbers") as info:
        tiny_cnn().fit(X, [0, 1] * 4)
    message = str(info.value)
    assert "X holds 'a'" in message
    assert "np." not in message
    assert "OneHotEncoder" in message


def test_text_in_x_at_prediction_is_named_as_x(fitted_cnn):
    with pytest.raises(ValueError, match=r"X must hold numbers.*X holds 'a'"):
        fitted_cnn.predict([["a"] * 64])


def test_text_in_a_regressors_y_is_named_as_y(rng):
    with pytest.raises(ValueError, match=r"y must hold numbers.*y holds 'high'"):
        CNNRegressor(conv_filters=(4,), dense_units=(8,), epochs=1).fit(
            rng.uniform(size=(8, 16)), ["high", "low"] * 4
        )


def test_one_class_message_has_no_numpy_repr(digits):
    X, _, _, _ = digits
    with pytest.raises(ValueError, match=r"got 1 class \(0\)\.$"):
        tiny_cnn().fit(X[:8], np.zeros(8, dtype=np.int64))


def test_other_validation_errors_are_left_as_they_were(fitted_cnn):
    with pytest.raises(ValueError, match="X has 3 features"):
        fitted_cnn.predict(np.zeros((2, 3)))


# ---------------------------------------------------------------- pickling
def test_pickling_a_fitted_cnn_emits_no_warning(digits):
    X, _, y, _ = digits
    clf = tiny_cnn().fit(X[:200], y[:200])
    with warnings.catch_warnings():
        # pyproject ignores Keras' DeprecationWarnings; here every one counts.
        warnings.simplefilter("error")
        twin = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(twin.predict(X[:50]), clf.predict(X[:50]))


def test_the_same_fitted_cnn_is_saved_once_until_the_next_fit(digits, monkeypatch):
    X, X_test, y, _ = digits
    clf = tiny_cnn(warm_start=True).fit(X[:200], y[:200])
    saves = []
    keras_save = clf.model_.save
    monkeypatch.setattr(
        clf.model_, "save", lambda *a, **k: saves.append(1) or keras_save(*a, **k)
    )
    first = pickle.dumps(clf)
    assert pickle.dumps(clf) == first
    assert len(saves) == 1
    # A warm-start fit keeps the same Keras model but changes its weights:
    # the next pickle holds the new weights.
    clf.set_params(epochs=1).fit(X[:200], y[:200])
    twin = pickle.loads(pickle.dumps(clf))
    assert len(saves) == 2
    np.testing.assert_allclose(
        twin.predict_proba(X_test[:50]), clf.predict_proba(X_test[:50]), rtol=1e-6
    )


# ---------------------------------------------------------------- TensorFlow log
FIT_ONCE = (
    "import numpy as np; from sknn_estimators import FashionCNNClassifier; "
    "FashionCNNClassifier(conv_filters=(4,), dense_units=(8,), epochs=1)"
    ".fit(np.random.RandomState(0).uniform(size=(16, 64)), np.arange(16) % 2)"
)
NOTICES = ("absl::InitializeLog", "oneDNN custom operations", "cuda drivers")


def stderr_of_a_fit(**env):
    result = subprocess.run(
        [sys.executable, "-c", FIT_ONCE],
        capture_output=True,
        text=True,
        timeout=300,
        env={**this_checkout_env(), "SKNN_ESTIMATORS_TF_LOG": "", **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.slow
def test_tensorflow_notices_are_held_back_and_the_variable_brings_them_back():
    loud = stderr_of_a_fit(SKNN_ESTIMATORS_TF_LOG="1")
    if not any(notice in loud for notice in NOTICES):
        pytest.skip("this TensorFlow prints none of the start-up notices")
    quiet = stderr_of_a_fit()
    assert not any(notice in quiet for notice in NOTICES), quiet


# ---------------------------------------------------------------- retracing
GRID_SEARCH = """
from sklearn.datasets import load_digits
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sknn_estimators import FashionCNNClassifier

X, y = load_digits(return_X_y=True)
cnn = FashionCNNClassifier(conv_filters=(4,), dense_units=(8,), epochs=2)
pipe = make_pipeline(StandardScaler(), cnn)
grid = {"fashioncnnclassifier__batch_size": [16, 32]}
GridSearchCV(pipe, grid, cv=3).fit(X[:300], y[:300])
HalvingGridSearchCV(
    pipe, {**grid, "fashioncnnclassifier__epochs": [1, 2]}, cv=3, random_state=0
).fit(X[:600], y[:600])
cross_validate(pipe, X[:300], y[:300], cv=5)
"""


@pytest.mark.slow
def test_grid_search_over_a_pipeline_logs_no_retracing():
    """Keras traces a new training function for each new model (one trace per
    fit, none within a fit); TensorFlow's retracing detector keys on the code
    of Keras' training loop, shared by all models. Fits of 1-2 calls each (8
    grouped batches per call on a small fold) made 5 traces in 10 calls and a
    warning; small data sets now group fewer batches per call."""
    # A fresh process: TensorFlow warns at most twice per process.
    result = subprocess.run(
        [sys.executable, "-c", GRID_SEARCH],
        capture_output=True,
        text=True,
        timeout=600,
        env=this_checkout_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "triggered tf.function retracing" not in result.stderr
