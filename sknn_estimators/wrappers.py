"""Keras models as scikit-learn estimators, with scikeras' public API.

Migrating from scikeras takes one line: ``from scikeras.wrappers import
KerasClassifier`` becomes ``from sknn_estimators.wrappers import
KerasClassifier``.
"""

from sknn_estimators._wrappers import BaseWrapper, KerasClassifier, KerasRegressor

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]
