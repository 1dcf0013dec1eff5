"""The small-batch predict path: the fitted network in ONNX Runtime.

A traced TensorFlow call has a fixed cost per call that dominates one-image
predictions; ONNX Runtime's is several times smaller (see
``benchmarks/results/bench_latency.md``, written by
``python -m benchmarks.bench_latency`` at commit 2aa2d7c; now asv's
``LatencySuite``). With the ``onnx`` extra installed,
``sknn_estimators.set_config(onnxruntime_predict=True)`` (or
``config_context``; off by default), the engine's ``_raw_predict`` sends
batches of at most :data:`SMALL_BATCH` rows here; larger batches stay on the
TensorFlow path.

The session is built on the third small batch after each fit (see
:data:`BUILD_AFTER`), from Keras' own
ONNX export of the network, and checked on those rows against the TensorFlow
path. A network that does not convert, or whose outputs differ by more than
:data:`TOLERANCE`, keeps the TensorFlow path: one debug log, no warning. The
session runs on one thread, is never pickled or saved, and is rebuilt when
needed.
"""

import contextlib
import logging
import os
import tempfile
import warnings
import weakref

import numpy as np

from sknn_estimators._config import get_config
from sknn_estimators._keras_runtime import import_keras

logger = logging.getLogger(__name__)

#: The largest batch that goes through ONNX Runtime.
SMALL_BATCH = 32
#: The small-batch call of a fitted network that builds its session: the
#: earlier ones stay on TensorFlow, so that a network predicted only once or
#: twice (a cross-validation fold's score, a quick check) never pays for the
#: conversion (tenths of a second), while a network that serves many small
#: predictions converts early.
BUILD_AFTER = 3
#: The largest difference from the TensorFlow path at which the session is used.
TOLERANCE = 1e-5
#: estimator -> ``(predict function, state)``: the small batches predicted so
#: far, then the session (a function of rows), or None. Held outside the
#: estimator, so that predict leaves its ``__dict__`` as it was (scikit-learn's
#: ``check_dict_unchanged``) and pickling, cloning and saving never see it; a
#: new fit makes a new predict function, and so a new session.
_SESSIONS = weakref.WeakKeyDictionary()


def small_batch_predict(estimator, X, reference):
    """The network's outputs for the network-shaped rows ``X`` from ONNX
    Runtime, or None where the TensorFlow path applies. ``reference(X)``
    computes them on the TensorFlow path (to check a new session)."""
    model = estimator.model_
    if (
        not get_config()["onnxruntime_predict"]
        or import_keras().backend.backend() != "tensorflow"
        or not hasattr(X, "shape")
        or hasattr(X, "toarray")
        or not 0 < X.shape[0] <= SMALL_BATCH
        or len(model.inputs) != 1
        or len(model.outputs) != 1
        or model.inputs[0].dtype != "float32"
        or getattr(estimator, "precision_", "float32") != "float32"
    ):
        return None
    predict_function, state = _SESSIONS.get(estimator, (None, 0))
    if predict_function is not estimator._predict_function:
        predict_function, state = estimator._predict_function, 0
    if isinstance(state, int):  # small batches predicted so far, no session yet
        if state + 1 < BUILD_AFTER:
            _SESSIONS[estimator] = (predict_function, state + 1)
            return None
        state = _build(model, X, reference(X))
        _SESSIONS[estimator] = (predict_function, state)
    return None if state is None else state(X)


def _build(model, X, expected):
    """``model`` in a checked ONNX Runtime session, as a function of
    network-shaped rows; or None (logged at debug)."""
    try:
        import onnxruntime

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "network.onnx")
            # Keras exports only a model that has been called (a loaded one
            # has not).
            model(np.asarray(X[:1], dtype=np.float32), training=False)
            with warnings.catch_warnings(), _quiet("tf2onnx"):
                # Keras' tf2onnx patch for NumPy 2 reads np.object (Keras' to fix).
                warnings.filterwarnings(
                    "ignore",
                    message=r"In the future `np\.object`",
                    category=FutureWarning,
                )
                model.export(path, format="onnx", verbose=False)
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            # One thread: no pool to wake or spin for a few rows, and no
            # contention with other work on a busy machine.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                path, options, providers=["CPUExecutionProvider"]
            )
        name = session.get_inputs()[0].name

        def run(rows):
            return session.run(None, {name: np.asarray(rows, dtype=np.float32)})[0]

        got = run(X)
    except Exception as error:  # any failure to convert keeps the TF path
        logger.debug(
            "ONNX Runtime path unavailable for this network (%s: %s); "
            "predict keeps TensorFlow.",
            type(error).__name__,
            error,
        )
        return None
    difference = float(np.max(np.abs(got - expected))) if got.size else 0.0
    if got.shape != expected.shape or not difference <= TOLERANCE:
        logger.debug(
            "ONNX Runtime differs from TensorFlow by %s on this network; "
            "predict keeps TensorFlow.",
            difference,
        )
        return None
    return run


@contextlib.contextmanager
def _quiet(name):
    """Silence the logger ``name`` (a converter that logs what it cannot
    convert): a failure here only means TensorFlow predicts."""
    log = logging.getLogger(name)
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        log.setLevel(level)
