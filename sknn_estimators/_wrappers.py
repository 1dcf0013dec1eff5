"""scikeras-compatible wrappers of any Keras model, on the shared estimator core.

:class:`BaseWrapper` is one more thin subclass of
:class:`~sknn_estimators._base.BaseKerasEstimator`: the user's ``model`` (a
``keras.Model`` or a callable returning one) replaces ``_build_network``, and
the user's ``optimizer``, ``loss`` and ``metrics`` (with scikeras' ``__``
routing) replace the presets' compile settings. Validation, the input
pipeline, the training loop, traced inference and persistence are the base's.
The target and feature encoders live in :mod:`sknn_estimators._wrapper_encoders`.
"""

import contextlib
import inspect
import math
import random as python_random
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted
from sklearn_compat.base import _fit_context

from sknn_estimators._base import (
    _INPUT_DTYPES,
    _MAX_SEED,
    BaseKerasEstimator,
    KerasClassifierMixin,
    KerasRegressorMixin,
    _plain,
)
from sknn_estimators._keras_runtime import (
    STEPS_PER_EXECUTION,
    floatx_scope,
    import_keras,
    make_predict_function,
    map_targets,
    target_leaves,
)
from sknn_estimators._wrapper_encoders import (
    ClassifierLabelEncoder,
    RegressorTargetEncoder,
)

#: Prefixes of routed parameters (``optimizer__learning_rate=...``), as in scikeras.
ROUTING_PREFIXES = (
    "model",
    "fit",
    "predict",
    "callbacks",
    "optimizer",
    "loss",
    "metrics",
    "compile",
    "score",
)
#: Batch size where scikeras (through Keras) uses ``batch_size=None``.
_KERAS_DEFAULT_BATCH_SIZE = 32


@contextlib.contextmanager
def _scoped_build(keras, seed, precision):
    """Build Keras objects with seeded initialisers and ``precision``, leaving no
    process-wide state behind.

    Keras 3 draws the seed of every initialiser and ``SeedGenerator`` (dropout)
    made without an explicit seed from Python's ``random`` module, so seeding
    that module while the model is built fixes them. Its state, and Keras'
    default dtype policy and floatx, are restored on exit: TensorFlow's global
    seed and determinism flags are never touched.
    """
    state = python_random.getstate()
    policy = keras.config.dtype_policy()
    python_random.seed(seed)
    try:
        with floatx_scope(keras, "float64" if precision == "float64" else None):
            keras.config.set_dtype_policy(precision)
            yield
    finally:
        python_random.setstate(state)
        keras.config.set_dtype_policy(policy)


class BaseWrapper(BaseKerasEstimator):
    """A scikit-learn estimator around any Keras model (scikeras' ``BaseWrapper``).

    Use :class:`KerasClassifier` or :class:`KerasRegressor`; subclass this one
    for other kinds of estimators. The parameters are those of scikeras 0.13;
    see :class:`KerasClassifier` for their description.

    Examples
    --------
    >>> from sknn_estimators.wrappers import BaseWrapper, KerasClassifier
    >>> issubclass(KerasClassifier, BaseWrapper)
    True
    >>> BaseWrapper(model=None, hidden_units=8).get_params()["hidden_units"]
    8
    """

    _parameter_constraints = {
        "model": [callable, None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "optimizer": "no_validation",
        "loss": "no_validation",
        "metrics": "no_validation",
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
            None,
        ],
        "validation_batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
            None,
        ],
        "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "callbacks": "no_validation",
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean"],
        "run_eagerly": ["boolean"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "precision": [StrOptions(set(_INPUT_DTYPES))],
    }

    #: A user's model may hold any registered Keras class: loading relies on
    #: Keras' own safe mode (which load_model cannot let be switched off) and
    #: load_model's size limits, not on an allow-list.
    _saved_keras_classes = None
    _fitted_attributes = (
        "X_dtype_",
        "X_shape_",
        "n_outputs_",
        "n_outputs_expected_",
        "target_encoder_",
        "target_type_",
        "y_dtype_",
        "y_ndim_",
    )
    _history_attributes = ()

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
        precision="float32",
        **kwargs,
    ):
        self.model = model
        self.warm_start = warm_start
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.validation_batch_size = validation_batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.run_eagerly = run_eagerly
        self.epochs = epochs
        self.precision = precision
        # Extra parameters for the model function (``hidden_layer_sizes=...``)
        # and routed ones (``optimizer__learning_rate=...``) are parameters
        # too: stored unchanged under their own names, listed by get_params.
        self._extra_params = tuple(kwargs)
        for name, value in kwargs.items():
            setattr(self, name, value)

    # -------------------------------------------------------------- parameters
    def _get_param_names(self):
        return sorted({*super()._get_param_names(), *self._extra_params})

    def set_params(self, **params):
        """Set parameters, including extra and routed ones (``model__units``).

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
            The estimator.
        """
        plain = {}
        for name, value in params.items():
            prefix = name.split("__", 1)[0]
            if name in self._extra_params or (
                "__" in name and prefix in ROUTING_PREFIXES
            ):
                setattr(self, name, value)
                if name not in self._extra_params:
                    self._extra_params = (*self._extra_params, name)
            else:
                plain[name] = value
        if plain:
            super().set_params(**plain)
        return self

    def _routed(self, destination):
        """The parameters routed to ``destination`` (``destination__name``)."""
        prefix = f"{destination}__"
        return {
            name[len(prefix) :]: getattr(self, name)
            for name in self._extra_params
            if name.startswith(prefix) and "__" not in name[len(prefix) :]
        }

    # ------------------------------------------------------------------- state
    @property
    def initialized_(self):
        """True once ``fit``, ``partial_fit`` or ``initialize`` built the model."""
        return hasattr(self, "model_")

    @property
    def current_epoch(self):
        """The number of epochs trained so far."""
        return len(getattr(self, "history_", {}).get("loss", ()))

    @property
    def feature_encoder(self):
        """An unfitted transformer of ``X`` before the model (override it as
        in scikeras' data-transformer guide). By default the identity."""
        from sklearn.preprocessing import FunctionTransformer

        return FunctionTransformer()

    def _get_metadata(self):
        """The fitted attributes the model function may ask for as ``meta``."""
        return {
            name: value
            for name, value in vars(self).items()
            if name.endswith("_")
            and not name.startswith("_")
            and not name.endswith("__")
            and name != "model_"
        }

    # ------------------------------------------------------------------ hooks
    def _split_sample_shape(self, X):
        if isinstance(X, np.ndarray) and X.ndim > 2:
            return X.reshape(X.shape[0], math.prod(X.shape[1:])), X.shape[1:]
        return X, None

    def _check_sample_shape(self, sample_shape):
        fitted = tuple(self.X_shape_[1:])
        given = fitted if sample_shape is None and len(fitted) == 1 else sample_shape
        if given is None or tuple(given) != fitted:
            raise ValueError(
                f"X has samples of shape {_plain(given)}, but this "
                f"{type(self).__name__} was fitted on samples of shape "
                f"{_plain(fitted)}."
            )

    def _shape_input(self, X, sample_shape, *, reset):
        if sample_shape is not None:
            X = X.reshape(X.shape[0], *sample_shape)
        if reset:
            self.X_shape_ = X.shape
            self.X_dtype_ = X.dtype
            self.feature_encoder_ = self.feature_encoder.fit(X)
            self._set_metadata(self.feature_encoder_)
        return self.feature_encoder_.transform(X)

    def _check_exportable(self):
        from sklearn.preprocessing import FunctionTransformer

        from sknn_estimators._export import NotExportableError

        encoder = self.feature_encoder_
        identity = type(encoder) is FunctionTransformer and encoder.func is None
        default_target = type(self.target_encoder_) in (
            ClassifierLabelEncoder,
            RegressorTargetEncoder,
        )
        model = self.model_
        problems = [
            what
            for what, refused in (
                ("feature_encoder_", not identity),
                ("target_encoder_", not default_target),
                ("model_", len(model.inputs) != 1 or len(model.outputs) != 1),
            )
            if refused
        ]
        if problems:
            raise NotExportableError(
                f"{type(self).__name__} exports a model of one input and one "
                "output with the default feature and target encoders; this one "
                f"has its own {', '.join(problems)}.",
                names=problems,
            )

    def _set_metadata(self, encoder):
        for name, value in getattr(encoder, "get_metadata", dict)().items():
            setattr(self, name, value)

    def _training_options(self, keras, n_samples, *, incremental, fit_params):
        fit_params = dict(fit_params)
        routed = self._routed("fit")
        epochs = fit_params.pop("epochs", routed.get("epochs", self.epochs))
        batch_size = fit_params.pop(
            "batch_size", routed.get("batch_size", self.batch_size)
        )
        if fit_params:
            raise TypeError(
                f"{type(self).__name__}.fit got unexpected keyword arguments "
                f"{sorted(fit_params)}; it takes epochs, batch_size and "
                "validation_data."
            )
        batch_size = _batch_size(batch_size, n_samples)
        validation_batch_size = self.validation_batch_size or batch_size
        validation_split = routed.get("validation_split", self.validation_split)
        return {
            "epochs": 1 if incremental else epochs,
            "batch_size": batch_size,
            "validation_fraction": validation_split or None,
            "validation_batch_size": _batch_size(validation_batch_size, n_samples),
            "callbacks": self._make_callbacks(keras, "fit"),
        }

    def _make_callbacks(self, keras, destination):
        """Fresh callbacks from ``callbacks`` and ``<destination>__callbacks``:
        instances are copied, classes made with the ``callbacks__`` arguments."""
        import copy

        made = []
        for source in (
            self.callbacks,
            getattr(self, f"{destination}__callbacks", None),
        ):
            if source is None:
                continue
            if isinstance(source, dict):
                source = list(source.values())
            elif not isinstance(source, list | tuple):
                source = [source]
            for callback in source:
                if isinstance(callback, type) and issubclass(
                    callback, keras.callbacks.Callback
                ):
                    made.append(callback(**self._routed("callbacks")))
                elif isinstance(callback, keras.callbacks.Callback):
                    made.append(copy.deepcopy(callback))
                else:
                    raise TypeError(
                        "`callbacks` must hold keras.callbacks.Callback instances "
                        f"or subclasses; got {type(callback).__name__}."
                    )
        return made

    def _record_history(self, new, continuing):
        new = {key: [float(v) for v in values] for key, values in new.items()}
        if continuing and hasattr(self, "history_"):
            for key, values in new.items():
                self.history_.setdefault(key, []).extend(values)
        else:
            self.history_ = new
        self.n_iter_ = len(self.history_.get("loss", ()))

    def _network(self, keras, *, seed, steps, precision):
        with _scoped_build(keras, seed, precision):
            model = self._user_model(keras)
            self._check_model_outputs(model)
            if not model.compiled:
                kwargs = self._compile_kwargs(keras)
                if kwargs["loss"] is None:
                    raise ValueError(
                        f"{type(self).__name__} needs a loss to compile the model: "
                        "pass `loss` (e.g. loss='sparse_categorical_crossentropy') "
                        "or return a compiled model from `model`."
                    )
                model.compile(**kwargs)
        return model

    def _user_model(self, keras):
        model = self.model
        if model is None and hasattr(self, "_keras_build_fn"):
            model = self._keras_build_fn
        if isinstance(model, keras.Model):
            return _copy_model(keras, model)
        if model is None or not callable(model):
            raise TypeError(
                "`model` must be a keras.Model or a callable that returns one; "
                f"got {type(model).__name__}."
            )
        built = model(**self._model_kwargs(keras, model))
        if not isinstance(built, keras.Model):
            name = getattr(model, "__name__", type(model).__name__)
            raise TypeError(
                f"`model` ({name}) must return a keras.Model; it returned "
                f"{type(built).__name__}."
            )
        return built

    def _model_kwargs(self, keras, function):
        kwargs = {
            name: getattr(self, name) for name in self._extra_params if "__" not in name
        }
        kwargs.update(self._routed("model"))
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            parameters = {}
        takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        if takes_any or "meta" in parameters:
            kwargs["meta"] = self._get_metadata()
        if takes_any or "compile_kwargs" in parameters:
            kwargs["compile_kwargs"] = self._compile_kwargs(keras)
        if takes_any or "params" in parameters:
            kwargs["params"] = self.get_params()
        return kwargs

    def _compile_kwargs(self, keras):
        """Arguments of ``Model.compile`` from ``optimizer``, ``loss``,
        ``metrics``, ``run_eagerly`` and the routed ``compile__`` parameters."""
        kwargs = {
            "optimizer": self._make_optimizer(keras),
            "loss": self._make_loss(keras),
            "metrics": self._make_metrics(keras),
            "run_eagerly": self.run_eagerly,
            "steps_per_execution": STEPS_PER_EXECUTION,
        }
        kwargs.update(self._routed("compile"))
        return kwargs

    def _make_optimizer(self, keras):
        optimizer, routed = self.optimizer, self._routed("optimizer")
        if isinstance(optimizer, str):
            return type(keras.optimizers.get(optimizer))(**routed)
        if isinstance(optimizer, type):
            return optimizer(**routed)
        # An instance: a fresh copy, as an optimizer's state belongs to one model.
        return type(optimizer).from_config(optimizer.get_config())

    def _make_loss(self, keras):
        loss, routed = self.loss, self._routed("loss")
        if isinstance(loss, str) and routed:
            loss = _keras_class(keras.losses, loss, "loss")
        elif isinstance(loss, str) and keras.config.floatx() != "float32":
            # Keras makes a string loss at the first training step, in the
            # global floatx; made here it takes this fit's precision.
            with contextlib.suppress(ValueError):
                loss = _keras_class(keras.losses, loss, "loss")
        if isinstance(loss, type):
            return loss(**routed)
        return loss

    def _make_metrics(self, keras):
        metrics = self.metrics
        if metrics is None:
            return None
        if isinstance(metrics, dict):
            return metrics
        if not isinstance(metrics, list | tuple):
            metrics = [metrics]
        routed = self._routed("metrics")
        made = []
        for metric in metrics:
            if isinstance(metric, type):
                metric = metric(**routed)
            elif isinstance(metric, keras.metrics.Metric):
                metric = type(metric).from_config(metric.get_config())
            made.append(metric)
        return made

    def _check_model_outputs(self, model):
        """Refuse a model whose output does not fit the targets, with a message
        that says what it should be (instead of TensorFlow's shape error)."""
        try:
            outputs = model.outputs
        except (AttributeError, ValueError):
            return  # a subclassed model, not built yet: Keras checks at fit
        if outputs is None:
            return
        n_expected = getattr(self, "n_outputs_expected_", 1) or 1
        if len(outputs) != n_expected:
            raise ValueError(
                f"`model` returned a model with {len(outputs)} outputs, but "
                f"{type(self).__name__} expects {n_expected} from its "
                "target_encoder."
            )
        if n_expected != 1:
            return
        width = outputs[0].shape[-1] if len(outputs[0].shape) > 1 else 1
        allowed = self._output_widths()
        if width not in allowed:
            raise ValueError(
                f"`model` returned a model whose output has {_plain(width)} units, "
                f"but y ({self.target_type_}) needs "
                f"{' or '.join(str(w) for w in allowed)}: {self._output_hint()}."
            )

    # --------------------------------------------------------------- methods
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a new model (unless ``warm_start``) and train it on ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (see
            :meth:`sknn_estimators.FashionCNNClassifier.fit`).
        **kwargs : dict
            ``epochs``, ``batch_size`` and ``validation_data`` for this call.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation_data = kwargs.pop("validation_data", None)
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=False,
            validation_data=validation_data,
            fit_params=kwargs,
        )

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """The score of predictions ``y_pred`` for ``y_true``, used by
        :meth:`score`; override it (a static method) for targets that the
        default does not score, as in scikeras' data-transformer guide.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Predictions.
        **kwargs : dict
            ``sample_weight`` and the routed ``score__`` parameters.

        Returns
        -------
        score : float
            The score; higher is better.
        """
        raise NotImplementedError(
            "BaseWrapper has no scorer; subclass it and define one."
        )

    def score(self, X, y, sample_weight=None):
        """``scorer(y, predict(X))``: accuracy for :class:`KerasClassifier`,
        R² for :class:`KerasRegressor`, unless ``scorer`` is overridden.

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
        y_pred = self.predict(X)
        kwargs = self._routed("score")
        return float(self.scorer(y, y_pred, sample_weight=sample_weight, **kwargs))

    def initialize(self, X, y):
        """Build and compile the model for ``X`` and ``y`` without training it.

        The weights are those ``fit`` would start from with the same
        ``random_state``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, to learn their layout.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, to learn their kind, classes and outputs.

        Returns
        -------
        self : object
            The initialized estimator; ``predict`` works.
        """
        self._validate_params()
        X, y = self._validate_training_data(X, y, reset=True)
        self._encode_targets(y, reset=True)
        keras = import_keras()
        seed = int(check_random_state(self.random_state).randint(_MAX_SEED, size=3)[0])
        self.model_ = self._compiled_network(keras, seed, 0)
        self.history_ = {}
        self.n_iter_ = 0
        self._predict_function = make_predict_function(self.model_)
        self._pickled_model = None
        return self

    def _several_outputs(self):
        """Whether the target encoder asks for a model with several outputs."""
        return (getattr(self, "n_outputs_expected_", None) or 1) > 1

    def _output_targets(self, encoded):
        """The target encoder's list, tuple or dict of arrays (one per output
        of the model), each as an array of the input dtype."""
        structure = target_leaves(encoded)[1]
        if structure is None:
            raise TypeError(
                f"The target_encoder of {type(self).__name__} sets "
                f"n_outputs_expected_={self.n_outputs_expected_}, so its transform "
                "must return a list, tuple or dict of arrays, one per output of "
                f"the model; it returned {type(encoded).__name__}."
            )
        return map_targets(lambda a: np.asarray(a, dtype=self._input_dtype), encoded)

    def _set_target_metadata(self, y, encoder, classes=None):
        self.target_encoder_ = encoder.fit(y)
        self._set_metadata(self.target_encoder_)
        self.target_type_ = type_of_target(y if classes is None else classes)
        self.y_dtype_ = y.dtype
        self.y_ndim_ = y.ndim

    # ------------------------------------------------------------ persistence
    def _saved_state(self):
        """As the base's, with what JSON cannot hold made plain: the default
        encoders as their few fitted values, dtypes as strings. Parameters that
        are Python objects (a model function, a Keras optimizer or loss
        object) are not saved: the loaded estimator predicts without them and
        has them None until ``set_params``."""
        from sknn_estimators._persistence import _encode

        params, fitted, model = super()._saved_state()
        unsaved = []
        for name, value in params.items():
            try:
                _encode(value)
            except TypeError:
                unsaved.append(name)
        if [name for name in unsaved if name != "model"]:
            warnings.warn(
                f"The parameters {sorted(unsaved)} are Python objects, which are "
                "not saved; the loaded estimator has them None. Set them again "
                "with set_params before training it further.",
                UserWarning,
                stacklevel=4,
            )
        params = {k: (None if k in unsaved else v) for k, v in params.items()}
        fitted = dict(fitted)
        fitted["target_encoder_"] = _encoder_state(fitted["target_encoder_"])
        fitted.pop("feature_encoder_")
        if type(self).feature_encoder is not BaseWrapper.feature_encoder:
            raise TypeError(
                "save supports the default feature_encoder; pickle an estimator "
                "with a custom one."
            )
        for name in ("X_dtype_", "y_dtype_"):
            if name in fitted:
                fitted[name] = fitted[name].str
        return params, fitted, model

    @classmethod
    def _from_saved_state(cls, params, fitted, model):
        from sklearn.preprocessing import FunctionTransformer

        fitted = dict(fitted)
        encoder = _encoder_from_state(fitted.pop("target_encoder_"))
        for name in ("X_dtype_", "y_dtype_"):
            if name in fitted:
                fitted[name] = np.dtype(fitted[name])
        estimator = super()._from_saved_state(params, fitted, model)
        estimator.target_encoder_ = encoder
        sample = np.zeros((1, *fitted["X_shape_"][1:]), dtype=fitted["X_dtype_"])
        estimator.feature_encoder_ = FunctionTransformer().fit(sample)
        return estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class KerasClassifier(KerasClassifierMixin, BaseWrapper):
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
    _target_validation = {"multi_output": True}
    _fitted_attributes = ("n_classes_",)

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

    def _encode_targets(
        self, y, *, reset, classes=None, validation=False, warm_start=False
    ):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples,), for example using "
                "ravel().",
                DataConversionWarning,
                stacklevel=4,
            )
            y = y.ravel()
        if reset:
            encoder = self.target_encoder
            if classes is not None and "categories" in encoder.get_params():
                encoder.set_params(categories=[np.unique(classes)])
            self._set_target_metadata(y, encoder, classes)
        encoded = self.target_encoder_.transform(y)
        if self._several_outputs():
            return self._output_targets(encoded)
        return np.asarray(encoded, dtype=self._input_dtype)

    def _class_weights(self, y_encoded):
        if getattr(self, "class_weight", None) is None:
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
        return KerasClassifierMixin._class_weights(self, indices)

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """Accuracy (:func:`~sklearn.metrics.accuracy_score`); see
        :meth:`BaseWrapper.scorer`."""
        from sklearn.metrics import accuracy_score

        return accuracy_score(y_true, y_pred, **kwargs)

    score = BaseWrapper.score

    def _output_widths(self):
        if self.target_type_ == "binary":
            return (1, 2)
        return (self.n_classes_,)

    def _output_hint(self):
        if self.target_type_ == "binary":
            return "one sigmoid unit or two softmax units"
        if self.target_type_ == "multilabel-indicator":
            return "one sigmoid unit per label"
        return "one softmax unit per class"

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train for one epoch, continuing the model (built on the first call).

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
        first = not hasattr(self, "model_")
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=True,
            classes=classes if first else None,
            fit_params=kwargs,
        )

    def predict_proba(self, X):
        """Probability of each class (or label) for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_`` (for one sigmoid
            output, ``[1 - p, p]``).
        """
        check_is_fitted(self)
        return self.target_encoder_.inverse_transform(
            self._raw_predict(X), return_proba=True
        )

    def _serving_output(self, ops, output):
        if self.target_encoder_._target_type == "multilabel-indicator":
            return output
        if output.shape[-1] == 1:  # one sigmoid unit: the second class's
            output = ops.concatenate([1 - output, output], axis=1)
        return output / ops.sum(output, axis=1, keepdims=True)

    def predict(self, X):
        """Predicted labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``, or an indicator matrix.
        """
        check_is_fitted(self)
        return self.target_encoder_.inverse_transform(self._raw_predict(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class KerasRegressor(KerasRegressorMixin, BaseWrapper):
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

    @property
    def target_encoder(self):
        """An unfitted transformer of ``y`` for the model (override it as in
        scikeras' data-transformer guide)."""
        return RegressorTargetEncoder()

    def _encode_targets(
        self, y, *, reset, classes=None, validation=False, warm_start=False
    ):
        y = np.asarray(y)
        if reset:
            self._set_target_metadata(y, self.target_encoder)
        encoded = self.target_encoder_.transform(y)
        if self._several_outputs():
            return self._output_targets(encoded)
        return KerasRegressorMixin._encode_targets(
            self, encoded, reset=False, validation=validation
        )

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """R² (:func:`~sklearn.metrics.r2_score`); see :meth:`BaseWrapper.scorer`."""
        from sklearn.metrics import r2_score

        return r2_score(y_true, y_pred, **kwargs)

    score = BaseWrapper.score

    def _output_widths(self):
        return (self.n_outputs_,)

    def _output_hint(self):
        return "one unit per column of y"

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train for one epoch, continuing the model (built on the first call).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        **kwargs : dict
            ``batch_size`` for this call.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, fit_params=kwargs)

    def _serving_output(self, ops, output):
        if self.target_encoder_._y_ndim == 1 and output.shape[-1] == 1:
            return ops.squeeze(output, axis=1)
        return output

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, shaped as ``y`` in fit.
        """
        check_is_fitted(self)
        return self.target_encoder_.inverse_transform(self._raw_predict(X))


def _batch_size(batch_size, n_samples):
    if batch_size is None:
        return _KERAS_DEFAULT_BATCH_SIZE
    if batch_size == -1:
        return max(n_samples, 1)
    return batch_size


def _keras_class(module, name, what):
    """The Keras class for a snake-case name (``"mean_squared_error"``), so
    that a string ``loss`` can take routed arguments."""
    camel = "".join(part.capitalize() for part in name.split("_"))
    for candidate in (name, camel):
        found = getattr(module, candidate, None)
        if isinstance(found, type):
            return found
    raise ValueError(
        f"{what}={name!r} takes no routed arguments: no Keras class of that name. "
        "Pass the class itself, e.g. keras.losses.CategoricalCrossentropy."
    )


def _copy_model(keras, model):
    """A copy of a user's model (architecture, weights, compile settings), so
    that fitting never changes the ``model`` parameter."""
    twin = keras.models.clone_model(model)
    if model.built:
        twin.set_weights(model.get_weights())
    if model.compiled:
        twin.compile_from_config(model.get_compile_config())
    return twin


_ENCODERS = {
    "ClassifierLabelEncoder": ClassifierLabelEncoder,
    "RegressorTargetEncoder": RegressorTargetEncoder,
}


def _encoder_state(encoder):
    """The fitted values of a default target encoder, as plain data."""
    name = type(encoder).__name__
    if _ENCODERS.get(name) is not type(encoder):
        raise TypeError(
            f"save supports the default target encoders; got {name}. Pickle an "
            "estimator with a custom target_encoder instead."
        )
    state = {
        key: value
        for key, value in vars(encoder).items()
        if key.endswith("_") or key.startswith("_")
    }
    if "_y_dtype" in state:
        state["_y_dtype"] = state["_y_dtype"].str
    params = encoder.get_params()
    if not isinstance(params.get("loss"), str | None):
        params["loss"] = None  # only its one-hot choice matters once fitted
    return {"class": name, "params": params, "state": state}


def _encoder_from_state(saved):
    encoder = _ENCODERS[saved["class"]](**saved["params"])
    for key, value in saved["state"].items():
        setattr(encoder, key, np.dtype(value) if key == "_y_dtype" else value)
    return encoder
