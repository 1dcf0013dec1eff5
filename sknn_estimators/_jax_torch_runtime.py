"""The input pipeline and the compiled predict function under Keras' JAX and
PyTorch backends: the equivalents of :mod:`sknn_estimators._keras_runtime`'s
``tf.data`` pipeline and traced predict function, without TensorFlow.

Imported only when Keras runs on one of those backends.
"""

import math

import keras
import numpy as np


class ArrayBatches(keras.utils.PyDataset):
    """The batches of :func:`~sknn_estimators._keras_runtime.make_dataset` as a
    Keras ``PyDataset``: ``batch(indices)`` gathers the rows ``indices`` of
    the arrays, so that nothing is copied whole.

    With ``shuffle``, each epoch takes a new order from a NumPy generator
    seeded with ``seed`` (Keras calls :meth:`on_epoch_end`), so a fit is
    repeatable and touches no global generator. Batches are gathered in
    Keras' own thread (``workers=1``): each is one NumPy gather, and threads
    would only change the order in which they are made, not the batches.
    """

    def __init__(self, batch, n_samples, *, batch_size, shuffle, seed):
        super().__init__()
        self._batch = batch
        self._n_samples = n_samples
        self._batch_size = batch_size
        self._rng = np.random.default_rng(seed) if shuffle else None
        self._order = self._new_order()

    def _new_order(self):
        if self._rng is None:
            return np.arange(self._n_samples)
        return self._rng.permutation(self._n_samples)

    def __len__(self):
        return math.ceil(self._n_samples / self._batch_size)

    def __getitem__(self, index):
        start = index * self._batch_size
        return self._batch(self._order[start : start + self._batch_size])

    def on_epoch_end(self):
        self._order = self._new_order()


def make_predict_function(model):
    """``model(x, training=False)`` compiled for the backend, as a function of
    NumPy arrays (one, or a list or dict of them for several inputs) that
    returns the backend's arrays.

    JAX: one ``jax.jit`` of the model's stateless call, taking the variables'
    current values as arguments (so that it never predicts with stale
    weights); it compiles once per input shape, and ``predict_in_batches``
    pads batches to a few shapes. PyTorch: the model's call without autograd,
    its outputs as NumPy arrays.
    """
    if keras.backend.backend() == "jax":
        import jax

        @jax.jit
        def stateless_predict(trainable, non_trainable, x):
            return model.stateless_call(trainable, non_trainable, x, training=False)[0]

        def predict(x):
            return stateless_predict(
                [v.value for v in model.trainable_variables],
                [v.value for v in model.non_trainable_variables],
                x,
            )

        return predict

    import torch

    def predict(x):
        with torch.no_grad():
            x = keras.tree.map_structure(keras.ops.convert_to_tensor, x)
            return keras.tree.map_structure(
                keras.ops.convert_to_numpy, model(x, training=False)
            )

    return predict
