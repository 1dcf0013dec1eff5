"""Keras/TensorFlow at run time: lazy import, the input pipeline, traced inference.

Nothing here runs at ``import sknn_estimators``: TensorFlow costs seconds to
import, and the MLP presets and data loaders do not need it.
"""

import os

import numpy as np

#: Rows per call of the traced inference function. Large enough to amortise the
#: per-call overhead, small enough that the first convolution's activations of
#: one chunk stay in the tens of megabytes (see benchmarks/bench_inference.py).
PREDICT_BATCH_SIZE = 512


def import_keras():
    """Import Keras with the TensorFlow backend, quietly, and return the module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ImportError(
            "sknn_estimators' Keras estimators need Keras' TensorFlow backend, but "
            f"Keras is configured with the {backend!r} backend (KERAS_BACKEND or "
            "~/.keras/keras.json). Set KERAS_BACKEND=tensorflow before Keras is "
            "first imported."
        )
    return keras


def make_dataset(
    X, y=None, sample_weight=None, *, batch_size, shuffle=False, seed=None
):
    """Batches of ``(X, y[, sample_weight])`` as a ``tf.data.Dataset``.

    Shuffling draws a new order every epoch from the op-level ``seed``, so a fit
    is repeatable without setting TensorFlow's global seed. Like Keras' own
    array adapter, batches are gathered from whole-array tensors by index, so
    the arrays are not copied element by element.
    """
    import tensorflow as tf

    arrays = tuple(a for a in (X, y, sample_weight) if a is not None)
    tensors = tuple(tf.convert_to_tensor(a) for a in arrays)
    indices = tf.data.Dataset.range(X.shape[0])
    if shuffle:
        indices = indices.shuffle(X.shape[0], seed=seed, reshuffle_each_iteration=True)
    indices = indices.batch(batch_size)
    whole = tf.data.Dataset.from_tensors(tensors).repeat()

    def gather(batch_indices, data):
        return tuple(tf.gather(t, batch_indices) for t in data)

    dataset = tf.data.Dataset.zip((indices, whole)).map(
        gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


def make_predict_function(model):
    """A traced ``model(x, training=False)`` for any number of rows.

    One trace serves every batch size (the batch dimension is left unknown), so
    a one-image call costs about a millisecond instead of the tens of
    milliseconds of ``model.predict``'s per-call set-up.
    """
    import tensorflow as tf

    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

    @tf.function(input_signature=[spec])
    def predict(x):
        return model(x, training=False)

    return predict


def predict_in_batches(predict_function, X, batch_size=PREDICT_BATCH_SIZE):
    """Apply ``predict_function`` to ``X`` in chunks and stack the float outputs."""
    if X.shape[0] <= batch_size:
        return np.asarray(predict_function(X))
    chunks = [
        np.asarray(predict_function(X[start : start + batch_size]))
        for start in range(0, X.shape[0], batch_size)
    ]
    return np.concatenate(chunks)
