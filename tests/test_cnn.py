"""FashionCNNClassifier: architecture, scikit-learn workflows, input, errors, state."""

import copy
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.metrics import classification_report
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_estimators import FashionCNNClassifier
from sknn_estimators._architectures import build_cnn
from tests.conftest import small_cnn


# ---------------------------------------------------------------- architecture
def test_default_architecture_has_the_tutorials_356234_parameters():
    model = build_cnn((28, 28, 1), 10)
    assert model.count_params() == 356_234
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 356_234


def test_default_estimator_builds_the_tutorial_network_for_784_features(rng):
    X = rng.uniform(size=(20, 784)).astype(np.float32)
    y = np.arange(20) % 10
    clf = FashionCNNClassifier(epochs=1, random_state=0).fit(X, y)
    assert clf.image_shape_ == (28, 28, 1)
    assert clf.model_.count_params() == 356_234
    names = [type(layer).__name__ for layer in clf.model_.layers]
    assert names == [
        "Conv2D", "LeakyReLU", "MaxPooling2D",
        "Conv2D", "LeakyReLU", "MaxPooling2D",
        "Conv2D", "LeakyReLU", "MaxPooling2D",
        "Flatten", "Dense", "LeakyReLU", "Dense",
    ]  # fmt: skip


def test_architecture_parameters_change_the_network(rng):
    X = rng.uniform(size=(12, 64))
    y = np.arange(12) % 3
    clf = small_cnn(
        conv_filters=(4, 6),
        dense_units=(10, 7),
        dropout=0.2,
        batch_normalization=True,
        epochs=1,
    ).fit(X, y)
    kinds = [type(layer).__name__ for layer in clf.model_.layers]
    assert kinds.count("Conv2D") == 2
    assert kinds.count("Dropout") == 4
    assert kinds.count("BatchNormalization") == 4
    dense = [
        layer.units for layer in clf.model_.layers if type(layer).__name__ == "Dense"
    ]
    assert dense == [10, 7, 3]


def test_batch_normalization_after_pooling_normalises_the_pooled_values(rng):
    X = rng.uniform(size=(12, 64))
    y = np.arange(12) % 3
    clf = small_cnn(
        conv_filters=(4, 6),
        dense_units=(10,),
        batch_normalization="after_pooling",
        epochs=1,
    ).fit(X, y)
    kinds = [type(layer).__name__ for layer in clf.model_.layers]
    assert kinds[:8] == [
        "Conv2D", "MaxPooling2D", "BatchNormalization", "LeakyReLU",
        "Conv2D", "MaxPooling2D", "BatchNormalization", "LeakyReLU",
    ]  # fmt: skip
    assert kinds.count("BatchNormalization") == 3  # and the hidden dense layer
    before = small_cnn(
        conv_filters=(4, 6), dense_units=(10,), batch_normalization=True, epochs=1
    ).fit(X, y)
    assert clf.model_.count_params() == before.model_.count_params()


@pytest.mark.parametrize(
    "augmentation, layers",
    [
        (True, ["RandomFlip", "RandomTranslation"]),
        ("shifts", ["RandomTranslation"]),
        ("flips", ["RandomFlip"]),
        (False, []),
    ],
)
def test_augmentation_adds_its_layers_and_is_inactive_at_prediction(
    rng, augmentation, layers
):
    model = build_cnn((8, 8, 1), 3, seed=0, augmentation=augmentation)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert [k for k in kinds if k.startswith("Random")] == layers
    X = rng.uniform(size=(5, 8, 8, 1)).astype("float32")
    np.testing.assert_array_equal(
        model(X, training=False).numpy(), model(X, training=False).numpy()
    )
    if layers:
        assert not np.allclose(
            model(X, training=True).numpy(), model(X, training=False).numpy()
        )


@pytest.mark.parametrize("schedule", ["cosine", "warmup_cosine"])
def test_learning_rate_schedules_over_the_steps_of_a_fit(rng, schedule):
    X = rng.uniform(size=(40, 64))
    y = np.arange(40) % 2
    clf = small_cnn(
        conv_filters=(4,), dense_units=(8,), epochs=5, batch_size=4,
        learning_rate=schedule, learning_rate_init=0.01,
    ).fit(X, y)  # fmt: skip
    steps = 5 * 10
    rate = clf.model_.optimizer._learning_rate  # the schedule

    def at(step):
        return float(rate(step))

    assert at(steps) == pytest.approx(0.01 * 0.01)  # decayed to 1%
    if schedule == "cosine":
        assert at(0) == pytest.approx(0.01)
    else:
        warmup = 5  # 10% of the steps
        assert at(0) == 0.0 and at(2) == pytest.approx(0.01 * 2 / warmup)
        assert at(warmup) == pytest.approx(0.01)
        assert at(warmup + 1) < 0.01


def test_ema_momentum_ends_fit_with_the_averaged_weights(rng):
    X = rng.uniform(size=(40, 64))
    y = np.arange(40) % 2
    params = dict(conv_filters=(4,), dense_units=(8,), epochs=3, batch_size=8)
    plain = small_cnn(**params).fit(X, y)
    averaged = small_cnn(ema_momentum=0.9, **params).fit(X, y)
    optimizer = averaged.model_.optimizer
    assert optimizer.use_ema and optimizer.ema_momentum == 0.9
    moving = optimizer._model_variables_moving_average
    assert len(moving) == len(averaged.model_.trainable_variables) > 0
    for variable, average in zip(
        averaged.model_.trainable_variables, moving, strict=True
    ):
        np.testing.assert_allclose(variable.numpy(), average.numpy())
    assert not np.allclose(
        averaged.model_.trainable_variables[0].numpy(),
        plain.model_.trainable_variables[0].numpy(),
    )


def test_label_smoothing_trains_towards_softened_targets(digits):
    X_train, X_test, y_train, _ = digits
    sharp = small_cnn(epochs=6).fit(X_train, y_train)
    smooth = small_cnn(epochs=6, label_smoothing=0.2).fit(X_train, y_train)
    loss = smooth.model_.loss
    assert type(loss).__name__ == "CategoricalCrossentropy"
    assert loss.label_smoothing == 0.2
    # Softened targets leave the most confident probabilities further from 1.
    top = np.max(smooth.predict_proba(X_test), axis=1)
    assert np.max(top) < 0.99 < np.max(np.max(sharp.predict_proba(X_test), axis=1))
    assert smooth.score(X_test, digits[3]) > 0.8
    # Early stopping's stratified split and partial_fit take the same targets.
    small_cnn(epochs=2, label_smoothing=0.1, early_stopping=True).fit(
        X_train, y_train
    ).partial_fit(X_train[:50], y_train[:50])


# ------------------------------------------------------- scikit-learn workflows
def test_fit_gives_keras_no_per_batch_callback(digits, monkeypatch):
    """A callback with a per-batch hook makes Keras wait for every step's logs
    (no asynchronous dispatch), a wrapper tax plain ``model.fit`` does not pay;
    the callbacks ``fit`` passes must have epoch-level hooks only."""
    import keras

    seen = []
    original_fit = keras.Model.fit

    def spy(model, *args, callbacks=None, **kwargs):
        seen.extend(callbacks or [])
        return original_fit(model, *args, callbacks=callbacks, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    X_train, _, y_train, _ = digits
    small_cnn(epochs=1).fit(X_train[:100], y_train[:100])
    assert seen
    hooks = ("on_batch_begin", "on_batch_end", "on_train_batch_begin")
    hooks += ("on_train_batch_end", "on_test_batch_end")
    for callback in seen:
        for hook in hooks:
            overridden = getattr(type(callback), hook) is not getattr(
                keras.callbacks.Callback, hook
            )
            assert not overridden, f"{type(callback).__name__} overrides {hook}"


def test_training_input_pipeline_does_not_autotune(digits):
    """With tf.data's autotuning on, many epochs ran on one core
    of two (benchmarks/results/bench_pipeline.md); the training pipeline has fixed
    parallelism and prefetch instead."""
    from sknn_estimators._keras_runtime import make_dataset

    X_train, _, y_train, _ = digits
    fixed = make_dataset(X_train, y_train, batch_size=32, shuffle=True, seed=0)
    tuned = make_dataset(
        X_train, y_train, batch_size=32, shuffle=True, seed=0, tuned=True
    )
    assert fixed.options().autotune.enabled is False
    assert tuned.options().autotune.enabled is True
    batches = [(x.numpy(), y.numpy()) for x, y in fixed]
    assert sum(len(y) for _, y in batches) == len(y_train)
    for (x, y), (x_tuned, y_tuned) in zip(batches, tuned, strict=True):
        np.testing.assert_array_equal(x, x_tuned.numpy())
        np.testing.assert_array_equal(y, y_tuned.numpy())


def test_small_data_sets_group_fewer_batches_per_call(digits):
    """At least MIN_CALLS_PER_EPOCH calls of the training function an epoch
    (so that fits on small folds do not look like retracing to TensorFlow)."""
    from sknn_estimators._keras_runtime import MIN_CALLS_PER_EPOCH

    X_train, _, y_train, _ = digits
    # 38 batches: no divisor of 38 is near 8, so 8 (one iterator per epoch);
    # 36 batches: 6, which divides the epoch (one repeated dataset).
    for rows, expected in [(200, 1), (320, 2), (1200, 8), (1152, 6)]:
        clf = small_cnn(epochs=1).fit(X_train[:rows], y_train[:rows])
        assert clf.model_.steps_per_execution == expected
        assert -(-rows // 32) // expected >= min(MIN_CALLS_PER_EPOCH, rows // 32)


def test_a_small_data_set_trains_each_epoch_in_one_call(digits, monkeypatch):
    """An epoch of at most WHOLE_EPOCH_BATCHES batches runs in one call of the
    training function when the fit has at least MIN_CALLS_PER_EPOCH epochs,
    with the weights of one batch per call."""
    import sknn_estimators._base as base_module
    import sknn_estimators._keras_runtime as runtime

    X_train, X_test, y_train, _ = digits
    X_train, y_train = X_train[:200], y_train[:200]  # 7 batches of 32
    whole = small_cnn(epochs=runtime.MIN_CALLS_PER_EPOCH).fit(X_train, y_train)
    assert whole.model_.steps_per_execution == 7
    monkeypatch.setattr(runtime, "WHOLE_EPOCH_BATCHES", 0)
    monkeypatch.setattr(base_module, "STEPS_PER_EXECUTION", 1)
    single = small_cnn(epochs=runtime.MIN_CALLS_PER_EPOCH).fit(X_train, y_train)
    assert single.model_.steps_per_execution == 1
    np.testing.assert_array_equal(whole.loss_curve_, single.loss_curve_)
    np.testing.assert_array_equal(
        whole.predict_proba(X_test), single.predict_proba(X_test)
    )


def test_grouped_training_steps_give_the_weights_of_single_steps(digits, monkeypatch):
    """``steps_per_execution`` only groups calls of Keras' training function:
    the fit is bit for bit the fit of one step per call (32 batches: one
    repeated dataset for both groupings)."""
    import sknn_estimators._base as cnn_module
    from sknn_estimators._keras_runtime import STEPS_PER_EXECUTION

    X_train, X_test, y_train, _ = digits
    X_train, y_train = X_train[:1024], y_train[:1024]
    grouped = small_cnn(epochs=2).fit(X_train, y_train)
    assert grouped.model_.steps_per_execution == STEPS_PER_EXECUTION > 1
    monkeypatch.setattr(cnn_module, "STEPS_PER_EXECUTION", 1)
    single = small_cnn(epochs=2).fit(X_train, y_train)
    assert single.model_.steps_per_execution == 1
    np.testing.assert_array_equal(grouped.loss_curve_, single.loss_curve_)
    np.testing.assert_array_equal(
        grouped.predict_proba(X_test), single.predict_proba(X_test)
    )


@pytest.mark.parametrize(
    "params",
    [dict(), dict(batch_normalization=True, dropout=0.2, negative_slope=0.0)],
    ids=["notebook", "relu-batchnorm-dropout"],
)
def test_pooling_before_the_activation_builds_the_same_function(rng, params):
    model = build_cnn((12, 10, 1), 3, seed=0, **params)
    swapped = build_cnn((12, 10, 1), 3, seed=0, pool_before_activation=True, **params)
    names = [type(layer).__name__ for layer in model.layers]
    swapped_names = [type(layer).__name__ for layer in swapped.layers]
    assert sorted(names) == sorted(swapped_names) and names != swapped_names
    assert swapped_names.count("LeakyReLU") == names.count("LeakyReLU")
    for i, name in enumerate(swapped_names[:-1]):
        if name == "MaxPooling2D":
            assert swapped_names[i + 1] == "LeakyReLU"
    assert model.count_params() == swapped.count_params()
    for a, b in zip(model.weights, swapped.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    X = rng.normal(size=(17, 12, 10, 1)).astype("float32")
    np.testing.assert_array_equal(
        model(X, training=False).numpy(), swapped(X, training=False).numpy()
    )


def test_mixed_bfloat16_pools_before_the_activation(digits, monkeypatch):
    import sknn_estimators._base as cnn_module

    monkeypatch.setattr(cnn_module, "bfloat16_supported", lambda: True)
    X_train, _, y_train, _ = digits
    clf = small_cnn(conv_filters=(4, 6), epochs=1, precision="mixed_bfloat16")
    clf.fit(X_train[:64], y_train[:64])
    assert clf.precision_ == "mixed_bfloat16"
    names = [type(layer).__name__ for layer in clf.model_.layers]
    assert names[:6] == [
        "Conv2D", "MaxPooling2D", "LeakyReLU", "Conv2D", "MaxPooling2D", "LeakyReLU",
    ]  # fmt: skip


@pytest.mark.parametrize("native", [True, False])
def test_auto_precision_uses_bfloat16_only_where_native(digits, monkeypatch, native):
    import sknn_estimators._base as base_module

    monkeypatch.setattr(base_module, "bfloat16_supported", lambda: native)
    X_train, _, y_train, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning either way
        clf = small_cnn(epochs=1, precision="auto").fit(X_train[:64], y_train[:64])
    assert clf.precision_ == ("mixed_bfloat16" if native else "float32")
    assert clf.model_.layers[0].dtype_policy.name == clf.precision_


def test_pipeline_after_standard_scaler_on_digits_scores_well_above_chance(digits):
    X_train, X_test, y_train, y_test = digits
    pipe = make_pipeline(StandardScaler(), small_cnn(image_shape=(8, 8, 1)))
    pipe.fit(X_train, y_train)
    accuracy = pipe.score(X_test, y_test)
    assert accuracy > 0.85  # chance is 0.1
    report = classification_report(y_test, pipe.predict(X_test), output_dict=True)
    assert set(report) >= {str(c) for c in range(10)} | {"accuracy"}
    assert report["accuracy"] == pytest.approx(accuracy)


def test_is_a_classifier_so_cross_validation_is_stratified(digits):
    clf = FashionCNNClassifier()
    assert is_classifier(clf)
    assert isinstance(
        check_cv(3, digits[2], classifier=is_classifier(clf)), StratifiedKFold
    )


def test_grid_search_picks_the_same_best_parameters_with_one_and_two_processes(digits):
    X_train, _, y_train, _ = digits
    grid = {"epochs": [1, 6], "dense_units": [(4,), (32,)]}
    results = []
    for n_jobs in (1, 2):
        search = GridSearchCV(small_cnn(), grid, cv=3, n_jobs=n_jobs)
        search.fit(X_train[:600], y_train[:600])
        results.append(search)
    assert (
        results[0].best_params_
        == results[1].best_params_
        == {
            "dense_units": (32,),
            "epochs": 6,
        }
    )
    np.testing.assert_allclose(
        results[0].cv_results_["mean_test_score"],
        results[1].cv_results_["mean_test_score"],
        atol=0.02,
    )


# ------------------------------------------------------------------ input kinds
def test_string_labels_round_trip(digits):
    X_train, X_test, y_train, _ = digits
    names = np.array(["zero", "one", "two", "three", "four"])
    y = names[y_train % 5]  # five string classes
    clf = small_cnn(epochs=3).fit(X_train, y)
    assert clf.classes_.tolist() == sorted(set(y))
    assert set(clf.predict(X_test)) <= set(y)
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_binary_labels(digits):
    X_train, X_test, y_train, y_test = digits
    clf = small_cnn().fit(X_train, y_train % 2 == 1)
    assert clf.classes_.tolist() == [False, True]
    assert clf.predict_proba(X_test).shape == (len(X_test), 2)
    assert clf.score(X_test, y_test % 2 == 1) > 0.8


@pytest.mark.parametrize("layout", ["3d", "4d"])
def test_image_arrays_as_keras_users_pass_them(digits, fitted_cnn, layout):
    X_train, X_test, y_train, _ = digits
    shape = (8, 8) if layout == "3d" else (8, 8, 1)
    clf = small_cnn().fit(X_train.reshape(-1, *shape), y_train)
    assert clf.image_shape_ == (8, 8, 1)
    assert clf.n_features_in_ == 64
    expected = fitted_cnn.predict_proba(X_test)
    np.testing.assert_array_equal(
        clf.predict_proba(X_test.reshape(-1, *shape)), expected
    )
    # the flattened layout is accepted at prediction too
    np.testing.assert_array_equal(clf.predict_proba(X_test), expected)


def test_colour_images_keep_their_channels(rng):
    X = rng.uniform(size=(30, 6, 6, 3))
    y = np.arange(30) % 2
    clf = small_cnn(epochs=1).fit(X, y)
    assert clf.image_shape_ == (6, 6, 3)
    assert clf.n_features_in_ == 108
    with pytest.raises(ValueError, match=r"images of shape \(6, 6\).*fitted on images"):
        clf.predict(X[:, :, :, 0])


def test_dataframe_input_records_feature_names(digits):
    X_train, X_test, y_train, _ = digits
    columns = [f"px{i}" for i in range(64)]
    clf = small_cnn(epochs=2).fit(pd.DataFrame(X_train, columns=columns), y_train)
    assert clf.feature_names_in_.tolist() == columns
    assert clf.predict(pd.DataFrame(X_test, columns=columns)).shape == (len(X_test),)


@pytest.mark.parametrize(
    "n_features, expected",
    [
        (784, (28, 28, 1)),
        (64, (8, 8, 1)),
        (4, (2, 2, 1)),
        (5, (1, 5, 1)),
        (1, (1, 1, 1)),
    ],
)
def test_image_shape_is_inferred_from_the_number_of_features(rng, n_features, expected):
    X = rng.uniform(size=(10, n_features))
    clf = small_cnn(conv_filters=(2,), dense_units=(), epochs=1)
    assert clf.fit(X, np.arange(10) % 2).image_shape_ == expected


def test_image_shape_parameter_overrides_inference(rng):
    X = rng.uniform(size=(10, 24))
    clf = small_cnn(image_shape=(4, 3, 2), epochs=1).fit(X, np.arange(10) % 2)
    assert clf.model_.input_shape == (None, 4, 3, 2)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_rejected(digits, bad):
    X = digits[0][:50].copy()
    X[3, 5] = bad
    with pytest.raises(ValueError, match="(NaN|infinity)"):
        small_cnn().fit(X, digits[2][:50])


def test_wrong_feature_count_at_predict(fitted_cnn):
    with pytest.raises(ValueError, match="X has 63 features, but FashionCNNClassifier"):
        fitted_cnn.predict(np.zeros((2, 63)))


def test_image_shape_that_does_not_match_the_features(digits):
    with pytest.raises(
        ValueError, match=r"`image_shape`=\(7, 7\) holds 49 values .* 64"
    ):
        small_cnn(image_shape=(7, 7)).fit(digits[0], digits[2])


def test_single_class_is_rejected(digits):
    with pytest.raises(ValueError, match="at least 2 classes.*got 1 class"):
        small_cnn().fit(digits[0][:20], np.zeros(20))


def test_empty_X_is_rejected():
    with pytest.raises(ValueError, match="0 sample"):
        small_cnn().fit(np.zeros((0, 64)), np.zeros(0))


def test_predict_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        small_cnn().predict(np.zeros((2, 64)))


def test_continuous_targets_are_rejected(digits):
    with pytest.raises(ValueError, match="Unknown label type"):
        small_cnn().fit(digits[0][:20], np.linspace(0, 1, 20))


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"epochs": 0},
            r"'epochs' parameter .* must be an int in the range \[1, inf\)",
        ),
        ({"epochs": 2.5}, r"'epochs' parameter .* Got 2.5 instead"),
        ({"batch_size": -1}, r"'batch_size' parameter .* range \[1, inf\)"),
        ({"learning_rate_init": 0.0}, r"'learning_rate_init' .* range \(0.0, inf\)"),
        ({"alpha": -1.0}, r"'alpha' parameter .* range \[0.0, inf\)"),
        ({"tol": float("nan")}, r"'tol' parameter"),
        ({"validation_fraction": 1.0}, r"'validation_fraction' .* \(0.0, 1.0\)"),
        ({"n_iter_no_change": 0}, r"'n_iter_no_change' parameter"),
        ({"conv_filters": (8, 0)}, r"`conv_filters` must be a tuple of ints >= 1"),
        ({"conv_filters": 32}, r"'conv_filters' parameter .* instance of 'tuple'"),
        ({"dense_units": "wide"}, r"'dense_units' parameter .* Got 'wide' instead"),
        ({"kernel_size": 0}, r"'kernel_size' parameter"),
        ({"negative_slope": -0.1}, r"'negative_slope' parameter"),
        ({"dropout": 1.0}, r"'dropout' parameter .* range \[0.0, 1.0\)"),
        (
            {"dropout": (0.1, 0.2, 0.3)},
            r"`dropout` as a tuple needs one rate in \[0, 1\) per block",
        ),
        ({"solver": "lbfgs"}, r"'solver' parameter .* must be a str among"),
        ({"class_weight": "auto"}, r"'class_weight' parameter"),
        ({"class_weight": {0: -1}}, r"`class_weight` values must be numbers >= 0"),
        ({"class_weight": {42: 1.0}}, r"`class_weight` names classes not in y: \[42\]"),
        ({"verbose": 3}, r"'verbose' parameter"),
        (
            {"early_stopping": "yes"},
            r"'early_stopping' parameter .* instance of 'bool'",
        ),
        ({"image_shape": (2, 2, 2, 8)}, r"`image_shape` must be \(height, width\)"),
        ({"random_state": "seed"}, r"'random_state' parameter"),
        ({"callbacks": "tensorboard"}, r"'callbacks' parameter"),
        ({"precision": "float16"}, r"'precision' parameter"),
    ],
)
def test_invalid_parameters_are_named_in_the_error(digits, params, message):
    with pytest.raises(ValueError, match=message):
        small_cnn(**params).fit(digits[0][:40], digits[2][:40])


def test_invalid_parameters_raise_scikit_learns_error(digits):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError) as info:
        small_cnn(epochs="5").fit(digits[0][:40], digits[2][:40])
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_five_dimensional_input_is_rejected():
    with pytest.raises(
        ValueError, match=r"X must be 2-D .* got shape \(4, 2, 2, 2, 1\)"
    ):
        small_cnn().fit(np.zeros((4, 2, 2, 2, 1)), [0, 1, 0, 1])


def test_bad_validation_data(digits):
    X, _, y, _ = digits
    with pytest.raises(ValueError, match="must be a tuple"):
        small_cnn(epochs=1).fit(X[:40], y[:40], validation_data=X[:10])
    with pytest.raises(ValueError, match="`validation_data` has labels not seen in y"):
        small_cnn(epochs=1).fit(
            X[:40], y[:40] % 2, validation_data=(X[:10], y[:10] + 5)
        )


# ------------------------------------------------------------- training state
def test_history_has_training_and_validation_curves(digits):
    X_train, X_test, y_train, y_test = digits
    clf = small_cnn(epochs=3).fit(X_train, y_train, validation_data=(X_test, y_test))
    assert set(clf.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in clf.history_.values())
    assert clf.loss_curve_ == clf.history_["loss"]
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.n_iter_ == 3
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_early_stopping_keeps_the_best_validation_epoch(digits):
    X_train, _, y_train, _ = digits
    clf = small_cnn(
        epochs=40, early_stopping=True, n_iter_no_change=2, validation_fraction=0.2
    ).fit(X_train, y_train)
    assert clf.n_iter_ < 40
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None


def test_warm_start_continues_training(digits):
    X_train, _, y_train, _ = digits
    clf = small_cnn(epochs=2, warm_start=True).fit(X_train, y_train)
    model = clf.model_
    clf.fit(X_train, y_train)
    assert clf.model_ is model
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X_train, y_train % 3)


def test_class_weight_shifts_predictions(digits):
    X_train, X_test, y_train, _ = digits
    y_binary = (y_train == 0).astype(int)  # about 10% positives
    plain = small_cnn(epochs=2).fit(X_train, y_binary)
    heavy = small_cnn(epochs=2, class_weight={1: 50.0}).fit(X_train, y_binary)
    assert heavy.predict(X_test).mean() > plain.predict(X_test).mean()
    balanced = small_cnn(epochs=2, class_weight="balanced").fit(X_train, y_binary)
    assert balanced.predict(X_test).mean() > plain.predict(X_test).mean() * 0.9


# ---------------------------------------------------------- reproducibility
def test_random_state_gives_bit_identical_fits(digits, fitted_cnn):
    X_train, X_test, y_train, _ = digits
    again = small_cnn().fit(X_train, y_train)
    np.testing.assert_array_equal(
        again.predict_proba(X_test), fitted_cnn.predict_proba(X_test)
    )


def test_without_random_state_fits_differ(digits):
    X_train, X_test, y_train, _ = digits
    a = small_cnn(random_state=None, epochs=1).fit(X_train, y_train)
    b = small_cnn(random_state=None, epochs=1).fit(X_train, y_train)
    assert not np.array_equal(a.predict_proba(X_test), b.predict_proba(X_test))


def test_fit_leaves_global_random_state_alone(digits):
    X_train, _, y_train, _ = digits
    before = np.random.get_state()[1].copy()
    small_cnn(epochs=1).fit(X_train[:100], y_train[:100])
    np.testing.assert_array_equal(np.random.get_state()[1], before)


# ------------------------------------------------------- copying and pickling
@pytest.mark.parametrize(
    "copier", [pickle.loads, copy.deepcopy], ids=["pickle", "deepcopy"]
)
def test_fitted_copies_predict_identically(digits, fitted_cnn, copier):
    X_test = digits[1]
    data = pickle.dumps(fitted_cnn) if copier is pickle.loads else fitted_cnn
    twin = copier(data)
    assert twin.model_ is not fitted_cnn.model_
    np.testing.assert_array_equal(
        twin.predict_proba(X_test), fitted_cnn.predict_proba(X_test)
    )
    assert twin.history_ == fitted_cnn.history_


def test_unfitted_estimator_pickles(digits):
    clf = small_cnn(epochs=2)
    twin = pickle.loads(pickle.dumps(clf))
    assert twin.get_params() == clf.get_params()


def test_clone_refits_identically(digits, fitted_cnn):
    X_train, X_test, y_train, _ = digits
    twin = clone(fitted_cnn)
    assert not hasattr(twin, "model_")
    twin.fit(X_train, y_train)
    np.testing.assert_array_equal(
        twin.predict_proba(X_test), fitted_cnn.predict_proba(X_test)
    )


def test_pickled_model_can_keep_training(digits, fitted_cnn):
    X_train, _, y_train, _ = digits
    twin = pickle.loads(pickle.dumps(fitted_cnn)).set_params(warm_start=True, epochs=1)
    twin.fit(X_train, y_train)
    assert twin.n_iter_ == fitted_cnn.n_iter_ + 1


# ------------------------------------------------------------------ inference
def test_predict_uses_the_traced_function_not_model_predict(
    digits, fitted_cnn, monkeypatch
):
    def forbidden(*args, **kwargs):
        raise AssertionError("model.predict must not be called")

    monkeypatch.setattr(fitted_cnn.model_, "predict", forbidden)
    assert fitted_cnn.predict(digits[1][:1]).shape == (1,)


def test_large_inputs_are_predicted_in_chunks(digits, fitted_cnn, monkeypatch):
    X = np.tile(digits[1], (3, 1))  # 1,791 rows: several chunks of 512
    proba = fitted_cnn.predict_proba(X)
    np.testing.assert_array_equal(
        proba[: len(digits[1])], fitted_cnn.predict_proba(digits[1])
    )
    np.testing.assert_array_equal(proba[-5:], fitted_cnn.predict_proba(X[-5:]))


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(negative_slope=0.0, batch_normalization=True, dropout=0.2),
        dict(negative_slope=0.3, conv_filters=(4, 6), augmentation=True),
    ],
    ids=["notebook", "relu-batchnorm-dropout", "two-blocks-augmented"],
)
def test_inference_pools_before_activating_with_identical_outputs(rng, params):
    import tensorflow as tf

    from sknn_estimators._keras_runtime import inference_layers, make_predict_function

    model = build_cnn((12, 10, 1), 3, seed=0, **params)
    names = [type(layer).__name__ for layer in inference_layers(model)]
    kept = [type(layer).__name__ for layer in model.layers]
    assert sorted(names) == sorted(kept)
    for i, name in enumerate(kept[:-1]):
        if name == "LeakyReLU" and kept[i + 1] == "MaxPooling2D":
            assert names[i : i + 2] == ["MaxPooling2D", "LeakyReLU"]
    assert names != kept

    X = rng.normal(size=(37, 12, 10, 1)).astype("float32")
    np.testing.assert_array_equal(
        make_predict_function(model)(tf.constant(X)).numpy(),
        model(X, training=False).numpy(),
    )


def test_inference_of_other_models_calls_the_model_as_it_is(rng):
    import keras
    import tensorflow as tf

    from sknn_estimators._keras_runtime import inference_layers, make_predict_function

    inputs = keras.Input((6, 6, 1))
    hidden = keras.layers.LeakyReLU(0.2)(keras.layers.Conv2D(2, 3)(inputs))
    outputs = keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(hidden))
    functional = keras.Model(inputs, outputs)
    assert inference_layers(functional) is None
    X = rng.normal(size=(5, 6, 6, 1)).astype("float32")
    np.testing.assert_array_equal(
        make_predict_function(functional)(tf.constant(X)).numpy(),
        functional(X, training=False).numpy(),
    )


def test_mixed_bfloat16_inference_agrees_with_the_model_to_bfloat16_rounding(rng):
    import tensorflow as tf

    from sknn_estimators._keras_runtime import make_predict_function

    model = build_cnn((8, 8, 1), 4, dtype_policy="mixed_bfloat16", seed=0)
    X = rng.normal(size=(9, 8, 8, 1)).astype("float32")
    proba = make_predict_function(model)(tf.constant(X)).numpy()
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba, model(X, training=False).numpy(), atol=2e-3)


def test_importing_the_package_does_not_import_tensorflow():
    code = (
        "import sys, sknn_estimators; "
        "from sknn_estimators import FashionCNNClassifier; "
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -------------------------------------------------------------------- presets
def test_cnn_presets_configure_the_estimator(digits):
    from sknn_estimators import PRESETS

    assert {"cnn", "cnn-regularised"} <= set(PRESETS)
    assert PRESETS["cnn"].make().get_params() == FashionCNNClassifier().get_params()
    clf = PRESETS["cnn-regularised"].make(
        conv_filters=(8, 8), dense_units=(16,), epochs=1
    )
    assert clf.batch_normalization and clf.learning_rate == "cosine"
    assert clf.dropout == (0.25, 0.25, 0.4, 0.3)
    with pytest.raises(TypeError):
        PRESETS["cnn-regularised"].params["epochs"] = 3  # read-only
    clf.set_params(dropout=(0.25, 0.25, 0.3)).fit(digits[0][:200], digits[2][:200])
    kinds = [type(layer).__name__ for layer in clf.model_.layers]
    assert kinds.count("BatchNormalization") == 3 and kinds.count("Dropout") == 3
