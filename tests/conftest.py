"""Shared fixtures: small data and small fitted models, built once per module."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sknn_estimators import FashionCNNClassifier

#: The real Fashion-MNIST prefix that sits beside the repository on CI.
SHARED_FASHION = Path(__file__).resolve().parents[2] / "shared" / "fashion-mnist-subset"


def small_cnn(**params):
    """A CNN small enough to fit the 8x8 digits in about a second."""
    defaults = dict(
        conv_filters=(8,),
        dense_units=(32,),
        learning_rate_init=0.003,
        batch_size=32,
        epochs=8,
        random_state=0,
    )
    defaults.update(params)
    return FashionCNNClassifier(**defaults)


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits as (X_train, X_test, y_train, y_test), float64."""
    X, y = load_digits(return_X_y=True)
    return X[:1200], X[1200:], y[:1200], y[1200:]


@pytest.fixture(scope="module")
def fitted_cnn(digits):
    X_train, _, y_train, _ = digits
    return small_cnn().fit(X_train, y_train)


@pytest.fixture
def rng():
    return np.random.RandomState(0)
