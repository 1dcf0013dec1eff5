"""The engine (the general wrapper as the base): seeded fits in threads,
clear errors for models that do not fit the targets, one-sigmoid save/load,
KerasTransformer and the ONNX Runtime opt-in."""

import keras
import numpy as np
import pytest
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sknn_estimators import (
    CNNRegressor,
    FashionCNNClassifier,
    config_context,
    get_config,
    load_model,
    set_config,
)
from sknn_estimators.wrappers import (
    BaseWrapper,
    KerasClassifier,
    KerasRegressor,
    KerasTransformer,
)

QUIET = dict(verbose=0, random_state=0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(120, 4).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    return X, y


def sigmoid_model(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def test_the_presets_are_wrapper_subclasses():
    assert issubclass(FashionCNNClassifier, KerasClassifier)
    assert issubclass(CNNRegressor, KerasRegressor)
    assert issubclass(KerasTransformer, BaseWrapper)
    # The presets take their own parameters, not the wrapper's.
    assert "model" not in FashionCNNClassifier().get_params()
    assert "solver" in CNNRegressor().get_params()


@pytest.mark.parametrize("backend", ["threading", "sequential"])
def test_seeded_fits_in_threads_equal_sequential_fits(data, backend):
    X, y = data
    params = dict(loss="binary_crossentropy", epochs=2, verbose=0)
    seeds = [1, 2, 1, 3]
    sequential = [
        KerasClassifier(sigmoid_model, random_state=s, **params)
        .fit(X, y)
        .predict_proba(X)
        for s in seeds
    ]

    def fit(seed):
        estimator = KerasClassifier(sigmoid_model, random_state=seed, **params)
        return estimator.fit(X, y).predict_proba(X)

    n_jobs = 4 if backend == "threading" else 1
    with_threads = Parallel(n_jobs=n_jobs, backend="threading")(
        delayed(fit)(s) for s in seeds
    )
    for a, b in zip(sequential, with_threads, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sequential[0], sequential[2])


def test_one_sigmoid_binary_classifier_saves_and_loads(data, tmp_path):
    X, y = data
    clf = KerasClassifier(
        sigmoid_model, loss="binary_crossentropy", epochs=2, **QUIET
    ).fit(X, np.array(["no", "yes"])[y])
    clf.save(tmp_path / "binary.sknn")
    twin = load_model(tmp_path / "binary.sknn")
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))
    assert list(twin.predict(X[:3])) == list(clf.predict(X[:3]))


def test_a_single_class_fits_one_sigmoid_unit_or_is_a_clear_error(data):
    X, _ = data
    y = np.full(len(X), "only")
    clf = KerasClassifier(sigmoid_model, loss="binary_crossentropy", **QUIET)
    assert set(clf.fit(X, y).predict(X)) == {"only"}
    np.testing.assert_array_equal(clf.predict_proba(X[:3]), np.ones((3, 1)))

    def two_softmax(meta):
        return keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(2, activation="softmax")]
        )

    with pytest.raises(ValueError, match="needs 1: one sigmoid unit for y of a single"):
        KerasClassifier(two_softmax, loss="binary_crossentropy", **QUIET).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes in y; got 1 class"):
        FashionCNNClassifier(conv_filters=(2,), dense_units=(2,), epochs=1).fit(
            np.ones((10, 4)), np.ones(10)
        )


def test_a_model_whose_output_does_not_fit_the_target_is_a_clear_error():
    X = np.random.RandomState(0).randn(30, 4)
    y = np.arange(30) % 3

    def two_units(meta):
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])

    with pytest.raises(
        ValueError, match="output has 2 units, but y .multiclass. needs 3"
    ):
        KerasClassifier(two_units, loss="sparse_categorical_crossentropy", **QUIET).fit(
            X, y
        )


def embedding_model(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(12, activation="relu", name="embedding"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def test_keras_transformer_gives_a_layer_as_features_in_a_pipeline():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    embed = KerasTransformer(
        embedding_model,
        output_layer="embedding",
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        epochs=20,
        **QUIET,
    )
    features = embed.fit(X[:1000], y[:1000]).transform(X[1000:])
    assert features.shape == (len(X) - 1000, 12)
    assert list(embed.get_feature_names_out())[:2] == [
        "kerastransformer0",
        "kerastransformer1",
    ]
    pipeline = make_pipeline(clone(embed), LogisticRegression(max_iter=1000))
    assert pipeline.fit(X[:1000], y[:1000]).score(X[1000:], y[1000:]) > 0.85
    whole = KerasTransformer(
        embedding_model, loss="sparse_categorical_crossentropy", epochs=1, **QUIET
    ).fit(X[:200], y[:200])
    assert whole.transform(X[:3]).shape == (3, 10)


def test_keras_transformer_names_a_missing_layer():
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match="names no layer of the model"):
        KerasTransformer(
            embedding_model,
            output_layer="nope",
            loss="sparse_categorical_crossentropy",
            **QUIET,
        ).fit(X[:50], y[:50])


def test_onnx_runtime_predict_is_an_explicit_opt_in():
    assert get_config()["onnxruntime_predict"] is False
    with pytest.raises(TypeError, match="True or False"):
        set_config(onnxruntime_predict="yes")
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    with config_context(onnxruntime_predict=True):
        assert get_config()["onnxruntime_predict"] is True
    assert get_config()["onnxruntime_predict"] is False
