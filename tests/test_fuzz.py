"""Property-based input fuzzing of every public estimator.

Random shapes, dtypes, NaN/inf, object arrays and huge or tiny values go to
fit, predict and predict_proba. The only acceptable failures are ValueError or
TypeError with a message; never another exception, a warning (warnings are
errors here), a crash or a hang.
"""

import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from tests.estimators import public_estimators, small_instance

#: Short MLP fits; batch_size="auto" and no early stopping so that the fixture's
#: 30 samples suit every preset (FashionMLPClassifier's batch of 128 would warn).
MLP_SMALL = {"max_iter": 5, "batch_size": "auto", "early_stopping": False}


def small(cls):
    """The checks' small instance (one epoch) of a Keras estimator, a short
    MLP fit for the presets."""
    if issubclass(cls, MLPClassifier):
        return cls(**MLP_SMALL)
    return small_instance(cls).set_params(epochs=1)


ESTIMATORS = [small(cls) for cls in public_estimators()]
IDS = [type(e).__name__ for e in ESTIMATORS]

DTYPES = st.sampled_from(
    [np.float16, np.float32, np.float64, np.int8, np.int64, np.uint8, np.bool_,
     np.complex64]
)  # fmt: skip
SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1e308, 1e-308, 0.0, 3e38])
OBJECTS = st.one_of(
    st.none(), st.text(max_size=3), st.floats(allow_nan=True), st.integers(-5, 5)
)


@st.composite
def inputs(draw):
    """A random X: any dimensionality and size, any dtype, odd values."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=6))
    kind = draw(st.sampled_from(["numeric", "special", "object", "list"]))
    if kind == "object":
        items = draw(st.lists(OBJECTS, min_size=int(np.prod(shape)),
                              max_size=int(np.prod(shape))))  # fmt: skip
        X = np.empty(int(np.prod(shape)), dtype=object)
        X[:] = items
        return X.reshape(shape)
    X = draw(hnp.arrays(np.float64, shape, elements=st.floats(-10, 10)))
    if kind == "special" and X.size:
        X.flat[draw(st.integers(0, X.size - 1))] = draw(SPECIAL)
        return X
    with np.errstate(all="ignore"):
        X = X.astype(draw(DTYPES))
    return X.tolist() if kind == "list" else X


def labels(n, draw):
    kind = draw(st.sampled_from(["int", "str", "float", "one", "wrong_length"]))
    if kind == "str":
        return np.array(["a", "b", "c"])[np.arange(n) % 3]
    if kind == "float":
        return np.linspace(0, 1, n)
    if kind == "one":
        return np.zeros(n)
    if kind == "wrong_length":
        return np.arange(n + 1) % 2
    return np.arange(n) % 2


def assert_clear_error(error):
    assert isinstance(error, ValueError | TypeError), repr(error)
    assert len(str(error)) >= 15, repr(error)
    # numpy's own messages say nothing about the estimator's input contract
    assert "cannot reshape" not in str(error), repr(error)


def call(function, *args):
    """Run ``function``; return None or the clear error it raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            return function(*args), None
    except (ValueError, TypeError) as error:
        assert_clear_error(error)
        event(f"{type(error).__name__}: {str(error)[:40]}")
        return None, error


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples in every run: CI is repeatable
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_fit_on_random_input_succeeds_or_raises_a_clear_error(estimator, data):
    X = data.draw(inputs(), label="X")
    n = len(X) if np.ndim(X) >= 1 else 1
    y = labels(n, data.draw)
    fitted, error = call(clone(estimator).fit, X, y)
    if fitted is not None:
        assert hasattr(fitted, "n_features_in_")


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(30, 9))
    with warnings.catch_warnings():  # the MLPs' max_iter=5 is short on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        return [clone(e).fit(X, np.arange(30) % 3) for e in ESTIMATORS]


@pytest.mark.parametrize("index", range(len(ESTIMATORS)), ids=IDS)
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(X=inputs())
def test_predict_on_random_input_returns_or_raises_a_clear_error(fitted, index, X):
    estimator = fitted[index]
    methods = [getattr(estimator, m, None) for m in ("predict", "predict_proba")]
    for method in (m for m in methods if m is not None):
        result, error = call(method, X)
        if error is None:
            n = np.shape(X)[0]
            assert result.shape[0] == n
            if method == estimator.predict_proba:
                np.testing.assert_allclose(result.sum(axis=1), 1.0, rtol=1e-6)
