"""Export to ONNX and SavedModel: the reloaded graphs give predict_proba/predict."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

from sknn_estimators import (
    CNNRegressor,
    FashionCNNClassifier,
    NotExportableError,
    config_context,
    export_pipeline,
)
from sknn_estimators.wrappers import KerasClassifier, KerasRegressor

TINY = dict(conv_filters=(4,), dense_units=(8,), epochs=1, random_state=0)
QUIET = dict(verbose=0, random_state=0, epochs=1)


@pytest.fixture(autouse=True)
def onnx_runtime_path():
    """The ONNX Runtime small-batch path on (it is opt-in)."""
    pytest.importorskip("onnxruntime")
    with config_context(onnxruntime_predict=True):
        yield


def dense_softmax(meta):
    import keras

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def dense_sigmoid(meta):
    import keras

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def dense_linear(meta):
    import keras

    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)]
    )


@pytest.fixture(scope="module")
def rows():
    X, y = load_digits(return_X_y=True)
    return X[:100].astype(np.float32), y[:100]


@pytest.fixture(scope="module")
def fitted(rows):
    """Each kind of Keras estimator, fitted, with what its export returns."""
    X, y = rows
    binary = (y % 2).astype(int)
    return {
        "cnn_classifier": FashionCNNClassifier(**TINY).fit(X, y),
        "cnn_regressor": CNNRegressor(**TINY).fit(X, y / 10),
        "wrapper_softmax": KerasClassifier(
            dense_softmax, loss="sparse_categorical_crossentropy", **QUIET
        ).fit(X, y),
        "wrapper_sigmoid": KerasClassifier(
            dense_sigmoid, loss="binary_crossentropy", **QUIET
        ).fit(X, binary),
        "wrapper_regressor": KerasRegressor(dense_linear, loss="mse", **QUIET).fit(
            X, y / 10
        ),
    }


def expected(estimator, X):
    method = getattr(estimator, "predict_proba", estimator.predict)
    return method(X)


def run_onnx(path, X):
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (output,) = session.run(None, {"X": X})
    return output


def run_saved_model(path, X):
    import tensorflow as tf

    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    return serve(X=tf.constant(X))["output_0"].numpy()


KINDS = [
    "cnn_classifier",
    "cnn_regressor",
    "wrapper_softmax",
    "wrapper_sigmoid",
    "wrapper_regressor",
]


@pytest.mark.parametrize("kind", KINDS)
def test_onnx_export_gives_predictions(fitted, rows, kind, tmp_path):
    pytest.importorskip("tf2onnx")
    estimator, (X, _) = fitted[kind], rows
    description = estimator.export(tmp_path / "model.onnx")
    got = run_onnx(tmp_path / "model.onnx", X)
    want = expected(estimator, X)
    assert got.dtype == np.float32
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    assert description["input"]["n_features_in"] == 64
    assert description["output"]["returns"] in ("predict_proba", "predict")


@pytest.mark.parametrize("kind", KINDS)
def test_saved_model_export_gives_predictions(fitted, rows, kind, tmp_path):
    estimator, (X, _) = fitted[kind], rows
    estimator.export(tmp_path / "model", format="tf_saved_model")
    got = run_saved_model(tmp_path / "model", X)
    np.testing.assert_allclose(got, expected(estimator, X), atol=1e-5, rtol=0)


def test_description_is_written_beside_the_export(fitted, tmp_path):
    from sknn_estimators._export import read_description

    cnn = fitted["cnn_classifier"]
    cnn.export(tmp_path / "model", format="tf_saved_model")
    description = read_description(tmp_path / "model")
    assert description["classes"] == list(range(10))
    assert description["input"]["image_shape"] == [8, 8, 1]
    assert description["input"]["shape"] == [None, 64]
    assert description["output"]["returns"] == "predict_proba"
    assert description["output"]["signature"] == "serving_default"


def test_onnx_description_in_metadata_props(fitted, tmp_path):
    pytest.importorskip("tf2onnx")
    from sknn_estimators._export import read_description

    fitted["cnn_regressor"].export(tmp_path / "r.onnx")
    description = read_description(tmp_path / "r.onnx")
    assert description["estimator"] == "CNNRegressor"
    assert "classes" not in description
    assert description["output"]["returns"] == "predict"


def test_export_takes_feature_names(rows, tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = rows
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    cnn = FashionCNNClassifier(**TINY).fit(frame, y)
    description = cnn.export(tmp_path / "m", format="tf_saved_model")
    assert description["input"]["feature_names_in"][:2] == ["px0", "px1"]


def test_unknown_format_is_refused(fitted, tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        fitted["cnn_classifier"].export(tmp_path / "m", format="tflite")


def test_unfitted_estimator_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FashionCNNClassifier().export(tmp_path / "m.onnx")


def test_wrapper_with_own_feature_encoder_is_refused(rows, tmp_path):
    class Scaled(KerasClassifier):
        @property
        def feature_encoder(self):
            return FunctionTransformer(lambda X: X / 16)

    X, y = rows
    clf = Scaled(dense_softmax, loss="sparse_categorical_crossentropy", **QUIET)
    clf.fit(X, y)
    with pytest.raises(NotExportableError, match="feature_encoder_") as info:
        clf.export(tmp_path / "m", format="tf_saved_model")
    assert info.value.names == ["feature_encoder_"]


@pytest.mark.parametrize("format", ["onnx", "tf_saved_model"])
def test_pipeline_export_folds_the_scalers(rows, format, tmp_path):
    if format == "onnx":
        pytest.importorskip("tf2onnx")
    X, y = rows
    pipeline = make_pipeline(
        StandardScaler(), MinMaxScaler(), FashionCNNClassifier(**TINY)
    ).fit(X, y)
    path = tmp_path / ("p.onnx" if format == "onnx" else "p")
    description = export_pipeline(pipeline, path, format=format)
    assert description["preprocessing"] == ["standardscaler", "minmaxscaler"]
    run = run_onnx if format == "onnx" else run_saved_model
    np.testing.assert_allclose(
        run(path, X), pipeline.predict_proba(X), atol=1e-5, rtol=0
    )


@pytest.mark.parametrize(
    "options",
    [
        dict(with_mean=False),
        dict(with_std=False),
        dict(with_mean=False, with_std=False),
    ],
)
def test_pipeline_export_folds_only_what_the_scaler_applies(rows, options, tmp_path):
    # A StandardScaler(with_mean=False) still has mean_, which transform ignores.
    pytest.importorskip("tf2onnx")
    X, y = rows
    regressor = KerasRegressor(dense_linear, loss="mse", **QUIET)
    pipeline = make_pipeline(StandardScaler(**options), regressor).fit(X, y / 10)
    export_pipeline(pipeline, tmp_path / "p.onnx")
    np.testing.assert_allclose(
        run_onnx(tmp_path / "p.onnx", X), pipeline.predict(X), atol=1e-5, rtol=0
    )


def test_pipeline_with_other_steps_is_refused(rows, tmp_path):
    from sklearn.decomposition import PCA

    X, y = rows
    pipeline = make_pipeline(
        StandardScaler(), PCA(n_components=64), FashionCNNClassifier(**TINY)
    ).fit(X, y)
    with pytest.raises(NotExportableError, match=r"pca \(PCA\)") as info:
        export_pipeline(pipeline, tmp_path / "p", format="tf_saved_model")
    assert info.value.names == ["pca"]


def tensorflow_path(estimator, X, monkeypatch):
    """Predictions with the ONNX Runtime path turned off."""
    with config_context(onnxruntime_predict=False):
        return expected(estimator, X)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n_rows", [1, 7, 32])
def test_small_batches_go_through_onnx_runtime(fitted, rows, kind, n_rows, monkeypatch):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    estimator, X = fitted[kind], rows[0][:n_rows]
    calls = []
    run = ort.InferenceSession.run

    def counted(self, *args, **kwargs):
        calls.append(1)
        return run(self, *args, **kwargs)

    from sknn_estimators._small_batch import BUILD_AFTER

    for _ in range(BUILD_AFTER - 1):  # the first small batches stay on TF
        expected(estimator, X)
    monkeypatch.setattr(ort.InferenceSession, "run", counted)
    got = expected(estimator, X)
    assert calls, "a small batch did not use ONNX Runtime"
    np.testing.assert_allclose(
        got, tensorflow_path(estimator, X, monkeypatch), atol=1e-5, rtol=0
    )


def test_large_batches_keep_tensorflow(fitted, rows, monkeypatch):
    ort = pytest.importorskip("onnxruntime")
    cnn, X = fitted["cnn_classifier"], rows[0]
    cnn.predict(X[:2])  # builds the session
    monkeypatch.setattr(ort.InferenceSession, "run", None)  # would fail if used
    assert cnn.predict_proba(X[:33]).shape == (33, 10)


def test_a_row_does_not_depend_on_its_batch(fitted, rows):
    cnn, X = fitted["cnn_classifier"], rows[0]
    together = cnn.predict_proba(X[:5])
    alone = np.vstack([cnn.predict_proba(X[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(together, alone, rtol=1e-6, atol=1e-9)


def test_predict_leaves_the_estimator_unchanged(rows):
    X, y = rows
    cnn = FashionCNNClassifier(**TINY).fit(X, y)
    before = dict(vars(cnn))
    cnn.predict_proba(X[:3])
    assert vars(cnn) == before


def test_session_survives_pickle_clone_and_save(fitted, rows, tmp_path):
    import pickle

    from sklearn.base import clone

    from sknn_estimators import load_model

    cnn, X = fitted["cnn_classifier"], rows[0][:3]
    want = cnn.predict_proba(X)
    # A copy starts on the TensorFlow path (its session comes later): the two
    # paths agree within the small-batch path's tolerance.
    np.testing.assert_allclose(
        pickle.loads(pickle.dumps(cnn)).predict_proba(X), want, atol=1e-5
    )
    cnn.save(tmp_path / "m.sknn")
    np.testing.assert_allclose(
        load_model(tmp_path / "m.sknn").predict_proba(X), want, atol=1e-5
    )
    assert clone(cnn).get_params() == cnn.get_params()


def test_a_network_that_does_not_convert_falls_back(rows, monkeypatch, caplog):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    X, y = rows
    cnn = FashionCNNClassifier(**TINY).fit(X, y)

    def broken(*args, **kwargs):
        raise RuntimeError("cannot load")

    monkeypatch.setattr(ort, "InferenceSession", broken)
    with caplog.at_level("DEBUG", logger="sknn_estimators._small_batch"):
        got = [cnn.predict_proba(X[:4]) for _ in range(3)]
    assert len(caplog.records) == 1
    assert "keeps TensorFlow" in caplog.records[0].getMessage()
    np.testing.assert_array_equal(got[0], tensorflow_path(cnn, X[:4], monkeypatch))
