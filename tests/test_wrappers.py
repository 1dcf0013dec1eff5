"""sknn_estimators.wrappers: scikeras' API on the shared core, on tiny data."""

import pickle
import random

import keras
import numpy as np
import pytest
from sklearn.base import (
    BaseEstimator,
    TransformerMixin,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sknn_estimators._keras_runtime import bfloat16_supported
from sknn_estimators.wrappers import KerasClassifier, KerasRegressor
from tests.estimators import WRAPPER_EXACT_WEIGHT_PARAMS, dense_model

QUIET = dict(verbose=0, random_state=0)
#: Enough training for the tiny data to be learned.
FAST = dict(optimizer="adam", optimizer__learning_rate=0.03, epochs=30)


def mlp(meta, hidden_layer_sizes=(8,), output_units=None, activation=None):
    """An MLP for the target in ``meta``, as in scikeras' tutorials."""
    target = meta["target_type_"] if "n_classes_" in meta else "continuous"
    if output_units is None:
        if target == "continuous":
            output_units = meta["n_outputs_"]
        else:
            output_units = 1 if target == "binary" else meta["n_classes_"]
    if activation is None:
        activation = {
            "binary": "sigmoid",
            "multiclass": "softmax",
            "multilabel-indicator": "sigmoid",
        }.get(target, "linear")
    layers = [keras.Input((meta["n_features_in_"],))]
    layers += [
        keras.layers.Dense(units, activation="relu") for units in hidden_layer_sizes
    ]
    layers.append(keras.layers.Dense(output_units, activation=activation))
    return keras.Sequential(layers)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(160, 4).astype(np.float32)
    y_multi = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.5, 0.5])  # 3 classes
    y_binary = (X[:, 0] > 0).astype(int)
    y_reg = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1
    return X, y_binary, y_multi, y_reg


def test_is_classifier_and_regressor():
    assert is_classifier(KerasClassifier(mlp))
    assert is_regressor(KerasRegressor(mlp))
    assert not is_classifier(KerasRegressor(mlp))


def test_model_arguments_from_params_and_routing(data):
    X, y, _, _ = data
    seen = {}

    def get_model(hidden_layer_sizes, dropout, meta, compile_kwargs):
        seen.update(hidden=hidden_layer_sizes, dropout=dropout, meta=meta)
        seen["compile_kwargs"] = compile_kwargs
        return mlp(meta, hidden_layer_sizes)

    clf = KerasClassifier(
        get_model,
        hidden_layer_sizes=(4,),
        model__hidden_layer_sizes=(5, 3),
        dropout=0.1,
        loss="binary_crossentropy",
        epochs=1,
        **QUIET,
    )
    assert clf.get_params()["hidden_layer_sizes"] == (4,)
    clf.fit(X, y)
    assert seen["hidden"] == (5, 3)  # the routed name wins, as in scikeras
    assert seen["dropout"] == 0.1
    assert seen["meta"]["n_features_in_"] == 4
    assert seen["meta"]["target_type_"] == "binary"
    assert list(seen["meta"]["classes_"]) == [0, 1]
    assert seen["meta"]["n_classes_"] == 2
    assert isinstance(seen["compile_kwargs"]["optimizer"], keras.optimizers.RMSprop)
    assert [layer.units for layer in clf.model_.layers] == [5, 3, 1]

    clf.set_params(model__hidden_layer_sizes=(2,), hidden_layer_sizes=(9,))
    twin = clone(clf)
    assert twin.get_params()["model__hidden_layer_sizes"] == (2,)
    assert twin.hidden_layer_sizes == (9,)
    with pytest.raises(ValueError, match="Invalid parameter"):
        clf.set_params(not_a_parameter=1)


@pytest.mark.parametrize(
    "optimizer",
    ["adam", keras.optimizers.Adam, "instance"],
)
def test_optimizer_string_class_instance_and_routing(data, optimizer):
    X, y, _, _ = data
    if optimizer == "instance":
        optimizer = keras.optimizers.Adam(learning_rate=0.02)
        routed = {}
    else:
        routed = {"optimizer__learning_rate": 0.02}
    clf = KerasClassifier(
        mlp,
        optimizer=optimizer,
        loss="binary_crossentropy",
        epochs=1,
        **routed,
        **QUIET,
    ).fit(X, y)
    assert isinstance(clf.model_.optimizer, keras.optimizers.Adam)
    assert clf.model_.optimizer is not optimizer
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.02)


def test_loss_class_with_routing_and_metrics(data):
    X, _, y, _ = data

    def logits_model(meta):
        return mlp(meta, activation="linear")

    clf = KerasClassifier(
        logits_model,
        loss=keras.losses.SparseCategoricalCrossentropy,
        loss__from_logits=True,
        metrics=["accuracy"],
        epochs=2,
        **QUIET,
    ).fit(X, y)
    assert clf.model_.loss.get_config()["from_logits"] is True
    assert set(clf.history_) >= {"loss", "accuracy"}
    assert len(clf.history_["loss"]) == 2


def test_a_model_instance_is_trained_in_place_and_clones_copy_it(data):
    """As in scikeras (and Keras' own fit): the given model is the fitted
    model; scikit-learn's clone deep-copies it, so searches stay independent."""
    X, y, _, _ = data
    user_model = mlp({"target_type_": "binary", "n_classes_": 2, "n_features_in_": 4})
    before = [w.copy() for w in user_model.get_weights()]
    clf = KerasClassifier(user_model, loss="binary_crossentropy", epochs=2, **QUIET)
    twin = clone(clf).fit(X, y)
    assert twin.model_ is not user_model
    for old, new in zip(before, user_model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    clf.fit(X, y)
    assert clf.model_ is user_model
    assert clf.score(X, y) > 0


def test_binary_one_sigmoid_and_two_softmax(data):
    X, y, _, _ = data
    labels = np.array(["no", "yes"])[y]
    sigmoid = KerasClassifier(mlp, loss="binary_crossentropy", **FAST, **QUIET).fit(
        X, labels
    )
    softmax = KerasClassifier(
        mlp,
        model__output_units=2,
        model__activation="softmax",
        loss="sparse_categorical_crossentropy",
        **FAST,
        **QUIET,
    ).fit(X, labels)
    for clf in (sigmoid, softmax):
        proba = clf.predict_proba(X)
        assert proba.shape == (len(X), 2)
        np.testing.assert_allclose(proba.sum(axis=1), 1)
        assert set(clf.predict(X)) <= {"no", "yes"}
        assert clf.score(X, labels) > 0.8
    assert list(sigmoid.classes_) == ["no", "yes"]


@pytest.mark.parametrize(
    "loss", ["sparse_categorical_crossentropy", "categorical_crossentropy"]
)
def test_multiclass_sparse_and_one_hot_loss(data, loss):
    X, _, y, _ = data
    clf = KerasClassifier(mlp, loss=loss, **FAST, **QUIET)
    clf.fit(X, y)
    assert clf.target_type_ == "multiclass"
    assert clf.n_classes_ == 3
    assert clf.predict_proba(X).shape == (len(X), 3)
    assert clf.predict(X).shape == (len(X),)
    assert clf.score(X, y) > 0.7


def test_one_hot_targets_and_multilabel(data):
    X, _, y, _ = data
    one_hot = np.eye(3, dtype=int)[y]
    clf = KerasClassifier(
        mlp,
        model__activation="softmax",
        loss="categorical_crossentropy",
        epochs=5,
        **QUIET,
    ).fit(X, one_hot)
    assert clf.predict(X).shape == one_hot.shape
    assert (clf.predict(X).sum(axis=1) == 1).all()

    multilabel = np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0].astype(int)
    clf = KerasClassifier(mlp, loss="binary_crossentropy", **FAST, **QUIET).fit(
        X, multilabel
    )
    assert clf.target_type_ == "multilabel-indicator"
    assert clf.predict(X).shape == multilabel.shape
    # Indicator predictions are int64 whatever y's dtype, as scikit-learn's.
    from_floats = clone(clf).fit(X, multilabel.astype(np.float32))
    assert from_floats.predict(X).dtype == np.int64
    proba = clf.predict_proba(X)
    assert proba.shape == multilabel.shape and ((proba >= 0) & (proba <= 1)).all()
    assert clf.score(X, multilabel) > 0.5


def test_multi_output_regression(data):
    X, _, _, y = data
    Y = np.c_[y, -y]
    reg = KerasRegressor(mlp, loss="mse", **FAST, **QUIET)
    reg.fit(X, Y)
    assert reg.n_outputs_ == 2
    assert reg.predict(X).shape == (len(X), 2)
    assert reg.score(X, Y) > 0.5
    single = KerasRegressor(mlp, loss="mse", epochs=1, **QUIET).fit(X, y)
    assert single.predict(X).shape == (len(X),)


def test_warm_start_partial_fit_and_fit_kwargs(data):
    X, y, _, _ = data
    clf = KerasClassifier(mlp, loss="binary_crossentropy", epochs=2, **QUIET)
    clf.fit(X, y, epochs=3)
    assert clf.current_epoch == 3
    first = clf.model_
    clf.set_params(warm_start=True).fit(X, y)
    # The same model trains on; fit counts its epochs from 0 again (scikeras).
    assert clf.model_ is first and clf.current_epoch == 2
    clf.partial_fit(X, y)
    assert clf.current_epoch == 3

    fresh = KerasClassifier(mlp, loss="sparse_categorical_crossentropy", **QUIET)
    fresh.partial_fit(X[:20], y[:20] * 0, classes=[0, 1, 2])
    assert list(fresh.classes_) == [0, 1, 2]
    assert fresh.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        clf.fit(X, y, not_a_fit_argument=1)


def test_sample_weight_and_class_weight(data):
    X, y, _, _ = data
    params = dict(loss="binary_crossentropy", **FAST, **QUIET)
    weighted = KerasClassifier(mlp, **params).fit(X, y, sample_weight=(y == 0) * 1.0)
    assert (weighted.predict(X) == 0).mean() > 0.9
    balanced = KerasClassifier(mlp, class_weight={0: 1.0, 1: 0.0}, **params).fit(X, y)
    assert (balanced.predict(X) == 0).mean() > 0.9
    with pytest.raises(InvalidParameterError):
        KerasClassifier(mlp, class_weight="uniform", **params).fit(X, y)


class Recorder(keras.callbacks.Callback):
    epochs_seen = []

    def __init__(self, tag="none"):
        super().__init__()
        self.tag = tag

    def on_epoch_end(self, epoch, logs=None):
        Recorder.epochs_seen.append((self.tag, epoch))


def test_callbacks_instances_classes_and_routing(data):
    X, y, _, _ = data
    Recorder.epochs_seen.clear()
    KerasClassifier(
        mlp,
        loss="binary_crossentropy",
        epochs=2,
        callbacks=[Recorder],
        callbacks__tag="routed",
        fit__callbacks=[Recorder("instance")],
        **QUIET,
    ).fit(X, y)
    assert sorted(Recorder.epochs_seen) == [
        ("instance", 0),
        ("instance", 1),
        ("routed", 0),
        ("routed", 1),
    ]
    with pytest.raises(TypeError, match="callbacks"):
        KerasClassifier(mlp, loss="binary_crossentropy", callbacks=[1], **QUIET).fit(
            X, y
        )


def test_validation_split_records_validation_loss(data):
    X, y, _, _ = data
    clf = KerasClassifier(
        mlp, loss="binary_crossentropy", epochs=2, validation_split=0.25, **QUIET
    ).fit(X, y)
    assert len(clf.history_["val_loss"]) == 2
    # Routed to fit, as scikeras' basic-usage tutorial does.
    clf = KerasClassifier(
        mlp, loss="binary_crossentropy", epochs=2, fit__validation_split=0.25, **QUIET
    ).fit(X, y)
    assert len(clf.history_["val_loss"]) == 2


def test_initialize_builds_without_training(data):
    X, y, _, _ = data
    params = dict(loss="binary_crossentropy", epochs=1, shuffle=False, **QUIET)
    clf = KerasClassifier(mlp, **params)
    assert not clf.initialized_
    clf.initialize(X, y)
    assert clf.initialized_ and clf.current_epoch == 0
    assert clf.predict_proba(X[:3]).shape == (3, 2)
    built = KerasClassifier(mlp, **params).initialize(X, y)
    for a, b in zip(clf.model_.get_weights(), built.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_error_messages_for_wrong_models(data):
    X, _, y, _ = data
    with pytest.raises(ValueError, match=r"output has 2 units, but y \(multiclass\)"):
        KerasClassifier(
            mlp, model__output_units=2, loss="sparse_categorical_crossentropy", **QUIET
        ).fit(X, y)
    with pytest.raises(TypeError, match="must return a keras.Model; it returned dict"):
        KerasClassifier(lambda: {}, loss="mse", **QUIET).fit(X, y)
    with pytest.raises(TypeError, match="``model`` must be a keras.Model"):
        KerasClassifier("not a model", **QUIET).fit(X, y)
    with pytest.raises(ValueError, match="has no model: pass ``model``"):
        KerasClassifier(None, **QUIET).fit(X, y)
    with pytest.raises(ValueError, match="needs a loss"):
        KerasClassifier(mlp, **QUIET).fit(X, y)


def test_random_state_is_scoped_to_the_fit(data):
    """A seeded fit repeats, leaves no process-wide state, and an unseeded fit
    afterwards works and differs (scikeras' TF_DETERMINISTIC_OPS bug)."""
    import os

    X, y, _, _ = data

    def with_dropout(meta):
        return keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.3),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )

    params = dict(loss="binary_crossentropy", epochs=2, verbose=0)
    state = random.getstate()
    a = KerasClassifier(with_dropout, random_state=1, **params).fit(X, y)
    assert random.getstate() == state
    assert "TF_DETERMINISTIC_OPS" not in os.environ
    b = KerasClassifier(with_dropout, random_state=1, **params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = KerasClassifier(with_dropout, **params).fit(X, y)
    d = KerasClassifier(with_dropout, **params).fit(X, y)
    assert not np.array_equal(c.predict_proba(X), d.predict_proba(X))
    assert keras.config.floatx() == "float32"


@keras.saving.register_keras_serializable(package="sknn_tests")
class Scale(keras.layers.Layer):
    """A custom layer, registered with Keras' serialization."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def custom_model(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            Scale(0.5),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def fitted_custom(data):
    X, _, y, _ = data
    labels = np.array(["a", "b", "c"])[y]
    return KerasClassifier(
        custom_model, loss="sparse_categorical_crossentropy", epochs=2, **QUIET
    ).fit(X, labels)


def test_pickle_and_clone_with_a_custom_layer(data, fitted_custom):
    import pickle

    X = data[0]
    twin = pickle.loads(pickle.dumps(fitted_custom))
    np.testing.assert_array_equal(twin.predict_proba(X), fitted_custom.predict_proba(X))
    assert isinstance(twin.model_.layers[0], Scale)
    fresh = clone(fitted_custom)
    assert not fresh.initialized_ and fresh.get_params()["model"] is custom_model


def test_save_and_load_model_in_safe_mode(data, fitted_custom, tmp_path):
    from sknn_estimators import load_model

    X, _, _, y_reg = data
    path = tmp_path / "clf.sknn"
    fitted_custom.save(path)
    loaded = load_model(path)
    assert type(loaded) is KerasClassifier
    np.testing.assert_array_equal(loaded.predict(X), fitted_custom.predict(X))
    np.testing.assert_array_equal(
        loaded.predict_proba(X), fitted_custom.predict_proba(X)
    )
    assert loaded.get_params()["model"] is None  # a function is not saved
    assert list(loaded.classes_) == ["a", "b", "c"]
    assert loaded.history_ == fitted_custom.history_

    reg = KerasRegressor(
        mlp, loss=keras.losses.MeanSquaredError, epochs=1, **QUIET
    ).fit(X, np.c_[y_reg, y_reg])
    with pytest.warns(UserWarning, match=r"\['loss', 'model'\] are Python objects"):
        reg.save(tmp_path / "reg.sknn")
    loaded = load_model(tmp_path / "reg.sknn")
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_grid_search_routes_sample_weight_then_an_unseeded_fit(data):
    """A seeded search, then an unseeded fit, in one process; sample_weight
    reaches fit through metadata routing."""
    import sklearn
    from sklearn.model_selection import GridSearchCV

    X, y, _, _ = data
    clf = KerasClassifier(mlp, loss="binary_crossentropy", epochs=1, **QUIET)
    with sklearn.config_context(enable_metadata_routing=True):
        clf.set_fit_request(sample_weight=True).set_score_request(sample_weight=False)
        search = GridSearchCV(clf, {"model__hidden_layer_sizes": [(4,), (8,)]}, cv=2)
        search.fit(X, y, sample_weight=np.ones(len(y)))
    assert search.best_estimator_.model__hidden_layer_sizes in [(4,), (8,)]
    KerasClassifier(mlp, loss="binary_crossentropy", epochs=1, verbose=0).fit(X, y)


def test_a_model_instance_clones_and_pickles(data):
    import pickle

    X, y, _, _ = data
    user_model = mlp({"target_type_": "binary", "n_classes_": 2, "n_features_in_": 4})
    clf = KerasClassifier(user_model, loss="binary_crossentropy", epochs=1, **QUIET)
    assert clone(clf).model is not user_model
    clf.fit(X, y)
    twin = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))


class Doubled(KerasRegressor):
    """A regressor with its own feature encoder, as in scikeras' guide."""

    @property
    def feature_encoder(self):
        from sklearn.preprocessing import FunctionTransformer

        return FunctionTransformer(lambda X: 2 * X)


def test_the_feature_encoder_can_be_overridden(data):
    X, _, _, y = data
    seen = {}

    def first_layer_input(meta):
        model = mlp(meta)
        seen["meta"] = meta
        return model

    reg = Doubled(first_layer_input, loss="mse", epochs=1, **QUIET).fit(X, y)
    np.testing.assert_array_equal(reg.feature_encoder_.transform(X[:2]), 2 * X[:2])

    class AsList(KerasRegressor):  # one input as a list of one array
        @property
        def feature_encoder(self):
            from sklearn.preprocessing import FunctionTransformer

            return FunctionTransformer(lambda X: [X])

    listed = AsList(mlp, loss="mse", predict__batch_size=-1, **QUIET).fit(X, y)
    assert listed.predict(X).shape == (len(X),)
    assert reg.predict(X).shape == (len(X),)
    assert "feature_encoder_" in seen["meta"] and "target_encoder_" in seen["meta"]


# The multi-output classifier of scikeras' data-transformer guide: a Keras
# model with a binary and a multiclass output, a target encoder that splits y
# into one array per output, and a scorer for the two columns of y.
def get_clf_model(meta):
    inp = keras.layers.Input(shape=(meta["n_features_in_"],))
    x1 = keras.layers.Dense(100, activation="relu")(inp)
    out_bin = keras.layers.Dense(1, activation="sigmoid")(x1)
    out_cat = keras.layers.Dense(meta["n_classes_"][1], activation="softmax")(x1)
    model = keras.Model(inputs=inp, outputs=[out_bin, out_cat])
    model.compile(loss=["binary_crossentropy", "sparse_categorical_crossentropy"])
    return model


class MultiOutputTransformer(BaseEstimator, TransformerMixin):
    def fit(self, y):
        y_bin, y_cat = y[:, 0], y[:, 1]
        self.bin_encoder_ = LabelEncoder().fit(y_bin)
        self.cat_encoder_ = LabelEncoder().fit(y_cat)
        self.n_classes_ = [
            self.bin_encoder_.classes_.size,
            self.cat_encoder_.classes_.size,
        ]
        self.n_outputs_expected_ = 2
        return self

    def transform(self, y):
        y_bin, y_cat = y[:, 0], y[:, 1]
        return [self.bin_encoder_.transform(y_bin), self.cat_encoder_.transform(y_cat)]

    def inverse_transform(self, y, return_proba=False):
        y_pred_proba = y
        if return_proba:
            return np.column_stack(y_pred_proba)
        y_pred_bin = (y_pred_proba[0] > 0.5).astype(int).reshape(-1)
        y_pred_cat = np.argmax(y_pred_proba[1], axis=1)
        y_pred_bin = self.bin_encoder_.inverse_transform(y_pred_bin)
        y_pred_cat = self.cat_encoder_.inverse_transform(y_pred_cat)
        return np.column_stack([y_pred_bin, y_pred_cat])

    def get_metadata(self):
        return {
            "n_classes_": self.n_classes_,
            "n_outputs_expected_": self.n_outputs_expected_,
        }


class MultiOutputClassifier(KerasClassifier):
    @property
    def target_encoder(self):
        return MultiOutputTransformer()

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        y_bin, y_cat = y_true[:, 0], y_true[:, 1]
        y_pred_bin, y_pred_cat = y_pred[:, 0], y_pred[:, 1]
        return np.mean(
            [accuracy_score(y_bin, y_pred_bin), accuracy_score(y_cat, y_pred_cat)]
        )


@pytest.fixture(scope="module")
def multi_output_data():
    rng = np.random.RandomState(0)
    y = np.column_stack([rng.randint(0, 2, size=100), rng.randint(0, 5, size=100)])
    X = StandardScaler().fit_transform(y)  # the labels as features, as in the guide
    return X, y


def test_data_transformer_guide_multi_output_classifier(multi_output_data):
    X, y = multi_output_data
    clf = MultiOutputClassifier(model=get_clf_model, verbose=0, random_state=0)
    score = clf.fit(X, y).score(X, y)  # the guide's one epoch
    assert 0 <= score <= 1
    assert clf.n_classes_ == [2, 5]
    assert clf.n_outputs_expected_ == 2
    assert len(clf.model_.outputs) == 2
    assert clf.predict(X).shape == (100, 2)
    assert clf.predict(X[:1]).shape == (1, 2)
    proba = clf.predict_proba(X)
    assert proba.shape == (100, 6)
    # One row predicts as it does among others (traced inference, lists).
    np.testing.assert_allclose(clf.predict_proba(X[:1]), proba[:1], rtol=1e-5)
    # Trained longer, the two outputs are learned from their own labels
    # (chance is about 0.35; seeds 0-5 score 0.85-0.98).
    clf.set_params(epochs=40).fit(X, y)
    assert clf.score(X, y) > 0.8
    assert len(clf.history_) == 3  # the loss, and each output's own loss


def test_multi_output_validation_split_weights_and_pickle(multi_output_data):
    X, y = multi_output_data
    clf = MultiOutputClassifier(
        model=get_clf_model, validation_split=0.2, epochs=2, **QUIET
    )
    clf.fit(X, y, sample_weight=np.linspace(0.5, 1.5, len(y)))
    assert len(clf.history_["val_loss"]) == 2
    clone(clf).set_params(validation_split=0.0).fit(X, y, validation_data=(X, y))
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    fresh = clone(clf).initialize(X, y)
    assert fresh.predict(X).shape == (100, 2)
    clf.set_params(warm_start=True, validation_split=0.0).partial_fit(X, y)
    assert len(clf.history_["loss"]) == 3


def test_multi_output_model_with_the_wrong_number_of_outputs(multi_output_data):
    X, y = multi_output_data

    def one_output(meta):
        return mlp({"n_features_in_": 2, "n_classes_": 5, "target_type_": "multiclass"})

    clf = MultiOutputClassifier(model=one_output, loss="mse", **QUIET)
    with pytest.raises(
        ValueError,
        match="1 outputs, but the target_encoder of MultiOutputClassifier makes y "
        "an input of size 2",
    ):
        clf.fit(X, y)

    class OneArray(MultiOutputTransformer):
        def transform(self, y):
            return np.column_stack(super().transform(y))

    class OneArrayClassifier(MultiOutputClassifier):
        @property
        def target_encoder(self):
            return OneArray()

    clf = OneArrayClassifier(model=get_clf_model, **QUIET)
    with pytest.raises(TypeError, match="n_outputs_expected_=2, so its transform"):
        clf.fit(X, y)


class DictTargets(BaseEstimator, TransformerMixin):
    """Regression targets as a dict keyed by the model's output names."""

    def fit(self, y):
        self.n_outputs_expected_ = 2
        return self

    def transform(self, y):
        return {"first": y[:, :1], "second": y[:, 1:]}

    def inverse_transform(self, y):
        return np.column_stack([y["first"], y["second"]])

    def get_metadata(self):
        return {"n_outputs_expected_": self.n_outputs_expected_}


class TwoHeadRegressor(KerasRegressor):
    @property
    def target_encoder(self):
        return DictTargets()


def test_multi_output_regressor_with_dict_targets(data):
    X, _, _, y_reg = data
    y = np.column_stack([y_reg, -y_reg])

    def get_model(meta):
        inp = keras.Input((meta["n_features_in_"],))
        hidden = keras.layers.Dense(8, activation="relu")(inp)
        return keras.Model(
            inp,
            {
                "first": keras.layers.Dense(1, name="first")(hidden),
                "second": keras.layers.Dense(1, name="second")(hidden),
            },
        )

    reg = TwoHeadRegressor(get_model, loss="mse", **FAST, **QUIET).fit(X, y)
    assert reg.predict(X).shape == (len(X), 2)
    assert reg.score(X, y) > 0.8

    # A loss dict that names one output trains that output alone (Keras 2's
    # and scikeras' convention), the other keeping its initial weights.
    one = TwoHeadRegressor(
        get_model,
        loss={"first": keras.losses.MeanSquaredError},
        loss__first__name="first_mse",
        **QUIET,
    )
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        one.fit(X, y)
    assert one.model_.loss["first"].name == "first_mse"
    assert one.model_.loss["second"] is None


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_integer_weights_equal_repeated_rows_in_float32(data, estimator):
    """In float32 with one batch and no shuffling, integer weights match
    repeated rows to float rounding (exactly in float64: test_common.py)."""
    X, _, y_multi, y_reg = data
    y = y_multi if estimator == "classifier" else y_reg
    cls = KerasClassifier if estimator == "classifier" else KerasRegressor
    weight = np.random.RandomState(0).randint(0, 3, size=len(y))
    config = {**WRAPPER_EXACT_WEIGHT_PARAMS, "precision": "float32", "epochs": 5}
    params = dict(model=dense_model, **config, **QUIET)
    weighted = cls(**params).fit(X, y, sample_weight=weight)
    repeated = cls(**params).fit(np.repeat(X, weight, axis=0), np.repeat(y, weight))
    method = "predict_proba" if estimator == "classifier" else "predict"
    np.testing.assert_allclose(
        getattr(weighted, method)(X),
        getattr(repeated, method)(X),
        atol=1e-5,
        rtol=1e-5,
    )
    # The weights do change the fit: unweighted training gives another model.
    plain = cls(**params).fit(X, y)
    assert not np.allclose(getattr(plain, method)(X), getattr(weighted, method)(X))


@pytest.mark.skipif(
    not bfloat16_supported(), reason="this machine does not compute bfloat16 natively"
)
def test_mixed_bfloat16_wrapper_smoke(data):
    X, _, y, _ = data
    clf = KerasClassifier(
        mlp,
        loss="sparse_categorical_crossentropy",
        precision="mixed_bfloat16",
        **FAST,
        **QUIET,
    ).fit(X, y)
    assert clf.precision_ == "mixed_bfloat16"
    policies = {layer.dtype_policy.name for layer in clf.model_.layers}
    assert policies == {"mixed_bfloat16"}
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X[:1]), proba[:1], atol=1e-2)
    assert clf.score(X, y) > 0.8
    # The process-wide policy is left as it was.
    assert keras.config.dtype_policy().name == "float32"
