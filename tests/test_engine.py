"""The engine (the general wrapper as the base): seeded fits in threads,
clear errors for models that do not fit the targets, one-sigmoid save/load,
KerasTransformer and the ONNX Runtime opt-in."""

import warnings

import keras
import numpy as np
import pytest
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import DataConversionWarning
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
    # A user's network may train one epoch (the default): no score promised.
    assert KerasClassifier().__sklearn_tags__().classifier_tags.poor_score
    assert KerasRegressor().__sklearn_tags__().regressor_tags.poor_score
    assert not FashionCNNClassifier().__sklearn_tags__().classifier_tags.poor_score
    assert not CNNRegressor().__sklearn_tags__().regressor_tags.poor_score


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


# ------------------------------------------------------ scikeras' routing
def logits_model(meta):
    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)]
    )


def two_outputs(meta):
    inputs = keras.Input((meta["n_features_in_"],))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    outputs = [
        keras.layers.Dense(1, activation="sigmoid", name=f"out{i}")(hidden)
        for i in (1, 2)
    ]
    return keras.Model(inputs, outputs)


class TwoLabels(KerasClassifier):
    """Two binary labels, one per output of the model."""

    @property
    def target_encoder(self):
        from sklearn.preprocessing import FunctionTransformer

        class Split(FunctionTransformer):
            def get_metadata(self):
                return {"n_outputs_expected_": 2}

            def inverse_transform(self, y, return_proba=False):
                return np.column_stack([np.ravel(a) > 0.5 for a in y]).astype(int)

        return Split(func=lambda y: [y[:, 0], y[:, 1]])

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        return float((y_true == y_pred).mean())


def test_routed_arguments_reach_classes_in_lists_and_dicts(data):
    X, y = data
    clf = KerasClassifier(
        logits_model,
        loss=keras.losses.BinaryCrossentropy,
        loss__from_logits=True,
        optimizer="sgd",
        optimizer__learning_rate=0.05,
        metrics=[keras.metrics.BinaryAccuracy, keras.metrics.AUC],
        metrics__name="shared",
        metrics__0__name="first",
        **QUIET,
    ).fit(X, y)
    assert clf.model_.loss.from_logits is True
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.05)
    assert {"first", "shared"} <= set(clf.history_)

    Y = np.column_stack([y, 1 - y])
    two = TwoLabels(
        two_outputs,
        loss={"out1": keras.losses.BinaryCrossentropy, "out2": "BinaryCrossentropy"},
        loss__from_logits=False,
        loss__out2__label_smoothing=0.1,
        **QUIET,
    ).fit(X, Y)
    assert two.model_.loss["out2"].label_smoothing == pytest.approx(0.1)
    assert two.model_.loss["out1"].label_smoothing == 0
    assert two.predict(X[:4]).shape == (4, 2)


def test_parameters_cannot_be_routed_to_a_function_or_unknown_names(data):
    X, y = data
    with pytest.raises(TypeError, match="does not accept parameters because"):
        KerasClassifier(
            logits_model,
            loss=keras.losses.binary_crossentropy,
            loss__from_logits=True,
            **QUIET,
        ).fit(X, y)
    with pytest.raises(ValueError, match="Could not interpret loss"):
        KerasClassifier(logits_model, loss="binary_crossentropr", **QUIET).fit(X, y)
    with pytest.raises(ValueError, match="Invalid parameter nope for estimator"):
        KerasClassifier().set_params(nope=1)


def test_callbacks_by_list_dict_and_class_with_routed_arguments(data):
    X, y = data
    made = {}

    class Recorder(keras.callbacks.Callback):
        def __init__(self, *args, **kwargs):
            super().__init__()
            made["args"], made["kwargs"] = args, kwargs

    clf = KerasClassifier(
        sigmoid_model,
        loss="binary_crossentropy",
        epochs=20,
        metrics=["accuracy"],
        callbacks={"rec": Recorder, "stop": keras.callbacks.EarlyStopping},
        callbacks__rec__1="b",
        callbacks__rec__0="a",
        callbacks__rec__key=None,
        callbacks__stop__monitor="accuracy",
        callbacks__stop__min_delta=1,
        **QUIET,
    ).fit(X, y)
    assert made == {"args": ("a", "b"), "kwargs": {"key": None}}
    assert clf.current_epoch < 20  # stopped early by the routed EarlyStopping
    # An instance is used as it is, so its state is readable after the fit.
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10)
    KerasClassifier(
        sigmoid_model, loss="binary_crossentropy", epochs=5, callbacks=stop, **QUIET
    ).fit(X, y)
    assert stop.stopped_epoch > 0


def test_epochs_history_and_fit_arguments_follow_scikeras(data):
    X, y = data
    est = KerasClassifier(
        sigmoid_model, loss="binary_crossentropy", epochs=2, warm_start=True, **QUIET
    )
    for k in (1, 2, 3):
        est.partial_fit(X, y)
        assert est.current_epoch == k
    est.fit(X, y)  # fit starts the epochs again, also with warm_start
    assert est.current_epoch == 2
    est.partial_fit(X, y)
    assert est.current_epoch == 3
    for name in ("epochs", "initial_epoch"):
        with pytest.raises(TypeError, match=f"Invalid argument `{name}`"):
            est.partial_fit(X, y, **{name: 1})
    est.fit(X, y, epochs=3, batch_size=7, verbose=0, validation_split=0.2)
    assert est.current_epoch == 3
    assert "val_loss" in est.history_
    assert est.batch_size is None and est.epochs == 2  # parameters unchanged
    with pytest.raises(TypeError, match="unexpected keyword"):
        est.predict(X, nope=1)
    assert est.predict(X, batch_size=-1).shape == (len(X),)


def test_incremental_fits_refuse_other_targets_and_inputs(data):
    X, y = data
    est = KerasClassifier(sigmoid_model, loss="binary_crossentropy", **QUIET)
    est.fit(X.astype(np.float64), y)
    est.partial_fit(X.astype(np.float32), y.astype(np.uint8))
    with pytest.raises(ValueError, match="Got y with dtype float64"):
        est.partial_fit(X, y.astype(np.float64))
    with pytest.raises(ValueError, match="y has 2 dimensions, but this"):
        est.partial_fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="unknown categories"):
        est.partial_fit(X, np.where(y == 1, 7, 0))
    ints = KerasClassifier(sigmoid_model, loss="binary_crossentropy", **QUIET)
    ints.fit((X * 10).astype(np.int64), y)
    with pytest.raises(ValueError, match="Got X with dtype float64"):
        ints.partial_fit(X.astype(np.float64), y)
    with pytest.raises(ValueError, match="only zeros were passed in sample_weight"):
        est.fit(X, y, sample_weight=np.zeros(len(y)))


def test_model_and_build_function_errors():
    X, y = np.array([[0.0], [1.0]]), np.array([0, 1])

    class NoModel(KerasClassifier):
        pass

    with pytest.raises(ValueError, match="must implement ``_keras_build_fn``"):
        NoModel(loss="binary_crossentropy", **QUIET).fit(X, y)

    class Both(KerasClassifier):
        def _keras_build_fn(self):
            return sigmoid_model({"n_features_in_": 1})

    with pytest.raises(ValueError, match="cannot implement ``_keras_build_fn``"):
        Both(model=sigmoid_model, **QUIET).fit(X, y)
    assert Both(loss="binary_crossentropy", **QUIET).fit(X, y).__name__ == "Both"
    with pytest.raises(ValueError, match="Provide a `loss`"):
        KerasClassifier(sigmoid_model, **QUIET).fit(X, y)
    with pytest.raises(ValueError, match="You must provide an optimizer"):
        KerasClassifier(
            sigmoid_model, loss="binary_crossentropy", optimizer=None, **QUIET
        ).fit(X, y)


def test_loss_given_and_loss_compiled_must_agree(data):
    X, y = data

    def compiled_with(loss):
        def build(meta):
            model = sigmoid_model(meta)
            model.compile(optimizer="adam", loss=loss)
            return model

        return build

    mae = keras.losses.MeanAbsoluteError()
    same = KerasClassifier(compiled_with(mae), loss="mean_absolute_error", **QUIET)
    assert same.fit(X, y).model_.loss is mae  # the model's own loss object
    with pytest.raises(ValueError, match="loss='mse' but model compiled with"):
        KerasClassifier(compiled_with(mae), loss="mse", **QUIET).fit(X, y)
    # No loss, or a list of none, is a clear error, not Keras' AttributeError.
    with pytest.raises(ValueError, match="Provide a `loss`"):
        KerasClassifier(compiled_with([None]), **QUIET).fit(X, y)


def test_history_names_shorthand_metrics_in_full(data):
    X, y = data
    est = KerasRegressor(
        sigmoid_model, loss="mse", metrics=["mae"], validation_split=0.2, **QUIET
    ).fit(X, y.astype(float))
    # Keras logs the wrapper-compiled metric by its full name already.
    assert set(est.history_) == {
        "loss",
        "mean_absolute_error",
        "val_loss",
        "val_mean_absolute_error",
    }

    def compiled_with_shorthand(meta):
        model = sigmoid_model(meta)
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        return model

    est = KerasRegressor(compiled_with_shorthand, **QUIET).fit(X, y.astype(float))
    assert set(est.history_) == {"loss", "mean_absolute_error"}


def test_one_unit_gets_a_column_of_targets_and_y_keeps_its_columns(data):
    X, y = data
    seen = []

    class ShapeRecordingLoss(keras.losses.Loss):
        def __call__(self, y_true, y_pred, sample_weight=None):
            seen.append((tuple(y_true.shape[1:]), tuple(y_pred.shape[1:])))
            return keras.ops.mean(keras.losses.binary_crossentropy(y_true, y_pred))

    clf = KerasClassifier(sigmoid_model, loss=ShapeRecordingLoss, **QUIET)
    # Not pytest.warns, which would also fail on NumPy 2's DeprecationWarning
    # from Keras' own PyTorch training loop.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataConversionWarning)
        clf.fit(X, y.reshape(-1, 1))  # a column of labels, as 1-D labels
    assert any("column-vector y" in str(w.message) for w in caught)
    assert seen and set(seen) == {((1,), (1,))}
    with pytest.raises(ValueError, match="has 2 features per sample, but"):
        clf.partial_fit(X, np.column_stack([y, y]))


def test_a_subclass_declares_routed_parameters_in_its_init(data):
    X, y = data

    class MLP(KerasClassifier):
        def __init__(self, hidden=(4,), optimizer__learning_rate=0.01, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.optimizer__learning_rate = optimizer__learning_rate

        def _keras_build_fn(self, meta, compile_kwargs):
            layers = [keras.Input((meta["n_features_in_"],))]
            layers += [keras.layers.Dense(n, activation="relu") for n in self.hidden]
            model = keras.Sequential([*layers, keras.layers.Dense(1, "sigmoid")])
            model.compile(
                loss="binary_crossentropy", optimizer=compile_kwargs["optimizer"]
            )
            return model

    clf = MLP(optimizer="adam", **QUIET)
    assert clf.get_params()["optimizer__learning_rate"] == 0.01
    clone(clf).set_params(optimizer__learning_rate=0.2).fit(X, y)
    fitted = clf.set_params(optimizer__learning_rate=0.2).fit(X, y)
    assert float(fitted.model_.optimizer.learning_rate) == pytest.approx(0.2)


def test_several_inputs_from_a_list_or_a_feature_encoder(data):
    from sklearn.preprocessing import FunctionTransformer

    X, y = data

    def two_inputs(meta):
        a, b = keras.Input((2,)), keras.Input((2,))
        joined = keras.layers.Concatenate()([a, b])
        return keras.Model([a, b], keras.layers.Dense(1, "sigmoid")(joined))

    listed = KerasClassifier(two_inputs, loss="binary_crossentropy", **QUIET)
    parts = [X[:, :2], X[:, 2:]]
    assert listed.fit(parts, y).predict(parts).shape == (len(y),)

    class Split(KerasClassifier):
        @property
        def feature_encoder(self):
            return FunctionTransformer(lambda X: [X[:, :2], X[:, 2:]])

    split = Split(two_inputs, loss="binary_crossentropy", **QUIET).fit(X, y)
    np.testing.assert_array_equal(split.predict_proba(X), listed.predict_proba(parts))


def test_sparse_x_is_densified_batch_by_batch(data):
    import scipy.sparse

    X, y = data
    largest = []

    class Counting(scipy.sparse.csr_matrix):
        def toarray(self, *args, **kwargs):
            largest.append(self.shape[0])
            return super().toarray(*args, **kwargs)

        def __getitem__(self, key):
            return Counting(super().__getitem__(key))

    sparse = Counting(np.where(np.abs(X) > 1, X, 0))
    clf = KerasClassifier(
        sigmoid_model, loss="binary_crossentropy", batch_size=16, **QUIET
    ).fit(sparse, y)
    dense = KerasClassifier(
        sigmoid_model, loss="binary_crossentropy", batch_size=16, **QUIET
    ).fit(sparse.toarray(), y)
    largest.clear()
    np.testing.assert_allclose(
        clf.predict_proba(sparse), dense.predict_proba(sparse.toarray()), atol=1e-6
    )
    assert largest and max(largest) <= 512 < len(y) * 10


def test_validation_split_stratifies_only_where_every_class_can_be_held_out():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 3), np.arange(30) % 10  # 3 samples per class

    def softmax(meta):
        return keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(10, activation="softmax")]
        )

    clf = KerasClassifier(
        softmax,
        loss="sparse_categorical_crossentropy",
        validation_split=0.1,  # 3 rows held out: fewer than the 10 classes
        **QUIET,
    )
    assert "val_loss" in clf.fit(X, y).history_


def test_tensorflow_random_state_repeats_inside_and_restores_after():
    from sknn_estimators.wrappers import tensorflow_random_state

    def draw():  # the Keras backend's global generator, unseeded
        return float(keras.ops.convert_to_numpy(keras.random.uniform([1]))[0])

    unseeded, seeded = [], []
    for _ in range(5):
        unseeded += [draw() for _ in range(2)]
        for _ in range(2):
            with tensorflow_random_state(42):
                seeded.append(draw())
    assert len(set(seeded)) == 1
    assert len(set(unseeded)) == len(unseeded)  # the seed did not stay set
