"""What the benchmark modules share: sizes, data, contenders, mixins.

As scikit-learn's ``asv_benchmarks/benchmarks/common.py``: ``Benchmark`` holds
the repeats, ``Estimator`` fits a contender in ``setup``, ``Predictor`` times
its predictions; one module per area, the contenders as asv ``params``. Only
the public API of ``sknn_estimators``; TensorFlow only inside the benchmarks.
Environment (asv passes it on): ``SKNN_BENCH_PROFILE`` ``full`` (default) or
``quick`` (tiny sizes, for smoke runs); ``SKNN_BENCH_DATA``, a folder of the
Fashion-MNIST files or ``digits`` (default: ``../shared/fashion-mnist-subset``
when it is there, else digits).
"""

import gc
import math
import os
import re
import time
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

BATCH_SIZE, LEARNING_RATE, CNN_SEED = 64, 1e-3, 0  # every contender's
NOTEBOOK_EPOCHS = 20  # the tutorial's, for the accuracy comparison
TEST_SIZE, SPLIT_SEED = 0.15, 0  # the fixed stratified split
#: The cross-validation protocol (``python -m benchmarks.cross_validate``), and
#: its targets: the preset's mean accuracy at least ``ACCURACY_TARGET`` in at
#: most ``TIME_BUDGET`` times the tutorial network's fit time.
CV_FOLDS, CV_SEED, INNER_VALIDATION_SIZE = 5, 0, 0.15
REGULARISED_PRESET, ACCURACY_TARGET, TIME_BUDGET = "cnn-regularised", 0.91, 2.0

#: The sizes of each profile: name -> (full, quick).
_SIZES = {
    "fit_epochs": (6, 2),
    "n_train": (None, 512),  # None: the whole training part
    "n_bulk": (5000, 1000),
    "max_epochs": (None, 2),
    "max_iter": (None, 10),
    "memory_rows": (60000, 6000),
    "out_of_core_rows": (1_000_000, 20_000),
    "in_memory_rows": (100_000, 5_000),
    "n_fits": (200, 20),
    "dask_rows": (100_000, 20_000),
}
PROFILES = {
    p: {k: v[i] for k, v in _SIZES.items()} for i, p in enumerate(("full", "quick"))
}
PROFILE = os.environ.get("SKNN_BENCH_PROFILE", "full")
SIZES = PROFILES[PROFILE]

DEFAULT_DATA_HOME = Path(__file__).resolve().parents[2] / "shared"
DEFAULT_DATA_HOME /= "fashion-mnist-subset"
_IMAGES_FILE = "train-images-idx3-ubyte.gz"


class Benchmark:
    """The repeats of every benchmark: one fit is seconds, not microseconds."""

    timer = time.perf_counter
    processes = 2
    number = 1
    warmup_time = 0
    timeout = 3600
    repeat = (1, 5, 120.0) if PROFILE == "full" else 1


class Estimator:
    """Fit ``self.make(*params)`` on the training part in ``setup``."""

    n_fit = None  #: rows to fit on (None: the whole training part)

    def setup(self, *params):
        self.X, self.X_test, self.y, self.y_test = split()
        if self.n_fit:
            self.X, self.y = self.X[: self.n_fit], self.y[: self.n_fit]
        self.estimator = self.make(*params).fit(self.X, self.y)


class Predictor(ABC):
    """One-row latency and bulk throughput of ``self.estimator.predict``
    (abstract, so that asv does not take the mixin for a benchmark)."""

    @property
    @abstractmethod
    def params(self): ...

    def setup(self, *params):
        super().setup(*params)
        self.one = self.X_test[:1]
        X = np.concatenate([self.X_test] * -(-SIZES["n_bulk"] // len(self.X_test)))
        self.bulk = X[: SIZES["n_bulk"]]
        for _ in range(10):  # warm-up: traced functions, small-batch engines
            self.estimator.predict(self.one)
        self.estimator.predict(self.bulk)

    def time_predict_one(self, *params):
        self.estimator.predict(self.one)

    def time_predict_bulk(self, *params):
        self.estimator.predict(self.bulk)


def resolve_data_home(data_home=None):
    """The folder of the Fashion-MNIST files, or None for digits."""
    data_home = data_home or os.environ.get("SKNN_BENCH_DATA")
    if data_home == "digits":
        return None
    if data_home is None:
        found = (DEFAULT_DATA_HOME / _IMAGES_FILE).is_file()
        return str(DEFAULT_DATA_HOME) if found else None
    if not (Path(data_home) / _IMAGES_FILE).is_file():
        raise FileNotFoundError(f"{data_home}: no {_IMAGES_FILE}; or use 'digits'")
    return str(data_home)


def load(data_home=None):
    """``(X, y, info)``: float32 pixels in [0, 1], labels, a description."""
    home = resolve_data_home(data_home)
    if home is None:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X, name = (X / 16.0).astype(np.float32), "digits"
    else:
        from sknn_estimators.datasets import load_fashion_mnist

        X, y = load_fashion_mnist(
            subset="train", data_home=home, download=False, return_X_y=True
        )
        X, name = X / np.float32(255), "fashion-mnist-subset"
    return X, y, {"name": name, "n_samples": len(X), "n_features": X.shape[1]}


def split(data_home=None):
    """The fixed stratified split: ``X_train, X_test, y_train, y_test``."""
    from sklearn.model_selection import train_test_split

    X, y, _ = load(data_home)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, stratify=y, random_state=SPLIT_SEED
    )
    n = SIZES["n_train"]
    return X_train[:n], X_test, y_train[:n], y_test


def cv_split(X, y, fold, *, inner=False):
    """Fold ``fold`` of ``StratifiedKFold(CV_FOLDS, shuffle=True,
    random_state=CV_SEED)``; with ``inner``, the test part is a stratified
    validation part (``INNER_VALIDATION_SIZE``) of the training folds."""
    from sklearn.model_selection import StratifiedKFold, train_test_split

    folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=CV_SEED)
    train, test = list(folds.split(X, y))[fold]
    if inner:
        train, test = train_test_split(
            train,
            test_size=INNER_VALIDATION_SIZE,
            stratify=y[train],
            random_state=CV_SEED,
        )
    return X[train], X[test], y[train], y[test]


def synthetic_images(n_samples, n_features=784, n_classes=10, seed=0):
    """Random pixels in [0, 1] (float32, filled in chunks so that making them
    needs no more memory than ``X``) and random labels."""
    rng = np.random.default_rng(seed)
    X = np.empty((n_samples, n_features), dtype=np.float32)
    for start in range(0, n_samples, 4096):
        stop = min(start + 4096, n_samples)
        chunk = rng.integers(0, 256, size=(stop - start, n_features), dtype=np.uint8)
        np.divide(chunk, 255.0, out=X[start:stop], dtype=np.float32)
    return X, rng.integers(0, n_classes, size=n_samples)


def import_keras():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    return keras


#: The small-fit benchmarks' network and training: a 30-32-1 network on
#: ``load_breast_cancer``, 20 epochs of batch 32.
SMALL_FIT = dict(epochs=20, batch=32, hidden=32, seed=0)


def breast_cancer():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


def small_network(n_features, n_outputs=1, learning_rate=1e-3, compile=True):
    """The small network of the small-fit benchmarks, in plain Keras."""
    keras = import_keras()
    model = keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(SMALL_FIT["hidden"], activation="relu"),
            keras.layers.Dense(n_outputs, activation="sigmoid"),
        ]
    )
    if compile:
        optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
        model.compile(optimizer=optimizer, loss="binary_crossentropy")
    return model


def small_wrapper_params(learning_rate=1e-3):
    """The small network's parameters for ours and for scikeras (the same
    scikeras API): the network, its loss and Adam at ``learning_rate``."""

    def model(meta):
        return small_network(meta["n_features_in_"], compile=False)

    return dict(
        model=model,
        loss="binary_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=learning_rate,
        epochs=SMALL_FIT["epochs"],
        batch_size=SMALL_FIT["batch"],
        verbose=0,
    )


def notebook_cnn(
    n_features, n_classes, *, flat=False, filters=(32, 64, 128), units=128
):
    """The tutorial notebook's network in plain Keras, as the notebook writes it
    (the layers of ``FashionCNNClassifier()``); ``flat`` takes one flattened
    image per row, as scikit-learn estimators do."""
    keras = import_keras()
    side = math.isqrt(n_features)
    layers = [keras.Input((n_features,) if flat else (side, side, 1))]
    layers += [keras.layers.Reshape((side, side, 1))] if flat else []
    for n_filters in filters:
        layers += [
            keras.layers.Conv2D(n_filters, 3, padding="same"),
            keras.layers.LeakyReLU(0.1),
            keras.layers.MaxPooling2D(2, padding="same"),
        ]
    layers += [keras.layers.Flatten(), keras.layers.Dense(units)]
    layers += [keras.layers.LeakyReLU(0.1), keras.layers.Dense(n_classes)]
    return keras.Sequential([*layers, keras.layers.Softmax()])


class PlainKeras:
    """The notebook's code: compile, then ``fit`` / ``predict`` 4-D arrays."""

    def __init__(self, epochs=1, callbacks=()):
        self.epochs, self.callbacks = epochs, list(callbacks)

    def fit(self, X, y):
        keras = import_keras()
        keras.utils.set_random_seed(CNN_SEED)
        self.shape = (-1, math.isqrt(X.shape[1]), math.isqrt(X.shape[1]), 1)
        self.model_ = notebook_cnn(X.shape[1], int(y.max()) + 1)
        self.model_.compile(
            loss="sparse_categorical_crossentropy",
            optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
            metrics=["accuracy"],
        )
        options = {"epochs": self.epochs, "callbacks": self.callbacks, "verbose": 0}
        self.model_.fit(X.reshape(self.shape), y, batch_size=BATCH_SIZE, **options)
        return self

    def predict(self, X):
        return self.model_.predict(X.reshape(self.shape), verbose=0).argmax(axis=1)


def make_cnn(contender, epochs=1, callbacks=()):
    """The notebook CNN through ``contender``: ``ours``, ``ours_bf16``,
    ``keras``, ``scikeras`` or ``keras_wrapper``; the same network, data,
    batch size, optimiser and epochs for all."""
    if contender.startswith("ours"):
        from sknn_estimators import FashionCNNClassifier

        return FashionCNNClassifier(
            batch_size=BATCH_SIZE,
            learning_rate_init=LEARNING_RATE,
            epochs=epochs,
            precision="mixed_bfloat16" if contender == "ours_bf16" else "float32",
            callbacks=list(callbacks) or None,
            random_state=CNN_SEED,
        )
    if contender == "keras":
        return PlainKeras(epochs, callbacks)
    keras = import_keras()
    # No random_state for the peers: scikeras would turn on TensorFlow's op
    # determinism, which slows it down; the seed is set here instead.
    keras.utils.set_random_seed(CNN_SEED)
    if contender == "scikeras":
        from scikeras.wrappers import KerasClassifier

        return KerasClassifier(
            model=lambda meta: notebook_cnn(
                meta["n_features_in_"], meta["n_classes_"], flat=True
            ),
            loss="sparse_categorical_crossentropy",
            optimizer="adam",
            optimizer__learning_rate=LEARNING_RATE,
            batch_size=BATCH_SIZE,
            epochs=epochs,
            callbacks=list(callbacks),
            verbose=0,
        )
    if contender == "keras_wrapper":
        from keras.wrappers import SKLearnClassifier

        def model(X, y):
            network = notebook_cnn(X.shape[1], y.shape[1], flat=True)
            network.compile(
                loss="categorical_crossentropy",  # the wrapper one-hot encodes y
                optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
            )
            return network

        fit_kwargs = {"batch_size": BATCH_SIZE, "epochs": epochs, "verbose": 0}
        return SKLearnClassifier(
            model=model, fit_kwargs={**fit_kwargs, "callbacks": list(callbacks)}
        )
    raise ValueError(f"unknown contender {contender!r}")


def epoch_clock():
    """A Keras callback, and the list of the seconds of every epoch it sees.

    The list lives outside the callback: estimators may copy their callbacks.
    """
    keras = import_keras()
    seconds, start = [], []

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            start[:] = [time.perf_counter()]

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - start[0])

    return EpochClock(), seconds


def images_per_s(make, X, y):
    """Images per second of ``make(callbacks).fit(X, y)`` over the epochs
    after the first (which traces the step function)."""
    clock, seconds = epoch_clock()
    make([clock]).fit(X, y)
    return len(X) * len(seconds[1:]) / sum(seconds[1:])


def accuracy_estimator(contender, params=None, seed=CNN_SEED):
    """The estimator of an accuracy contender: ``notebook_cnn``,
    ``regularised_cnn``, ``notebook_cnn_bf16``, ``candidate`` (``params``), an
    MLP preset's ``PRESETS`` key, ``mlp_default`` or ``svc``."""
    from sknn_estimators import PRESETS, FashionCNNClassifier

    max_epochs, max_iter = SIZES["max_epochs"], SIZES["max_iter"]
    cnns = ("notebook_cnn", "notebook_cnn_bf16", "regularised_cnn", "candidate")
    if contender in cnns:
        cnn = {"random_state": seed, "epochs": NOTEBOOK_EPOCHS}
        if contender == "notebook_cnn_bf16":
            cnn["precision"] = "mixed_bfloat16"
        if contender == "regularised_cnn":
            cnn.update(PRESETS[REGULARISED_PRESET].params)
        cnn.update(params if contender == "candidate" else {})
        cnn["epochs"] = min(cnn["epochs"], max_epochs or cnn["epochs"])
        return FashionCNNClassifier(**cnn)
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC

    others = {"mlp_default": MLPClassifier, "svc": SVC}
    if contender in PRESETS or contender in others:
        estimator = (
            PRESETS[contender].make if contender in PRESETS else others[contender]
        )()
        names = estimator.get_params()
        if "random_state" in names:
            estimator.set_params(random_state=0)
        if max_iter and "max_iter" in names:
            estimator.set_params(max_iter=min(estimator.max_iter, max_iter))
        return estimator
    raise ValueError(f"unknown contender {contender!r}")


def mlp_presets():
    """The ``PRESETS`` keys of the package's MLPClassifier presets."""
    from sknn_estimators import PRESETS, FashionCNNClassifier

    return [
        k
        for k, p in PRESETS.items()
        if not issubclass(p.estimator, FashionCNNClassifier)
    ]


def memory_status():
    """The process's resident anonymous and file-backed bytes (a memmap's
    pages in the page cache are file-backed: the kernel can drop them)."""
    text = Path("/proc/self/status").read_text()
    found = re.findall(r"^Rss(Anon|File):\s+(\d+) kB", text, re.MULTILINE)
    return {name.lower(): int(kib) * 1024 for name, kib in found}


def growth_per_fit_mib(fit):
    """Resident memory's growth per call of ``fit(index)`` over the second
    half of ``SIZES["n_fits"]`` calls in this process (the slope, MiB)."""
    rss = []
    for index in range(SIZES["n_fits"]):
        fit(index)
        gc.collect()
        rss.append(sum(memory_status().values()))
    half = len(rss) // 2
    return np.polyfit(np.arange(half, len(rss)), rss[half:], 1)[0] / 2**20
