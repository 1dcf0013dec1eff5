"""A fitted network's outputs as features: :class:`KerasTransformer`."""

import math

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from sknn_estimators._base import BaseWrapper
from sknn_estimators._keras_runtime import (
    import_keras,
    make_predict_function,
    predict_in_batches,
)
from sknn_estimators._wrapper_encoders import RegressorTargetEncoder


class KerasTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseWrapper):
    """A Keras model trained on ``(X, y)`` whose outputs become features.

    As Keras' ``SKLearnTransformer``: ``fit`` trains the model (any Keras
    model or model function, compiled from ``optimizer``, ``loss`` and
    ``metrics`` with scikeras' routing, as
    :class:`~sknn_estimators.wrappers.KerasRegressor`); ``transform`` returns
    the model's output, or the output of the layer named ``output_layer`` (an
    embedding), flattened to one row per sample. In a ``Pipeline`` it puts a
    network's learned features before any scikit-learn estimator, e.g. a CNN's
    penultimate layer before ``LogisticRegression``.

    ``y`` is given to the model as it is (numbers; a class label must already
    be an integer for a sparse cross-entropy, or one-hot rows).

    Parameters
    ----------
    model : keras.Model or callable, default=None
        The model, or a function returning it (see
        :class:`~sknn_estimators.wrappers.KerasClassifier`).
    output_layer : str, default=None
        Name of the layer whose output ``transform`` returns; None for the
        model's output.
    warm_start, random_state, optimizer, loss, metrics, batch_size, \
validation_batch_size, verbose, callbacks, validation_split, shuffle, \
run_eagerly, epochs, precision, **kwargs
        As in :class:`~sknn_estimators.wrappers.KerasRegressor`.

    Attributes
    ----------
    model_ : keras.Model
        The trained model.
    history_ : dict of lists
        The loss and metrics of each epoch.
    n_features_in_ : int
        The number of features seen in fit.

    See Also
    --------
    sknn_estimators.wrappers.KerasClassifier : The model as a classifier.

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sknn_estimators.wrappers import KerasTransformer
    >>> def get_model(meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(16, activation="relu", name="embedding"),
    ...         keras.layers.Dense(10, activation="softmax"),
    ...     ])
    >>> X, y = load_digits(return_X_y=True)
    >>> embed = KerasTransformer(get_model, output_layer="embedding", epochs=3,
    ...                          loss="sparse_categorical_crossentropy",
    ...                          verbose=0, random_state=0)
    >>> embed.fit(X / 16, y).transform(X[:2] / 16).shape
    (2, 16)
    >>> clf = make_pipeline(embed, LogisticRegression(max_iter=500))
    >>> bool(clf.fit(X / 16, y).score(X / 16, y) > 0.8)
    True
    """

    _parameter_constraints = {
        **BaseWrapper._parameter_constraints,
        "output_layer": [str, None],
    }
    _target_validation = {"multi_output": True, "y_numeric": True}

    def __init__(
        self,
        model=None,
        *,
        output_layer=None,
        warm_start=False,
        random_state=None,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        batch_size=None,
        validation_batch_size=None,
        verbose=1,
        callbacks=None,
        validation_split=0.0,
        shuffle=True,
        run_eagerly=False,
        epochs=1,
        precision="float32",
        **kwargs,
    ):
        super().__init__(
            model=model,
            warm_start=warm_start,
            random_state=random_state,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            batch_size=batch_size,
            validation_batch_size=validation_batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            shuffle=shuffle,
            run_eagerly=run_eagerly,
            epochs=epochs,
            precision=precision,
            **kwargs,
        )
        self.output_layer = output_layer

    @property
    def target_encoder(self):
        """``y`` as given (numbers), one or several columns."""
        return RegressorTargetEncoder()

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """R² of the model's output (``predict``) against ``y``: how well the
        network that makes the features learned its training task."""
        from sklearn.metrics import r2_score

        return r2_score(y_true, y_pred, **kwargs)

    def _after_training(self):
        super()._after_training()
        features = self._feature_model()
        self._features_function = make_predict_function(features)
        self._n_features_out = math.prod(features.output_shape[1:])

    def _feature_model(self):
        if self.output_layer is None:
            return self.model_
        try:
            layer = self.model_.get_layer(self.output_layer)
        except ValueError:
            names = [layer.name for layer in self.model_.layers]
            raise ValueError(
                f"output_layer={self.output_layer!r} names no layer of the model; "
                f"its layers are {names}."
            ) from None
        return import_keras().Model(self.model_.inputs, layer.output)

    def transform(self, X):
        """The model's (or ``output_layer``'s) outputs for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, laid out as in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            The outputs, flattened to one row per sample.
        """
        X = self._validate_input(X)  # checks that it is fitted
        output = predict_in_batches(self._features_function, X, dtype=self._input_dtype)
        output = np.asarray(output, dtype=np.float64)
        return output.reshape(output.shape[0], -1)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_features_function", None)
        return state

    def _export_problems(self):
        problems = super()._export_problems()
        if self.output_layer is not None:
            problems.append("output_layer")
        return [p for p in problems if p != "target_encoder_"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
