"""One measurement of one contender, in a fresh process; prints one JSON line.

Usage: ``python -m benchmarks.worker CASE CONTENDER [options]``. The orchestrator
(:mod:`benchmarks.run`) starts one such process per measurement, so that no
contender inherits another's state (scikeras patches Keras classes when it is
imported; TensorFlow keeps caches and thread pools), and reads the line that
starts with ``BENCH_RESULT``.

Cases and contenders:

- ``fit``: ``ours`` (``FashionCNNClassifier.fit``), ``ours_bf16`` (the same with
  ``precision="mixed_bfloat16"``), ``keras`` (the notebook's ``model.compile`` +
  ``model.fit`` on NumPy arrays), ``scikeras`` (``scikeras.wrappers.
  KerasClassifier``), ``keras_wrapper`` (``keras.wrappers.SKLearnClassifier``).
  Images per second over the epochs after the first, timed by a Keras callback
  that every contender gets the same way (see :func:`install_epoch_clock`).
- ``predict``: ``ours``, ``keras`` (``model.predict``), ``scikeras``,
  ``keras_wrapper``. Median latency of one image, and throughput on a bulk.
- ``accuracy``: ``notebook_cnn``, ``regularised_cnn``, ``notebook_cnn_bf16``,
  ``candidate`` (``--params`` JSON), ``mlp:<name>`` (a preset of the package,
  by its ``PRESETS`` key), ``mlp_default`` (``MLPClassifier()``), ``svc``
  (``SVC()``). Accuracy on the fixed split (or, with ``--cv-fold K``, on fold K
  of the cross-validation protocol; with ``--inner`` too, on the validation
  part of its training fold) and the wall-clock time of ``fit``.
- ``memory``: ``keras_tiny`` (the framework baseline: the same network built,
  compiled and fitted with plain Keras for one step on 64 images),
  ``ours_tiny`` (the same through ``FashionCNNClassifier``, which also imports
  scikit-learn), ``ours`` and ``keras`` fitted for one epoch on synthetic
  images. Peak resident memory of the process.
- ``wrappers``: ``ours`` (``sknn_estimators.wrappers.KerasClassifier``) and
  ``scikeras`` (``scikeras.wrappers.KerasClassifier``) around the same user
  model, a Dense MLP built by a function (:func:`get_user_mlp`). Images per
  second of ``fit`` over the epochs after the first (the same epoch clock as
  ``fit``), then the median latency of one image and the throughput on a bulk.
- ``bf16_fallback``: ``ours`` with bfloat16 support reported missing: the fit
  must warn and train in float32.
- ``env``: versions and hardware support, for the report.
"""

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
import warnings

import numpy as np

from benchmarks import _data, _scaling
from benchmarks._configs import (
    BATCH_SIZE,
    CNN_SEED,
    LEARNING_RATE,
    NOTEBOOK_EPOCHS,
    regularised_params,
)

RESULT_PREFIX = "BENCH_RESULT "


# ------------------------------------------------------------------ helpers
def import_keras():
    """Keras on TensorFlow, quiet, as every contender gets it."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    return keras


def peak_rss_bytes():
    """The process's peak resident memory so far (``ru_maxrss``), in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def image_shape(n_features):
    side = math.isqrt(n_features)
    return (side, side, 1)


def build_keras_cnn(keras, n_features, n_classes, *, flat):
    """The package's network, built by ``build_cnn`` as every contender gets it.

    ``flat`` adds a ``Reshape`` in front (no weights), for the wrappers, which
    take one flattened image per row as scikit-learn estimators do.
    """
    from sknn_estimators._architectures import build_cnn

    shape = image_shape(n_features)
    cnn = build_cnn(shape, n_classes, seed=CNN_SEED)
    if not flat:
        return cnn
    inputs = keras.Input((n_features,))
    outputs = cnn(keras.layers.Reshape(shape)(inputs))
    return keras.Model(inputs, outputs)


class EpochClock:
    """Wall-clock and CPU seconds (all threads of the process) of every epoch
    of every ``keras.Model.fit`` call."""

    def __init__(self):
        self.seconds = []
        self.cpu_seconds = []
        self._start = None

    def callback(self, keras):
        clock = self

        class EpochClockCallback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                clock._start = (time.perf_counter(), time.process_time())

            def on_epoch_end(self, epoch, logs=None):
                wall, cpu = clock._start
                clock.seconds.append(time.perf_counter() - wall)
                clock.cpu_seconds.append(time.process_time() - cpu)

        return EpochClockCallback()


def install_epoch_clock(keras):
    """Add an :class:`EpochClock` callback to every ``keras.Model.fit`` call.

    Every contender of the ``fit`` case runs with this same patch, so they are
    timed the same way whether or not their API takes callbacks
    (``FashionCNNClassifier`` does not).
    """
    clock = EpochClock()
    original_fit = keras.Model.fit

    def fit(model, *args, callbacks=None, **kwargs):
        callbacks = [*(callbacks or []), clock.callback(keras)]
        return original_fit(model, *args, callbacks=callbacks, **kwargs)

    keras.Model.fit = fit
    return clock


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


# ---------------------------------------------------------------- contenders
def make_ours(precision="float32", epochs=1, **params):
    from sknn_estimators import FashionCNNClassifier

    return FashionCNNClassifier(
        batch_size=BATCH_SIZE,
        learning_rate_init=LEARNING_RATE,
        epochs=epochs,
        precision=precision,
        random_state=CNN_SEED,
        **params,
    )


class PlainKeras:
    """The notebook's code: compile, then ``fit``/``predict`` on NumPy arrays."""

    def __init__(self, epochs):
        self.epochs = epochs

    def fit(self, X, y):
        keras = import_keras()
        keras.utils.set_random_seed(CNN_SEED)
        self.n_classes = int(y.max()) + 1
        self.shape = image_shape(X.shape[1])
        self.model_ = build_keras_cnn(keras, X.shape[1], self.n_classes, flat=False)
        self.model_.compile(
            loss="categorical_crossentropy",
            optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
            metrics=["accuracy"],
        )
        self.model_.fit(
            X.reshape((-1, *self.shape)),
            keras.utils.to_categorical(y, self.n_classes),
            batch_size=BATCH_SIZE,
            epochs=self.epochs,
            verbose=0,
        )
        return self


def make_scikeras(epochs):
    keras = import_keras()
    from scikeras.wrappers import KerasClassifier

    keras.utils.set_random_seed(CNN_SEED)

    def model(meta):
        return build_keras_cnn(
            keras, meta["n_features_in_"], meta["n_classes_"], flat=True
        )

    # No random_state: scikeras would turn on TensorFlow's op determinism,
    # which slows it down; the seed is set above instead, as for plain Keras.
    return KerasClassifier(
        model=model,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=LEARNING_RATE,
        metrics=["accuracy"],
        batch_size=BATCH_SIZE,
        epochs=epochs,
        verbose=0,
    )


def make_keras_wrapper(epochs):
    keras = import_keras()
    from keras.wrappers import SKLearnClassifier

    keras.utils.set_random_seed(CNN_SEED)

    def model(X, y):
        network = build_keras_cnn(keras, X.shape[1], y.shape[1], flat=True)
        network.compile(
            loss="categorical_crossentropy",  # the wrapper one-hot encodes y
            optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
            metrics=["accuracy"],
        )
        return network

    return SKLearnClassifier(
        model=model,
        fit_kwargs={"batch_size": BATCH_SIZE, "epochs": epochs, "verbose": 0},
    )


def make_fit_contender(contender, epochs):
    if contender == "ours":
        return make_ours(epochs=epochs)
    if contender == "ours_bf16":
        return make_ours(precision="mixed_bfloat16", epochs=epochs)
    if contender == "keras":
        return PlainKeras(epochs)
    if contender == "scikeras":
        return make_scikeras(epochs)
    if contender == "keras_wrapper":
        return make_keras_wrapper(epochs)
    raise SystemExit(f"unknown contender {contender!r}")


#: The hidden layers of the user model of the ``wrappers`` case.
USER_MLP_HIDDEN = (256, 128)


def get_user_mlp(meta, hidden_layer_sizes=USER_MLP_HIDDEN):
    """The model function of the ``wrappers`` case, as a scikeras user writes
    it: a Dense MLP for ``meta``'s features and classes."""
    keras = import_keras()
    model = keras.Sequential([keras.Input((meta["n_features_in_"],))])
    for units in hidden_layer_sizes:
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(meta["n_classes_"], activation="softmax"))
    return model


def make_wrapper(contender, epochs):
    """The ``wrappers`` case's estimator: the same model function, loss,
    optimizer, batch size and epochs through either package's wrapper."""
    keras = import_keras()
    params = dict(
        model=get_user_mlp,
        hidden_layer_sizes=USER_MLP_HIDDEN,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=LEARNING_RATE,
        metrics=["accuracy"],
        batch_size=BATCH_SIZE,
        epochs=epochs,
        verbose=0,
    )
    if contender == "ours":
        from sknn_estimators.wrappers import KerasClassifier

        # random_state seeds this estimator's fits only.
        return KerasClassifier(random_state=CNN_SEED, **params)
    if contender == "scikeras":
        from scikeras.wrappers import KerasClassifier

        # No random_state: scikeras would turn on TensorFlow's op determinism,
        # which slows it down; the seed is set here instead.
        keras.utils.set_random_seed(CNN_SEED)
        return KerasClassifier(**params)
    raise SystemExit(f"unknown contender {contender!r}")


# --------------------------------------------------------------------- cases
def load_split(args):
    X, y, info = _data.load(_data.resolve_data_home(args.data_home))
    if args.cv_fold is None:
        X_train, X_test, y_train, y_test = _data.split(X, y)
    else:
        X_train, X_test, y_train, y_test = _data.cv_split(
            X, y, args.cv_fold, inner=args.inner
        )
    if args.n_train:
        X_train, y_train = X_train[: args.n_train], y_train[: args.n_train]
    return X, X_train, X_test, y_train, y_test, info


def timed_fit(estimator, X_train, y_train, info, clock):
    """Fit ``estimator`` with its epochs timed by ``clock``; the figures of
    the training case (images/s of the epochs after the first, per CPU-second,
    the whole fit, the warnings it gave)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, fit_seconds = timed(estimator.fit, X_train, y_train)
    epochs, cpu = clock.seconds, clock.cpu_seconds
    n = int(X_train.shape[0])
    timed_epochs = epochs[1:]
    return {
        "n_train": n,
        "epochs": len(epochs),
        "epoch_seconds": epochs,
        "epoch_cpu_seconds": cpu,
        "images_per_s": n * len(timed_epochs) / sum(timed_epochs)
        if timed_epochs
        else None,
        "images_per_cpu_s": n * len(cpu[1:]) / sum(cpu[1:]) if cpu[1:] else None,
        "first_epoch_seconds": epochs[0] if epochs else None,
        "fit_seconds": fit_seconds,
        "images_per_s_end_to_end": n * len(epochs) / fit_seconds,
        "n_params": int(estimator.model_.count_params()),
        "warnings": sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
        "data": info["name"],
    }


def case_fit(args):
    keras = import_keras()
    clock = install_epoch_clock(keras)
    _, X_train, _, y_train, _, info = load_split(args)
    estimator = make_fit_contender(args.contender, args.epochs)
    result = timed_fit(estimator, X_train, y_train, info, clock)
    result["precision"] = getattr(estimator, "precision_", "float32")
    return result


def case_predict(args):
    keras = import_keras()
    X, X_train, X_test, y_train, _, info = load_split(args)
    contender = args.contender
    n_fit = min(1024, X_train.shape[0])
    X_fit, y_fit = X_train[:n_fit], y_train[:n_fit]
    if contender == "ours":
        estimator = make_ours(epochs=1).fit(X_fit, y_fit)

        def predict(rows):
            return estimator.predict(rows)

        prepare = np.asarray
    elif contender == "keras":
        plain = PlainKeras(epochs=1).fit(X_fit, y_fit)
        model = plain.model_

        def predict(rows):
            return np.argmax(model.predict(rows, verbose=0), axis=1)

        def prepare(rows):
            return rows.reshape((-1, *plain.shape))  # the notebook's 4-D arrays

        estimator = plain
    elif contender == "scikeras":
        estimator = make_scikeras(epochs=1).fit(X_fit, y_fit)
        predict, prepare = estimator.predict, np.asarray
    elif contender == "keras_wrapper":
        estimator = make_keras_wrapper(epochs=1).fit(X_fit, y_fit)
        predict, prepare = estimator.predict, np.asarray
    else:
        raise SystemExit(f"unknown contender {contender!r}")
    del keras

    one = prepare(X_test[:1])
    for _ in range(args.warmup):
        predict(one)
    latencies = []
    for _ in range(args.calls):
        start = time.perf_counter()
        predict(one)
        latencies.append(time.perf_counter() - start)

    repeats = -(-args.n_bulk // X.shape[0])
    bulk = prepare(np.concatenate([X] * repeats)[: args.n_bulk])
    predict(bulk)  # warm-up at this size
    bulk_seconds, bulk_cpu_seconds = [], []
    for _ in range(args.bulk_repeats):
        start, cpu = time.perf_counter(), time.process_time()
        predict(bulk)
        bulk_seconds.append(time.perf_counter() - start)
        bulk_cpu_seconds.append(time.process_time() - cpu)
    bulk_median = float(np.median(bulk_seconds))
    return {
        "n_calls": len(latencies),
        "n_warmup_calls": args.warmup,
        "latency_median_ms": 1e3 * float(np.median(latencies)),
        "latency_p10_ms": 1e3 * float(np.percentile(latencies, 10)),
        "latency_p90_ms": 1e3 * float(np.percentile(latencies, 90)),
        "n_bulk": int(bulk.shape[0]),
        "bulk_seconds": bulk_seconds,
        "bulk_images_per_s": bulk.shape[0] / bulk_median,
        "bulk_cpu_seconds": bulk_cpu_seconds,
        "bulk_images_per_cpu_s": bulk.shape[0] / float(np.median(bulk_cpu_seconds)),
        "n_params": int(estimator.model_.count_params()),
        "data": info["name"],
    }


def time_predictions(predict, one, bulk, args):
    """Median latency of ``predict(one)`` after warm-up calls, and the seconds
    (wall-clock and CPU) of each of ``args.bulk_repeats`` calls on ``bulk``."""
    for _ in range(args.warmup):
        predict(one)
    latencies = []
    for _ in range(args.calls):
        start = time.perf_counter()
        predict(one)
        latencies.append(time.perf_counter() - start)
    predict(bulk)  # warm-up at this size
    bulk_seconds, bulk_cpu_seconds = [], []
    for _ in range(args.bulk_repeats):
        start, cpu = time.perf_counter(), time.process_time()
        predict(bulk)
        bulk_seconds.append(time.perf_counter() - start)
        bulk_cpu_seconds.append(time.process_time() - cpu)
    return {
        "n_calls": len(latencies),
        "n_warmup_calls": args.warmup,
        "latency_median_ms": 1e3 * float(np.median(latencies)),
        "latency_p10_ms": 1e3 * float(np.percentile(latencies, 10)),
        "latency_p90_ms": 1e3 * float(np.percentile(latencies, 90)),
        "n_bulk": int(bulk.shape[0]),
        "bulk_seconds": bulk_seconds,
        "bulk_images_per_s": bulk.shape[0] / float(np.median(bulk_seconds)),
        "bulk_cpu_seconds": bulk_cpu_seconds,
        "bulk_images_per_cpu_s": bulk.shape[0] / float(np.median(bulk_cpu_seconds)),
    }


def case_wrappers(args):
    """Fit, then predict, one user model through one package's wrapper."""
    keras = import_keras()
    clock = install_epoch_clock(keras)
    X, X_train, X_test, y_train, _, info = load_split(args)
    estimator = make_wrapper(args.contender, args.epochs)
    fitted = timed_fit(estimator, X_train, y_train, info, clock)
    repeats = -(-args.n_bulk // X.shape[0])
    bulk = np.concatenate([X] * repeats)[: args.n_bulk]
    result = time_predictions(estimator.predict, X_test[:1], bulk, args)
    result.update(fitted)
    return result


def accuracy_estimator(args, n_train):
    """The estimator of an accuracy contender, and the parameters it was given."""
    contender = args.contender
    if contender in ("notebook_cnn", "notebook_cnn_bf16", "regularised_cnn"):
        from sknn_estimators import FashionCNNClassifier

        params = {"random_state": CNN_SEED}
        if contender == "notebook_cnn_bf16":
            params["precision"] = "mixed_bfloat16"
        if contender == "regularised_cnn":
            params.update(regularised_params()[0])
        params.setdefault("epochs", NOTEBOOK_EPOCHS)
        if args.max_epochs:
            params["epochs"] = min(params["epochs"], args.max_epochs)
        return FashionCNNClassifier(**params), params
    if contender == "candidate":
        from sknn_estimators import FashionCNNClassifier

        params = {"random_state": args.seed, "epochs": NOTEBOOK_EPOCHS}
        params.update(_tuples(json.loads(args.params)))
        if args.max_epochs:
            params["epochs"] = min(params["epochs"], args.max_epochs)
        return FashionCNNClassifier(**params), params
    if contender.startswith("mlp:"):
        estimator = make_mlp_preset(contender[4:])
        params = {}
        if "random_state" in estimator.get_params():
            params["random_state"] = 0
        if args.max_iter and "max_iter" in estimator.get_params():
            params["max_iter"] = min(estimator.max_iter, args.max_iter)
        return estimator.set_params(**params), params
    if contender == "mlp_default":
        from sklearn.neural_network import MLPClassifier

        params = {"random_state": 0}
        if args.max_iter:
            params["max_iter"] = args.max_iter
        return MLPClassifier(**params), params
    if contender == "svc":
        from sklearn.svm import SVC

        return SVC(), {}
    raise SystemExit(f"unknown contender {contender!r}")


def _mlp_presets():
    """The MLPClassifier presets of ``sknn_estimators.PRESETS``, by name."""
    from sklearn.neural_network import MLPClassifier

    from sknn_estimators import PRESETS

    return {
        name: preset
        for name, preset in PRESETS.items()
        if issubclass(preset.estimator, MLPClassifier)
    }


def mlp_preset_names():
    """The names of the package's MLPClassifier presets."""
    return list(_mlp_presets())


def make_mlp_preset(name):
    return _mlp_presets()[name].make()


def _tuples(params):
    """JSON has no tuples; the estimators want them (immutable parameters)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


def _n_iter(estimator):
    """``n_iter_`` as an int (SVC has one per pair of classes: their maximum)."""
    n_iter = getattr(estimator, "n_iter_", None)
    return None if n_iter is None else int(np.max(n_iter))


def case_accuracy(args):
    _, X_train, X_test, y_train, y_test, info = load_split(args)
    estimator, params = accuracy_estimator(args, X_train.shape[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cpu = time.process_time()
        _, fit_seconds = timed(estimator.fit, X_train, y_train)
        cpu = time.process_time() - cpu
    predicted, predict_seconds = timed(estimator.predict, X_test)
    accuracy = float(np.mean(predicted == y_test))
    return {
        "accuracy": accuracy,
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": cpu,
        "predict_seconds": predict_seconds,
        "cv_fold": args.cv_fold,
        "inner": bool(args.inner),
        "n_iter": _n_iter(estimator),
        "n_train": int(X_train.shape[0]),
        "n_test": int(X_test.shape[0]),
        "estimator": type(estimator).__name__,
        "params": {
            k: list(v) if isinstance(v, tuple) else v for k, v in params.items()
        },
        "precision": getattr(estimator, "precision_", None),
        "warnings": sorted({f"{w.category.__name__}" for w in caught}),
        "data": info["name"],
    }


def case_memory(args):
    contender = args.contender
    if contender in ("keras_tiny", "ours_tiny"):
        X, y = _data.synthetic_images(BATCH_SIZE)
        if contender == "keras_tiny":
            PlainKeras(epochs=1).fit(X, y)
        else:
            make_ours(epochs=1).fit(X, y)
        return {"peak_rss_bytes": peak_rss_bytes(), "x_nbytes": int(X.nbytes)}
    X, y = _data.synthetic_images(args.n_rows)
    after_data = peak_rss_bytes()
    if contender == "ours":
        estimator = make_ours(epochs=1)
    elif contender == "keras":
        estimator = PlainKeras(epochs=1)
    else:
        raise SystemExit(f"unknown contender {contender!r}")
    _, fit_seconds = timed(estimator.fit, X, y)
    return {
        "peak_rss_bytes": peak_rss_bytes(),
        "peak_rss_before_fit_bytes": after_data,
        "x_nbytes": int(X.nbytes),
        "x_shape": list(X.shape),
        "x_dtype": str(X.dtype),
        "fit_seconds": fit_seconds,
    }


def case_bf16_fallback(args):
    """Simulate a machine without bfloat16: fit must warn and use float32."""
    import sknn_estimators._cnn as cnn_module

    cnn_module.bfloat16_supported = lambda: False
    X, y = _data.synthetic_images(256, n_features=64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator = make_ours(precision="mixed_bfloat16", epochs=1).fit(X, y)
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    policies = {layer.dtype_policy.name for layer in estimator.model_.layers}
    return {
        "warned": any("bfloat16" in m for m in messages),
        "warning": next((m for m in messages if "bfloat16" in m), None),
        "precision_": estimator.precision_,
        "layer_policies": sorted(policies),
        "predicts": bool(estimator.predict(X[:4]).shape == (4,)),
    }


def case_env(args):
    versions = {"python": platform.python_version()}
    for name in ("numpy", "sklearn", "tensorflow", "keras", "scikeras"):
        try:
            module = __import__(name)
            versions[name] = module.__version__
        except ImportError as error:
            versions[name] = f"not installed ({error})"
    import sknn_estimators
    from sknn_estimators._keras_runtime import bfloat16_supported

    versions["sknn_estimators"] = sknn_estimators.__version__
    import tensorflow as tf

    return {
        "versions": versions,
        "bfloat16_supported": bool(bfloat16_supported()),
        "tf_intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "tf_inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
    }


def case_out_of_core(args):
    def load_base():
        _, y, _ = _data.load(_data.resolve_data_home(args.data_home))
        return None, y

    return _scaling.case_out_of_core(
        args, make_ours, lambda: PlainKeras(epochs=1), load_base
    )


def case_many_fits(args):
    from sknn_estimators import FashionCNNClassifier

    def ours(index, X, y):
        estimator = FashionCNNClassifier(
            conv_filters=(8,), dense_units=(16,), epochs=1, random_state=index
        ).fit(X, y)
        estimator.predict(X[:10])

    def plain_keras(index, X, y):
        keras = import_keras()
        model = keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Conv2D(8, 3, padding="same"),
                keras.layers.LeakyReLU(0.1),
                keras.layers.MaxPooling2D(2, padding="same"),
                keras.layers.Flatten(),
                keras.layers.Dense(16),
                keras.layers.LeakyReLU(0.1),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        images = X.reshape(-1, 8, 8, 1)
        model.fit(images, y, epochs=1, batch_size=64, verbose=0)
        model.predict(images[:10], verbose=0)

    return _scaling.case_many_fits(args, ours, plain_keras)


def case_latency(args):
    """Every way of predicting, at 1, 32 and ``--n-bulk`` rows, in this one
    process (see ``benchmarks/bench_latency.py``)."""
    from benchmarks.bench_latency import measure

    rows, facts = measure(
        args.data_home, args.calls, sizes=(1, 32, args.n_bulk), with_scikeras=True
    )
    facts["image_shape"] = list(facts["image_shape"])
    return {
        "rows": {
            str(size): [list(entry) for entry in entries]
            for size, entries in rows.items()
        },
        **facts,
    }


CASES = {
    "fit": case_fit,
    "predict": case_predict,
    "accuracy": case_accuracy,
    "memory": case_memory,
    "bf16_fallback": case_bf16_fallback,
    "wrappers": case_wrappers,
    "env": case_env,
    "out_of_core": case_out_of_core,
    "many_fits": case_many_fits,
    "latency": case_latency,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("contender")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--n-train", type=int, default=0, help="0: all")
    parser.add_argument("--max-epochs", type=int, default=0, help="0: no cap")
    parser.add_argument("--max-iter", type=int, default=0, help="0: no cap")
    parser.add_argument("--params", default="{}", help="JSON, for 'candidate'")
    parser.add_argument("--seed", type=int, default=CNN_SEED, help="for 'candidate'")
    parser.add_argument(
        "--cv-fold",
        type=int,
        default=None,
        help="for 'accuracy': score on this cross-validation fold, not the fixed split",
    )
    parser.add_argument(
        "--inner",
        action="store_true",
        help="with --cv-fold: score on the validation part of the training fold",
    )
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--n-bulk", type=int, default=5000)
    parser.add_argument("--bulk-repeats", type=int, default=3)
    parser.add_argument("--n-rows", type=int, default=60000)
    parser.add_argument("--memmap", default=None, help="for 'out_of_core'")
    parser.add_argument("--n-fits", type=int, default=200, help="for 'many_fits'")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = CASES[args.case](args)
    result.update(
        case=args.case,
        contender=args.contender,
        worker_seconds=time.perf_counter() - start,
        worker_peak_rss_bytes=peak_rss_bytes(),
    )
    sys.stdout.flush()
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
