"""The default target encoders of the wrappers, with scikeras' interface.

A target encoder is a scikit-learn transformer: ``fit(y)``, ``transform(y)``
into what the Keras model trains on, ``inverse_transform(output)`` back to
predictions (a classifier's also takes ``return_proba=True``), and an optional
``get_metadata()`` whose items become attributes of the estimator and reach the
model function as ``meta``. Users replace them by overriding the wrappers'
``target_encoder`` property, as in scikeras' data-transformer guide.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import type_of_target

_CATEGORICAL_CROSSENTROPY = {
    "categorical_crossentropy",
    "cce",
    "CategoricalCrossentropy",
}


class ClassifierLabelEncoder(TransformerMixin, BaseEstimator):
    """Class labels as the model's targets: class indices, one-hot rows for a
    categorical cross-entropy ``loss``, label-indicator matrices unchanged.

    Parameters
    ----------
    loss : str, Keras loss or None, default=None
        The estimator's loss; a categorical cross-entropy means one-hot targets.
    categories : "auto" or list of one array, default="auto"
        Every class label (``partial_fit(classes=...)``); "auto" takes those in y.
    """

    def __init__(self, loss=None, categories="auto"):
        self.loss = loss
        self.categories = categories

    def fit(self, y):
        y = np.asarray(y)
        known = None if isinstance(self.categories, str) else self.categories[0]
        target_type = type_of_target(y if known is None else known)
        if target_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"Unknown label type: {target_type}. KerasClassifier takes binary, "
                "multiclass and multilabel-indicator targets; for others, override "
                "its target_encoder."
            )
        self._y_dtype = y.dtype  # kept in saved files (predictions are int64)
        loss = self.loss  # a categorical cross-entropy takes one-hot targets
        if not isinstance(loss, str):  # a Keras loss class, instance or function
            loss = getattr(loss, "__name__", None) or type(loss).__name__
        self._one_hot = loss in _CATEGORICAL_CROSSENTROPY
        if target_type == "multilabel-indicator":
            if y.min() == 0 and (y.sum(axis=1) == 1).all():
                target_type = "multiclass-onehot"
            self.classes_ = np.arange(y.shape[1])
        else:
            self.classes_ = np.unique(y if known is None else np.asarray(known))
        self._target_type = target_type
        self.n_classes_ = len(self.classes_)
        self.n_outputs_ = 1
        self.n_outputs_expected_ = 1
        return self

    def transform(self, y):
        y = np.asarray(y)
        if self._target_type in ("multilabel-indicator", "multiclass-onehot"):
            if y.ndim != 2 or y.shape[1] != self.n_classes_:
                raise ValueError(
                    f"y must be an indicator matrix with {self.n_classes_} columns; "
                    f"got shape {y.shape}."
                )
            return y
        if y.ndim != 1:
            raise ValueError(
                f"y of shape {y.shape} has {int(np.prod(y.shape[1:]))} features per "
                "sample, but "
                f"{type(self).__name__} was fitted on one column of class labels "
                f"({self._target_type}); fit a new estimator to change the kind "
                "of target."
            )
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(
                f"y has labels not seen in fit: {unseen.tolist()}; the classes are "
                f"{self.classes_.tolist()}."
            )
        indices = np.searchsorted(self.classes_, y)
        if self._one_hot:
            return np.eye(self.n_classes_)[indices]
        return indices

    def inverse_transform(self, y, return_proba=False):
        """Predictions (labels, or an indicator matrix) from the model's outputs,
        or with ``return_proba`` the probabilities (n_samples, n_classes)."""
        proba = np.asarray(y, dtype=np.float64)
        if proba.ndim == 1:
            proba = proba.reshape(-1, 1)
        if self._target_type == "multilabel-indicator":
            if return_proba:
                return proba
            return (proba > 0.5).astype(np.int64)  # as scikit-learn's, any y dtype
        if self.n_classes_ == 1:  # one class: it is every prediction
            proba = np.ones((proba.shape[0], 1))
        elif proba.shape[1] == 1:  # one sigmoid unit: the second class's
            proba = np.hstack([1 - proba, proba])
        proba /= proba.sum(axis=1, keepdims=True)
        if return_proba:
            return proba
        indices = proba.argmax(axis=1)
        if self._target_type == "multiclass-onehot":
            return np.eye(self.n_classes_, dtype=np.int64)[indices]
        return self.classes_[indices]

    def get_metadata(self):
        """The attributes the estimator takes over (and ``meta`` shows)."""
        names = ("classes_", "n_classes_", "n_outputs_", "n_outputs_expected_")
        return {name: getattr(self, name) for name in names}


class RegressorTargetEncoder(TransformerMixin, BaseEstimator):
    """Regression targets unchanged; predictions shaped as ``y`` was in fit."""

    def fit(self, y):
        y = np.asarray(y)
        self._y_ndim = y.ndim
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.n_outputs_expected_ = 1
        return self

    def transform(self, y):
        return np.asarray(y)

    def inverse_transform(self, y):
        y = np.asarray(y)
        if self._y_ndim == 1 and y.ndim == 2 and y.shape[1] == 1:
            return y.ravel()
        return y

    def get_metadata(self):
        """The attributes the estimator takes over (and ``meta`` shows)."""
        names = ("n_outputs_", "n_outputs_expected_")
        return {name: getattr(self, name) for name in names}
