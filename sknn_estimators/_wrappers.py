"""The task wrappers: :class:`KerasClassifier` and :class:`KerasRegressor`.

Each adds to the engine (:class:`~sknn_estimators._base.BaseWrapper`) what its
task adds: the default target encoder, ``scorer``, ``predict_proba``,
``class_weight``, the output the targets need, the loss and metric a preset
trains with, and tags. The target encoders live in
:mod:`sknn_estimators._wrapper_encoders`.
"""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted
from sklearn_compat.base import _fit_context

from sknn_estimators._base import BaseWrapper, _graph_tensors, _plain
from sknn_estimators._wrapper_encoders import (
    ClassifierLabelEncoder,
    RegressorTargetEncoder,
)


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """A scikit-learn classifier around any Keras model, as scikeras' class.

    Migrating from scikeras takes one line:
    ``from sknn_estimators.wrappers import KerasClassifier``.

    Parameters
    ----------
    model : keras.Model or callable, default=None
        The model, or a function returning it. The function is called with the
        extra parameters of the estimator (``hidden_layer_sizes=(100,)``) and
        the routed ones (``model__hidden_layer_sizes``), and with ``meta``
        (fitted attributes such as ``n_features_in_``, ``classes_``,
        ``n_classes_``, ``target_type_``), ``compile_kwargs`` and ``params``
        if it takes them. A ``keras.Model`` is copied (architecture, weights,
        compile settings) at each fit, never changed.
    warm_start : bool, default=False
        Whether ``fit`` continues the fitted model instead of building a new one.
    random_state : int, RandomState instance or None, default=None
        Seeds the model's initialisers, dropout, shuffling and the validation
        split, for this estimator's fits only (no process-wide seed is set).
    optimizer : str, class or instance, default="rmsprop"
        The optimizer; strings and classes take routed arguments
        (``optimizer__learning_rate=0.01``).
    loss : str, class, instance, callable or None, default=None
        The loss, with ``loss__`` routing. Needed unless the model function
        returns a compiled model.
    metrics : list or None, default=None
        Metrics recorded in ``history_``, with ``metrics__`` routing for classes.
    batch_size : int or None, default=None
        Samples per gradient step; None is 32 and -1 is all samples.
        ``fit__batch_size`` sets it for training only.
    validation_batch_size : int or None, default=None
        Samples per batch of the validation data; None is ``batch_size``.
    verbose : int or bool, default=1
        Keras' progress output during training (0, 1 or 2).
    callbacks : list or None, default=None
        Keras callbacks (instances, or classes made with the ``callbacks__``
        arguments); each fit gets fresh copies.
    validation_split : float, default=0.0
        Fraction of the training data held out (stratified) for the
        validation metrics in ``history_``.
    shuffle : bool, default=True
        Whether to shuffle the training data before each epoch.
    run_eagerly : bool, default=False
        Whether Keras runs the training step eagerly (for debugging).
    epochs : int, default=1
        Passes over the training data per ``fit``.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, keyed by class label.
    precision : {"float32", "float64", "mixed_bfloat16"}, default="float32"
        The dtype in which the model is built and computes (not in scikeras).
    **kwargs : dict
        Extra parameters for the model function, and routed parameters.

    Attributes
    ----------
    model_ : keras.Model
        The trained model.
    history_ : dict of lists
        The loss and metrics of each epoch.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_classes_ : int
        The number of classes.
    target_type_ : str
        ``type_of_target`` of ``y``: "binary", "multiclass" or
        "multilabel-indicator".
    n_outputs_ : int
        Dimensions of ``y`` the target encoder was fitted on.
    n_outputs_expected_ : int
        Outputs the model must have.
    target_encoder_, feature_encoder_ : transformer
        The fitted encoders of ``y`` and ``X``.
    n_features_in_ : int
        The number of features seen in fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when ``X`` has string column names.
    X_shape_ : tuple
        Shape of ``X`` in fit.

    See Also
    --------
    KerasRegressor : The regressor.
    sknn_estimators.FashionCNNClassifier : A ready-made network.

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import load_iris
    >>> from sknn_estimators.wrappers import KerasClassifier
    >>> def get_model(hidden_units, meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(hidden_units, activation="relu"),
    ...         keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ...     ])
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KerasClassifier(get_model, hidden_units=8, epochs=2, verbose=0,
    ...                       loss="sparse_categorical_crossentropy",
    ...                       random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints = {
        **BaseWrapper._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    #: What a preset network (``MLPTrainingMixin``) trains with.
    _score_name = "accuracy"
    #: Whether the first ``partial_fit`` must name every class (scikit-learn's
    #: convention); scikeras takes the classes in ``y`` by default.
    _partial_fit_needs_classes = False

    def __init__(
        self,
        model=None,
        *,
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
        class_weight=None,
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
        self.class_weight = class_weight

    @property
    def target_encoder(self):
        """An unfitted transformer of ``y`` for the model, with
        ``inverse_transform(y, return_proba=False)`` (override it as in
        scikeras' data-transformer guide)."""
        return ClassifierLabelEncoder(loss=self.loss)

    def _default_target_encoder(self):
        return type(self.target_encoder_) is ClassifierLabelEncoder

    def _prepare_targets(self, y):
        """A column vector ``y`` as 1-D, with scikit-learn's warning."""
        if hasattr(y, "shape") and getattr(y, "ndim", 0) == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please "
                "change the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
                stacklevel=4,
            )
            return np.asarray(y).ravel()
        return y

    def _network_targets(self, y_encoded):
        """Class indices as a column for a model with one output unit: the
        shape of its output, which a loss of the user's own may need."""
        outputs = _graph_tensors(self.model_, "outputs")  # None: not built yet
        if (
            isinstance(y_encoded, np.ndarray)
            and y_encoded.ndim == 1
            and outputs is not None
            and len(outputs) == 1
            and tuple(outputs[0].shape[1:]) == (1,)
        ):
            return y_encoded.reshape(-1, 1)
        return y_encoded

    def _new_target_encoder(self, classes):
        encoder = self.target_encoder
        if classes is not None and "categories" in encoder.get_params():
            encoder.set_params(categories=[np.unique(classes)])
        return encoder

    def _check_known_targets(self, y, *, validation, warm_start):
        if not hasattr(y, "dtype") or self.target_type_ not in ("binary", "multiclass"):
            return
        if warm_start and not validation:
            labels = np.unique(y)
            if not np.array_equal(labels, self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes "
                    "as in the previous call to fit. Previously got "
                    f"{_plain(self.classes_)}, `y` has {_plain(labels)}."
                )
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            where = "`validation_data`" if validation else "y"
            raise ValueError(
                f"{where} has labels not seen in y of the first fit: "
                f"{_plain(unseen)}; the classes are {_plain(self.classes_)}. "
                "(Found unknown categories: pass every class label to the "
                "first partial_fit as `classes`.)"
            )

    def _class_weights(self, y_encoded):
        """Per-sample weights from ``class_weight``, or None."""
        class_weight = self.class_weight
        if class_weight is None:
            return None
        if self.target_type_ not in ("binary", "multiclass"):
            raise ValueError(
                "`class_weight` applies to binary and multiclass targets; y is "
                f"{self.target_type_}. Pass sample_weight instead."
            )
        y_encoded = np.asarray(y_encoded)
        if y_encoded.ndim == 2 and y_encoded.shape[1] > 1:
            indices = y_encoded.argmax(axis=1)
        else:
            indices = y_encoded.ravel().astype(np.intp)
        if isinstance(class_weight, str):  # "balanced"
            return compute_sample_weight("balanced", indices)
        unknown = [label for label in class_weight if label not in self.classes_]
        if unknown:
            raise ValueError(
                f"`class_weight` names classes not in y: {_plain(unknown)}; the "
                f"classes are {_plain(self.classes_)}."
            )
        per_class = [class_weight.get(c, 1.0) for c in self.classes_.tolist()]
        if not all(isinstance(w, Real) and w >= 0 for w in per_class):
            raise ValueError(
                "`class_weight` values must be numbers >= 0; got "
                f"{_plain(list(class_weight.values()))}."
            )
        return np.asarray(per_class, dtype=float)[indices]

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """Accuracy (:func:`~sklearn.metrics.accuracy_score`); see
        :meth:`BaseWrapper.scorer`."""
        from sklearn.metrics import accuracy_score

        return accuracy_score(y_true, y_pred, **kwargs)

    def score(self, X, y, sample_weight=None):
        """``scorer(y, predict(X))``: accuracy, unless ``scorer`` is overridden.

        (Declared here so that it, not the scikit-learn mixin's, is the
        estimator's ``score``.)

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the score.

        Returns
        -------
        score : float
            The score.
        """
        return BaseWrapper.score(self, X, y, sample_weight)

    def _output_widths(self):
        if self.n_classes_ == 1:
            return (1,), "one sigmoid unit for y of a single class"
        if self.target_type_ == "binary":
            return (1, 2), "one sigmoid unit or two softmax units"
        if self.target_type_ == "multilabel-indicator":
            return (self.n_classes_,), "one sigmoid unit per label"
        return (self.n_classes_,), "one softmax unit per class"

    def _preset_loss(self, keras, precision):
        """The loss a preset network trains with (float64: an instance in it)."""
        if precision != "float64":
            return "sparse_categorical_crossentropy"
        return keras.losses.SparseCategoricalCrossentropy(dtype="float64")

    def _preset_metric(self, keras):
        return "accuracy"

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train for one epoch, continuing the model (built on the first call).

        ``k`` calls on the same data with ``shuffle=False`` train as ``fit``
        with ``epochs=k``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class label; used on the first call (default: those in y).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        **kwargs : dict
            ``batch_size`` for this call.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not self.initialized_
        if first and classes is None and self._partial_fit_needs_classes:
            raise ValueError(
                f"{type(self).__name__}.partial_fit needs `classes` (every class "
                "label y can hold) on its first call."
            )
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=True,
            classes=classes if first else None,
            fit_params=kwargs,
        )

    def predict_proba(self, X, **kwargs):
        """Probability of each class (or label) for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        **kwargs : dict
            ``batch_size`` for this call.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_`` (for one sigmoid
            output, ``[1 - p, p]``).
        """
        check_is_fitted(self)
        return self.target_encoder_.inverse_transform(
            self._raw_predict(X, **kwargs), return_proba=True
        )

    def _serving_output(self, ops, output):
        if self.target_type_ == "multilabel-indicator":
            return output
        if output.shape[-1] == 1:  # one sigmoid unit: the second class's
            output = ops.concatenate([1 - output, output], axis=1)
        return output / ops.sum(output, axis=1, keepdims=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.classifier_tags.poor_score = self._poor_score
        return tags


class KerasRegressor(RegressorMixin, BaseWrapper):
    """A scikit-learn regressor around any Keras model, as scikeras' class.

    Migrating from scikeras takes one line:
    ``from sknn_estimators.wrappers import KerasRegressor``. The parameters
    and attributes are those of :class:`KerasClassifier` without
    ``class_weight``, ``classes_`` and ``n_classes_``; ``score`` is R².

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import load_diabetes
    >>> from sknn_estimators.wrappers import KerasRegressor
    >>> def get_model(meta):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(8, activation="relu"),
    ...         keras.layers.Dense(1),
    ...     ])
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = KerasRegressor(get_model, loss="mse", epochs=2, verbose=0,
    ...                      random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _target_validation = {"multi_output": True, "y_numeric": True}
    #: What a preset network (``MLPTrainingMixin``) trains with.
    _score_name = "r2_score"

    @property
    def target_encoder(self):
        """An unfitted transformer of ``y`` for the model (override it as in
        scikeras' data-transformer guide)."""
        return RegressorTargetEncoder()

    def _default_target_encoder(self):
        return type(self.target_encoder_) is RegressorTargetEncoder

    def _single_output_targets(self, encoded, *, validation):
        """Targets as a float 2-D array (n_samples, n_outputs)."""
        try:
            y = np.asarray(encoded, dtype=self._input_dtype)
        except ValueError as error:
            self._raise_not_numeric(error, {"y_val" if validation else "y": encoded})
        if y.ndim > 2:
            raise ValueError(
                f"{type(self).__name__} takes y of shape (n_samples,) or "
                f"(n_samples, n_outputs); got y of shape {y.shape}."
            )
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity.")
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs_:
            raise ValueError(
                f"Detected ``y`` to have {n_outputs} outputs, but this "
                f"{type(self).__name__} was fitted with {self.n_outputs_}."
            )
        return y.reshape(-1, n_outputs)

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """R² (:func:`~sklearn.metrics.r2_score`); see :meth:`BaseWrapper.scorer`."""
        from sklearn.metrics import r2_score

        return r2_score(y_true, y_pred, **kwargs)

    def score(self, X, y, sample_weight=None):
        """``scorer(y, predict(X))``: R² unless ``scorer`` is overridden;
        the parameters are those of :meth:`KerasClassifier.score`."""
        return BaseWrapper.score(self, X, y, sample_weight)

    def _output_widths(self):
        return (self.n_outputs_,), "one unit per column of y"

    def _preset_loss(self, keras, precision):
        """The loss a preset network trains with (float64: an instance in it)."""
        if precision != "float64":
            return "mean_squared_error"
        return keras.losses.MeanSquaredError(dtype="float64")

    def _preset_metric(self, keras):
        return keras.metrics.R2Score(name=self._score_name)

    def _serving_output(self, ops, output):
        if self.y_ndim_ == 1 and output.shape[-1] == 1:
            return ops.squeeze(output, axis=1)
        return output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = self._poor_score
        return tags
