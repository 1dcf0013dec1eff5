"""Keras models as scikit-learn estimators, with scikeras' public API.

Migrating from scikeras takes one line: ``from scikeras.wrappers import
KerasClassifier`` becomes ``from sknn_estimators.wrappers import
KerasClassifier``. :class:`KerasTransformer` (as Keras' ``SKLearnTransformer``)
turns a trained network's outputs, or one layer's, into features.
"""

from sknn_estimators._base import BaseWrapper
from sknn_estimators._keras_runtime import tensorflow_random_state
from sknn_estimators._transformer import KerasTransformer
from sknn_estimators._wrappers import KerasClassifier, KerasRegressor

__all__ = [
    "BaseWrapper",
    "KerasClassifier",
    "KerasRegressor",
    "KerasTransformer",
    "tensorflow_random_state",
]
