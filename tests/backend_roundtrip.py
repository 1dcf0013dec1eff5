"""One Keras backend's side of ``tests/test_backends.py``, run in a subprocess
(Keras picks its backend once per process)::

    KERAS_BACKEND=jax python -m tests.backend_roundtrip save FOLDER
    KERAS_BACKEND=torch python -m tests.backend_roundtrip load FOLDER

``save`` fits every public Keras estimator on the digits, checks on this
backend that a seeded refit, a pickle and ``save``/``load_model`` give the
same outputs, and saves each estimator with its outputs into FOLDER. ``load``
loads the files the other backends saved there, compares their outputs and
trains one of them one more epoch.
``save`` also reports what this backend refuses, and the message. Each
prints one JSON report as the last line of stdout; ``save``'s says whether
TensorFlow was imported before that (a SavedModel export imports it).
"""

import json
import pickle
import sys
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits

from sknn_estimators import load_model
from sknn_estimators.wrappers import KerasClassifier, KerasTransformer
from tests.estimators import keras_estimators, small_instance

#: Fewer epochs than the common checks' settings: this compares outputs, it
#: does not need a good model.
EPOCHS = 2


def outputs(estimator, X):
    if isinstance(estimator, KerasClassifier):
        return estimator.predict_proba(X)
    if isinstance(estimator, KerasTransformer):
        return estimator.transform(X)
    return estimator.predict(X)


def data():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16).astype(np.float32), y[:300]


def save(folder, backend):
    X, y = data()
    report = {}
    for cls in keras_estimators():
        estimator = small_instance(cls).set_params(epochs=EPOCHS)
        target = y if isinstance(estimator, KerasClassifier) else y / 9.0
        estimator.fit(X, target)
        expected = outputs(estimator, X)
        path = folder / f"{backend}-{cls.__name__}.sknn"
        estimator.save(path)
        np.save(path.with_suffix(".npy"), expected)
        report[cls.__name__] = {
            "seeded_refit": np.array_equal(
                outputs(clone(estimator).fit(X, target), X), expected
            ),
            "pickle": np.array_equal(
                outputs(pickle.loads(pickle.dumps(estimator)), X), expected
            ),
            "save_load": np.array_equal(outputs(load_model(path), X), expected),
        }
    report["tensorflow_imported"] = "tensorflow" in sys.modules
    report["errors"] = errors(folder, backend)  # a SavedModel imports TensorFlow
    return report


def load(folder, backend):
    """For each other backend's file, the largest difference of its outputs
    here from theirs there; a ``KerasClassifier`` must then train one more
    epoch here (a model compiled on another backend; one kind of estimator
    only, as each new training function costs seconds of compiling on JAX)."""
    X, y = data()
    report = {}
    for path in sorted(folder.glob("*.sknn")):
        if path.name.startswith(f"{backend}-"):
            continue
        try:
            estimator = load_model(path)
            loaded = outputs(estimator, X)
            if type(estimator) is KerasClassifier:
                estimator.partial_fit(X, y)
        except Exception as exc:  # reported, and the test shows it
            report[path.stem] = f"{type(exc).__name__}: {exc}"
        else:
            expected = np.load(path.with_suffix(".npy"))
            report[path.stem] = float(np.abs(loaded - expected).max())
    return report


def errors(folder, backend):
    """The message of each thing this backend refuses: float64 without JAX's
    64-bit mode and on PyTorch, a SavedModel export on PyTorch (None where it
    works)."""
    X, y = data()
    attempts = {
        "float64": lambda: (
            small_instance(KerasClassifier)
            .set_params(precision="float64", epochs=1)
            .fit(X, y)
        ),
        "tf_saved_model": lambda: (
            small_instance(KerasClassifier)
            .set_params(epochs=1)
            .fit(X, y)
            .export(folder / f"{backend}-saved-model", format="tf_saved_model")
        ),
    }
    report = {}
    for name, attempt in attempts.items():
        try:
            attempt()
        except ValueError as exc:
            report[name] = str(exc)
        else:
            report[name] = None
    return report


if __name__ == "__main__":
    import keras

    action, folder = sys.argv[1], Path(sys.argv[2])
    run = {"save": save, "load": load}[action]
    print(json.dumps(run(folder, keras.backend.backend())))
