"""The shared estimator core: sample_weight with metadata routing, partial_fit,
callbacks, declared parameters and CNNRegressor."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.metrics import recall_score
from sklearn.model_selection import cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_estimators import CNNRegressor, FashionCNNClassifier, load_model
from sknn_estimators._keras_runtime import import_keras
from tests.clusters import local_dask_client
from tests.conftest import small_cnn
from tests.estimators import KERAS_EXACT_WEIGHT_PARAMS

keras = import_keras()


def small_regressor(**params):
    defaults = dict(
        conv_filters=(8,),
        dense_units=(16,),
        learning_rate_init=0.003,
        batch_size=32,
        epochs=8,
        random_state=0,
    )
    return CNNRegressor(**{**defaults, **params})


def weights_of(estimator):
    return [w.copy() for w in estimator.model_.get_weights()]


# ---------------------------------------------------------------- sample_weight
def test_zero_weight_on_a_class_takes_its_recall_to_zero_as_for_mlp(digits):
    X_train, X_test, y_train, y_test = digits
    weight = np.where(y_train == 3, 0.0, 1.0)
    cnn = small_cnn().fit(X_train / 16, y_train, sample_weight=weight)
    mlp = MLPClassifier(max_iter=300, tol=1e-2, random_state=0).fit(
        X_train / 16, y_train, sample_weight=weight
    )
    for clf in (cnn, mlp):
        recall = recall_score(y_test, clf.predict(X_test / 16), average=None)
        assert recall[3] < 0.05
        assert np.delete(recall, 3).mean() > 0.8


def test_integer_weights_equal_repeated_rows_in_float32(digits):
    """In float32 with one batch, weights match repeated rows to float rounding
    (exactly, in float64: scikit-learn's common check in test_common.py)."""
    X, _, y, _ = digits
    X, y = X[:150] / 16, y[:150]
    weight = np.random.RandomState(0).randint(0, 3, size=len(y))
    config = {**KERAS_EXACT_WEIGHT_PARAMS, "precision": "float32", "epochs": 5}
    weighted = small_cnn(**config).fit(X, y, sample_weight=weight)
    repeated = small_cnn(**config).fit(
        np.repeat(X, weight, axis=0), np.repeat(y, weight)
    )
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-5
    )


def test_class_weight_and_sample_weight_multiply(digits):
    X, _, y, _ = digits
    X, y = X[:150] / 16, y[:150]
    config = {**KERAS_EXACT_WEIGHT_PARAMS, "epochs": 3}
    by_class = small_cnn(class_weight={3: 2.0}, **config).fit(X, y)
    by_sample = small_cnn(**config).fit(X, y, sample_weight=np.where(y == 3, 2, 1))
    np.testing.assert_allclose(
        by_class.predict_proba(X), by_sample.predict_proba(X), rtol=1e-10
    )
    both = small_cnn(class_weight={3: 2.0}, **config).fit(
        X, y, sample_weight=np.where(y == 3, 0.5, 1)
    )
    plain = small_cnn(**config).fit(X, y)
    np.testing.assert_allclose(
        both.predict_proba(X), plain.predict_proba(X), rtol=1e-10
    )


def test_negative_or_misshapen_sample_weight_is_refused(digits):
    X, _, y, _ = digits
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        small_cnn(epochs=1).fit(X[:40], y[:40], sample_weight=-np.ones(40))
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(39,\)"):
        small_cnn(epochs=1).fit(X[:40], y[:40], sample_weight=np.ones(39))


def test_sample_weight_is_routed_through_a_pipeline_and_cross_validate(digits):
    X, _, y, _ = digits
    X, y = X[:300], y[:300]
    weight = np.where(y == 3, 0.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        cnn = (
            small_cnn(epochs=4)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True)
        )
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        pipe = make_pipeline(scaler, cnn)
        pipe.fit(X, y, sample_weight=weight)
        routed = pipe.predict_proba(X)
        result = cross_validate(
            clone(pipe),
            X,
            y,
            cv=3,
            params={"sample_weight": weight},
            return_estimator=True,
        )
    unrouted = make_pipeline(StandardScaler(), small_cnn(epochs=4)).fit(X, y)
    direct = small_cnn(epochs=4).fit(
        StandardScaler().fit_transform(X), y, sample_weight=weight
    )
    np.testing.assert_array_equal(
        routed, direct.predict_proba(StandardScaler().fit(X).transform(X))
    )
    assert not np.array_equal(routed, unrouted.predict_proba(X))
    for fitted in result["estimator"]:
        recall = recall_score(y, fitted.predict(X), labels=[3], average=None)
        assert recall[0] < 0.1


# ------------------------------------------------------------------ partial_fit
def test_partial_fit_k_times_equals_fit_with_k_epochs(digits):
    X, _, y, _ = digits
    X, y = X[:200] / 16, y[:200]
    fitted = small_cnn(epochs=3, shuffle=False).fit(X, y)
    partial = small_cnn(shuffle=False)
    for _ in range(3):
        partial.partial_fit(X, y, classes=np.unique(y))
    for a, b in zip(weights_of(fitted), weights_of(partial), strict=True):
        np.testing.assert_array_equal(a, b)
    assert partial.n_iter_ == 3 and len(partial.loss_curve_) == 3
    np.testing.assert_array_equal(fitted.predict_proba(X), partial.predict_proba(X))


def test_partial_fit_needs_classes_first_and_accepts_subsets_after(digits):
    X, _, y, _ = digits
    clf = small_cnn()
    with pytest.raises(ValueError, match="needs `classes`"):
        clf.partial_fit(X[:50], y[:50])
    clf.partial_fit(X[:50], y[:50] % 2, classes=[0, 1, 2])
    assert clf.classes_.tolist() == [0, 1, 2]
    clf.partial_fit(X[50:60], np.full(10, 2))  # one class only: fine now
    with pytest.raises(
        ValueError, match=r"labels not seen in y of the first fit: \[7\]"
    ):
        clf.partial_fit(X[:10], np.full(10, 7))


def test_regressor_partial_fit_continues_the_network(digits):
    X, _, _, _ = digits
    X, y = X[:200] / 16, X[:200].mean(axis=1) / 16
    reg = small_regressor(shuffle=False)
    reg.partial_fit(X, y)
    model = reg.model_
    reg.partial_fit(X, y)
    assert reg.model_ is model and reg.n_iter_ == 2
    assert reg.loss_curve_[1] < reg.loss_curve_[0]


@pytest.mark.slow
def test_incremental_and_parallel_post_fit_on_a_local_dask_cluster(digits):
    """Incremental streams the blocks of a Dask array through partial_fit;
    ParallelPostFit predicts the blocks on the workers (the large version,
    with a worker memory limit below the array's size, is
    asv's ``DaskSuite`` in benchmarks/bench_memory.py). No memory limit here:
    a worker holding TensorFlow is about 1.2 GiB, where Dask pauses a worker
    limited to 1.5 GiB (80%), and the fit waited forever."""
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, X_test, y, y_test = digits
    X_blocks = da.from_array(X.astype(np.uint8), chunks=(200, 64))
    y_blocks = da.from_array(y, chunks=200)
    assert X_blocks.numblocks[0] == 6
    with local_dask_client() as client:
        incremental = wrappers.Incremental(
            small_cnn(input_scale=1 / 16), shuffle_blocks=False
        )
        incremental.fit(X_blocks, y_blocks, classes=np.arange(10))
        fitted = incremental.estimator_
        post_fit = wrappers.ParallelPostFit(fitted)
        X_test_blocks = da.from_array(X_test.astype(np.uint8), chunks=200)
        predicted = post_fit.predict(X_test_blocks)
        assert isinstance(predicted, da.Array)
        predicted = predicted.compute()
        workers = client.run(lambda: __import__("os").getpid())
    assert len(workers) == 2
    assert fitted.n_iter_ == 6  # one epoch per block
    np.testing.assert_array_equal(predicted, fitted.predict(X_test.astype(np.uint8)))
    assert (predicted == y_test).mean() > 0.5


# -------------------------------------------------------------------- callbacks
class CountEpochs(keras.callbacks.Callback):
    """Counts the epochs it sees, in itself and in the module-level list."""

    def __init__(self):
        super().__init__()
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1
        SEEN_EPOCHS.append(epoch)


SEEN_EPOCHS = []


def test_callbacks_run_and_the_parameters_are_left_untouched(digits):
    seen = SEEN_EPOCHS
    seen.clear()
    counter = CountEpochs()
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1)
    clf = small_cnn(epochs=3, callbacks=[counter, reduce])
    clf.fit(digits[0][:100], digits[2][:100])
    assert seen == [0, 1, 2]  # a copy of the callback ran...
    assert counter.epochs == 0  # ...and the parameter object was not changed
    assert clf.get_params()["callbacks"][0] is counter
    twin = clone(clf)
    assert type(twin.callbacks[0]) is CountEpochs and twin.callbacks[0] is not counter
    restored = pickle.loads(pickle.dumps(clf))
    assert [type(c) for c in restored.callbacks] == [CountEpochs, type(reduce)]
    restored.set_params(epochs=1, warm_start=True).fit(digits[0][:100], digits[2][:100])
    assert restored.n_iter_ == 4


def test_model_checkpoint_writes_its_file(digits, tmp_path):
    path = tmp_path / "best.keras"
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="loss")
    small_cnn(epochs=2, callbacks=[checkpoint]).fit(digits[0][:100], digits[2][:100])
    assert path.is_file()
    assert keras.saving.load_model(path).count_params() > 0


def test_saving_drops_callbacks_with_a_warning(digits, tmp_path):
    clf = small_cnn(epochs=1, callbacks=[keras.callbacks.TerminateOnNaN()])
    clf.fit(digits[0][:60], digits[2][:60])
    with pytest.warns(UserWarning, match="callbacks are Keras objects"):
        clf.save(tmp_path / "m.sknn")
    assert load_model(tmp_path / "m.sknn").callbacks is None


# ----------------------------------------------------------------- CNNRegressor
def test_regressor_is_a_regressor_with_r2_score(digits):
    X_train, X_test, _, _ = digits
    y_train, y_test = X_train.mean(axis=1) / 16, X_test.mean(axis=1) / 16
    reg = small_regressor(epochs=15).fit(X_train / 16, y_train)
    assert is_regressor(reg) and not is_classifier(reg)
    prediction = reg.predict(X_test / 16)
    assert prediction.shape == y_test.shape and prediction.dtype == np.float64
    assert reg.score(X_test / 16, y_test) > 0.5
    assert set(reg.history_) == {"loss", "r2_score"}


def test_regressor_predicts_several_outputs(digits):
    X_train, X_test, _, _ = digits
    Y = np.column_stack([X_train[:, :32].mean(1), X_train[:, 32:].mean(1)]) / 16
    reg = small_regressor(epochs=15).fit(X_train / 16, Y)
    assert reg.n_outputs_ == 2 and reg.model_.output_shape == (None, 2)
    assert reg.predict(X_test / 16).shape == (len(X_test), 2)
    with pytest.raises(ValueError, match="y has 1 dimensions, but this CNNRegressor"):
        reg.set_params(warm_start=True).fit(X_train / 16, Y[:, 0])


def test_regressor_early_stopping_scores_r2(digits):
    X, _, _, _ = digits
    reg = small_regressor(
        epochs=30, early_stopping=True, n_iter_no_change=2, validation_fraction=0.2
    ).fit(X / 16, X.mean(axis=1) / 16)
    assert len(reg.validation_scores_) == reg.n_iter_
    assert reg.best_validation_score_ == max(reg.validation_scores_) <= 1.0


def test_regressor_saves_and_loads(digits, tmp_path):
    X, _, _, _ = digits
    reg = small_regressor(epochs=2).fit(X[:100] / 16, X[:100].mean(axis=1))
    reg.save(tmp_path / "reg.sknn")
    twin = load_model(tmp_path / "reg.sknn")
    assert type(twin) is CNNRegressor and twin.n_outputs_ == 1
    np.testing.assert_array_equal(twin.predict(X / 16), reg.predict(X / 16))


def test_regressor_refuses_non_numeric_targets(digits):
    with pytest.raises(ValueError):
        small_regressor(epochs=1).fit(digits[0][:20], ["a"] * 20)


def test_constraints_are_inherited_and_extended():
    assert set(FashionCNNClassifier._parameter_constraints) - set(
        CNNRegressor._parameter_constraints
    ) == {"class_weight", "label_smoothing"}
    assert set(CNNRegressor().get_params()) == set(CNNRegressor._parameter_constraints)
    assert set(FashionCNNClassifier().get_params()) == set(
        FashionCNNClassifier._parameter_constraints
    )


# --------------------------------------------------- integer images and memmaps
def test_uint8_memmap_trains_without_a_float_copy(digits, tmp_path, monkeypatch):
    import sknn_estimators._base as base

    X_train, X_test, y_train, y_test = digits
    pixels = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=np.uint8, shape=X_train.shape
    )
    pixels[:] = X_train.astype(np.uint8)
    pixels.flush()
    passed = []
    real_make_dataset = base.make_dataset

    def spy(X, *args, **kwargs):
        passed.append(X)
        return real_make_dataset(X, *args, **kwargs)

    monkeypatch.setattr(base, "make_dataset", spy)
    raw = small_cnn(input_scale=1 / 16).fit(pixels, y_train)
    assert passed[0].dtype == np.uint8 and np.shares_memory(passed[0], pixels)
    scaled = small_cnn().fit((X_train / 16).astype(np.float32), y_train)
    # Same seeds: raw pixels rescaled inside the network train as scaled floats.
    agree = (raw.predict(X_test.astype(np.uint8)) == scaled.predict(X_test / 16)).mean()
    assert agree > 0.97
    assert abs(raw.score(X_test, y_test) - scaled.score(X_test / 16, y_test)) < 0.02
    assert [type(layer).__name__ for layer in raw.model_.layers][0] == "Rescaling"


def test_integer_input_is_validated_without_a_float_copy(fitted_cnn, digits):
    X = digits[1].astype(np.int16)
    proba = fitted_cnn.predict_proba(X)
    np.testing.assert_allclose(
        proba, fitted_cnn.predict_proba(X.astype(np.float32)), rtol=1e-6
    )


def test_float64_trains_with_an_l2_penalty_and_round_trips(digits, tmp_path):
    X, _, y, _ = digits
    clf = small_cnn(epochs=1, precision="float64", alpha=0.1, solver="sgd")
    clf.fit(X[:100] / 16, y[:100])
    assert clf.model_.layers[-1].compute_dtype == "float64"
    clf.save(tmp_path / "f64.sknn")
    twin = load_model(tmp_path / "f64.sknn")
    np.testing.assert_array_equal(
        twin.predict_proba(X[:20] / 16), clf.predict_proba(X[:20] / 16)
    )
