"""The core of every Keras-backed estimator: :class:`BaseKerasEstimator`.

The base owns what the estimators share: declared parameters, input validation,
the target hook, building and compiling the network through a hook, the
``tf.data`` input pipeline, the training loop with callbacks, early stopping and
Ctrl-C, ``partial_fit``, the history attributes, traced inference, pickling and
``save``. :class:`KerasClassifierMixin` and :class:`KerasRegressorMixin` hold
what a classifier and a regressor add (target encoding, loss, output, scores,
tags). An estimator is a thin subclass that supplies its parameters and the
hooks ``_build_network`` (and, for images, ``_split_sample_shape`` and
``_shape_input``); see :mod:`sknn_estimators._cnn`.

Nothing here imports TensorFlow at module level.
"""

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted
from sklearn_compat.base import _fit_context
from sklearn_compat.utils.validation import validate_data

from sknn_estimators._keras_runtime import (
    STEPS_PER_EXECUTION,
    InterruptFlag,
    bfloat16_supported,
    build_training_state,
    floatx_scope,
    import_keras,
    limit_steps_per_execution,
    make_dataset,
    make_predict_function,
    map_targets,
    model_from_bytes,
    model_to_bytes,
    predict_in_batches,
    progress_callbacks,
    target_leaves,
)
from sknn_estimators._small_batch import small_batch_predict
from sknn_estimators._validation import not_numeric_error

_MAX_SEED = np.iinfo(np.int32).max
#: ``learning_rate="warmup_cosine"`` rises linearly from 0 over this share of
#: the steps of a fit, then decays along the cosine.
WARMUP_FRACTION = 0.1
_OPTIMIZERS = ("adam", "sgd", "rmsprop")
#: The numpy dtype in which each ``precision`` feeds the network.
_INPUT_DTYPES = {
    "float32": np.float32,
    "mixed_bfloat16": np.float32,
    "float64": np.float64,
}
#: ``precision="auto"``: mixed_bfloat16 where the hardware computes bfloat16
#: natively, float32 elsewhere (silently); ``precision_`` says which.
_AUTO_PRECISION = "auto"
#: The Keras classes, as ``(module, class name)``, that compiling a network
#: adds to its saved config (optimizers, the learning-rate schedule, metrics).
_COMPILE_KERAS_CLASSES = frozenset(
    {
        ("keras.optimizers", "Adam"),
        ("keras.optimizers", "SGD"),
        ("keras.optimizers", "RMSprop"),
        ("keras.optimizers.schedules", "CosineDecay"),
        ("keras.metrics", "R2Score"),
        ("keras.losses", "SparseCategoricalCrossentropy"),
        ("keras.losses", "CategoricalCrossentropy"),
        ("keras.losses", "MeanSquaredError"),
    }
)


class BaseKerasEstimator(BaseEstimator):
    """Base class of the Keras-backed estimators; not for direct use.

    Subclasses set ``_parameter_constraints`` as
    ``{**BaseKerasEstimator._parameter_constraints, ...}``, store their
    parameters in ``__init__`` and implement :meth:`_build_network`. Classifiers
    and regressors also inherit :class:`KerasClassifierMixin` or
    :class:`KerasRegressorMixin`, which come first in the bases.
    """

    _parameter_constraints = {
        "solver": [StrOptions(set(_OPTIMIZERS))],
        "learning_rate": [StrOptions({"constant", "cosine", "warmup_cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "ema_momentum": [Interval(Real, 0, 1, closed="neither"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, tuple, None],
        "precision": [StrOptions({*_INPUT_DTYPES, _AUTO_PRECISION})],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "warm_start": ["boolean"],
    }

    # ------------------------------------------------------------------ hooks
    def _build_network(self, keras, *, n_outputs, activation, dtype_policy, seed):
        """Return the uncompiled Keras model (subclasses implement it)."""
        raise NotImplementedError

    def _split_sample_shape(self, X):
        """Return ``(rows, sample_shape or None)``: 2-D rows for validation and
        the shape of one sample when ``X`` came in another layout."""
        return X, None

    def _check_sample_shape(self, sample_shape):
        """Refuse samples whose shape differs from the fitted one (after fit)."""

    def _shape_input(self, X, sample_shape, *, reset):
        """Return the validated rows ``X`` in the layout the network takes."""
        return X

    # ---------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (estimators on images also take 3-D and 4-D arrays).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss. Within each batch the loss is
            the weighted mean (``sum(w * loss) / sum(w)``), as in
            :class:`~sklearn.neural_network.MLPClassifier`: a sample of weight
            0 does not count, and a weight of 2 counts as the sample twice.
            Multiplied by the ``class_weight`` of a classifier.
        validation_data : tuple (X_val, y_val), default=None
            Data on which the validation loss and score are recorded after
            each epoch. With ``early_stopping`` it replaces the held-out
            ``validation_fraction``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(
            X, y, sample_weight, validation_data=validation_data, incremental=False
        )

    def _fit(
        self,
        X,
        y,
        sample_weight,
        *,
        incremental,
        validation_data=None,
        classes=None,
        fit_params=None,
    ):
        continuing = hasattr(self, "model_") and (incremental or self.warm_start)
        X, y = self._validate_training_data(X, y, reset=not continuing)
        y_encoded = self._encode_targets(
            y, reset=not continuing, classes=classes, warm_start=not incremental
        )
        weights = self._training_weights(sample_weight, X, y_encoded)

        keras = import_keras()
        options = self._training_options(
            keras, X.shape[0], incremental=incremental, fit_params=fit_params or {}
        )
        rng = check_random_state(self.random_state)
        model_seed, shuffle_seed, split_seed = (
            int(s) for s in rng.randint(_MAX_SEED, size=3)
        )
        epochs = options["epochs"]
        val = None
        if validation_data is not None:
            val = self._encode_validation_data(validation_data)
        elif options["validation_fraction"]:
            # Several targets (a model with several outputs) split as one
            # array each, unstratified.
            y_leaves, pack_y = target_leaves(y_encoded)
            stratify = y_encoded if is_classifier(self) and pack_y is None else None
            parts = train_test_split(
                *(a for a in (X, *y_leaves, weights) if a is not None),
                test_size=options["validation_fraction"],
                random_state=split_seed,
                stratify=stratify,
            )
            X, X_val = parts[:2]
            n_y = 2 * len(y_leaves)
            y_parts = parts[2 : 2 + n_y]
            weights = parts[2 + n_y] if weights is not None else None
            y_encoded, y_val = y_parts[0::2], y_parts[1::2]
            if pack_y is None:
                y_encoded, y_val = y_encoded[0], y_val[0]
            else:
                y_encoded, y_val = pack_y(y_encoded), pack_y(y_val)
            val = (X_val, y_val)
        y_encoded = self._network_targets(y_encoded)
        if val is not None:
            val = (val[0], self._network_targets(val[1]))

        if not continuing:
            steps = self.epochs * math.ceil(X.shape[0] / options["batch_size"])
            self.model_ = self._compiled_network(keras, model_seed, steps)
            limit_steps_per_execution(
                self.model_, math.ceil(X.shape[0] / options["batch_size"])
            )
            build_training_state(
                self.model_,
                X[:2].astype(self._input_dtype),
                map_targets(lambda a: a[:2], y_encoded),
            )
        if incremental and continuing:
            # A new shuffle order for each call, still fixed by random_state.
            shuffle_seed = (shuffle_seed + self.n_iter_) % _MAX_SEED
        train_data = make_dataset(
            X,
            y_encoded,
            weights,
            batch_size=options["batch_size"],
            shuffle=self.shuffle,
            seed=shuffle_seed,
            x_dtype=self._input_dtype,
        )
        val_data = None
        if val is not None:
            val_data = make_dataset(
                *val,
                batch_size=options["validation_batch_size"],
                x_dtype=self._input_dtype,
            )
        callbacks = options["callbacks"]
        with InterruptFlag(self.model_) as interrupt:
            history = self.model_.fit(
                train_data,
                epochs=epochs,
                validation_data=val_data,
                callbacks=[
                    *callbacks,
                    interrupt.callback(keras),
                    *progress_callbacks(keras, self.verbose, callbacks),
                ],
                shuffle=False,  # make_dataset already shuffles, from our own seed
                verbose=int(self.verbose),
            )
        self._record_history(history.history, continuing)
        self._predict_function = make_predict_function(self.model_)
        self._pickled_model = None
        if interrupt.interrupted:
            warnings.warn(
                f"Training was interrupted (Ctrl-C) during epoch {len(history.epoch)}"
                f" of {epochs}; {type(self).__name__} keeps the weights "
                "learned so far and is fitted and usable. Call fit again with "
                "warm_start=True to continue training.",
                UserWarning,
                stacklevel=3,
            )
        return self

    def _training_options(self, keras, n_samples, *, incremental, fit_params):
        """How ``_fit`` trains, as a dict: ``epochs``, ``batch_size``,
        ``validation_fraction`` (None for no held-out split),
        ``validation_batch_size`` and ``callbacks`` (the list given to
        ``Model.fit``). ``fit_params`` are the extra arguments of ``fit``."""
        callbacks = [copy.deepcopy(callback) for callback in self.callbacks or ()]
        if not incremental:
            callbacks.append(self._stopping_callback(keras))
        held_out = self.early_stopping and not incremental
        return {
            "epochs": 1 if incremental else self.epochs,
            "batch_size": self.batch_size,
            "validation_fraction": self.validation_fraction if held_out else None,
            "validation_batch_size": max(self.batch_size, 512),
            "callbacks": callbacks,
        }

    def _validate_training_data(self, X, y, *, reset):
        X, sample_shape = self._split_sample_shape(X)
        if not reset:
            self._check_sample_shape(sample_shape)
        try:
            X, y = validate_data(
                self,
                X,
                y,
                reset=reset,
                dtype=_validation_dtype(X),
                **self._target_validation,
            )
        except ValueError as error:
            args = {"X": X, "y": y} if self._target_validation else {"X": X}
            self._raise_not_numeric(error, args)
        X = _as_network_input(X, self._input_dtype)
        return self._shape_input(X, sample_shape, reset=reset), y

    def _validate_input(self, X):
        """Validate ``X`` at prediction: the fitted layout, as the network takes it."""
        check_is_fitted(self)
        X, sample_shape = self._split_sample_shape(X)
        self._check_sample_shape(sample_shape)
        try:
            X = validate_data(self, X, reset=False, dtype=_validation_dtype(X))
        except ValueError as error:
            self._raise_not_numeric(error, {"X": X})
        X = _as_network_input(X, self._input_dtype)
        return self._shape_input(X, sample_shape, reset=False)

    def _raise_not_numeric(self, error, args):
        """Re-raise ``error`` from validation, as a message naming the argument
        when one of ``args`` (name: value) holds something that is not a number."""
        for name, values in args.items():
            named = not_numeric_error(name, values, type(self).__name__)
            if named is not None:
                raise named from error
        raise error

    @property
    def _input_dtype(self):
        return _INPUT_DTYPES.get(self.precision, np.float32)  # "auto": float32

    def _training_weights(self, sample_weight, X, y_encoded):
        """Per-sample loss weights (``sample_weight`` times class weights), or None."""
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(
                sample_weight, X, dtype=self._input_dtype, ensure_non_negative=True
            )
        class_weights = self._class_weights(y_encoded)
        if class_weights is not None:
            weights = class_weights if weights is None else weights * class_weights
        return None if weights is None else weights.astype(self._input_dtype)

    def _class_weights(self, y_encoded):
        return None

    def _compiled_network(self, keras, seed, steps):
        """Build and compile a new network; sets ``precision_``."""
        precision = self.precision
        if precision == _AUTO_PRECISION:
            precision = "mixed_bfloat16" if bfloat16_supported() else "float32"
        elif precision == "mixed_bfloat16" and not bfloat16_supported():
            warnings.warn(
                "precision='mixed_bfloat16' needs hardware that computes bfloat16 "
                "natively (a CPU with AVX512-BF16 or AMX, or a GPU); this machine "
                "has none, so the network is trained in float32.",
                UserWarning,
                stacklevel=4,
            )
            precision = "float32"
        self.precision_ = precision
        return self._network(keras, seed=seed, steps=steps, precision=precision)

    def _network(self, keras, *, seed, steps, precision):
        """Return the compiled network to train (``precision`` is resolved)."""
        n_outputs, activation = self._output_layer()
        model = self._build_network(
            keras,
            n_outputs=n_outputs,
            activation=activation,
            dtype_policy=precision,
            seed=seed,
        )
        with floatx_scope(keras, "float64" if precision == "float64" else None):
            model.compile(
                optimizer=self._optimizer(keras, steps),
                loss=self._loss_for(keras, precision),
                metrics=[self._metric(keras)],
                steps_per_execution=STEPS_PER_EXECUTION,
            )
        return model

    def _network_targets(self, y_encoded):
        """The encoded targets in the form the loss takes (after the split of
        the validation part, which stratifies on ``y_encoded``)."""
        return y_encoded

    def _loss_for(self, keras, precision):
        """The loss: its name, or in float64 an instance computing in float64
        (Keras makes a named loss in float32, which cannot add float64 L2
        penalties)."""
        if precision != "float64":
            return self._loss
        return getattr(keras.losses, self._loss_class)(dtype="float64")

    def _optimizer(self, keras, steps):
        rate = self.learning_rate_init
        if self.learning_rate == "cosine":
            rate = keras.optimizers.schedules.CosineDecay(rate, steps, alpha=0.01)
        elif self.learning_rate == "warmup_cosine":
            warmup = max(1, round(WARMUP_FRACTION * steps))
            rate = keras.optimizers.schedules.CosineDecay(
                0.0,
                max(1, steps - warmup),
                alpha=0.01,
                warmup_target=rate,
                warmup_steps=warmup,
            )
        averaging = {}
        if self.ema_momentum is not None:
            averaging = {"use_ema": True, "ema_momentum": self.ema_momentum}
        if self.solver == "sgd":
            return keras.optimizers.SGD(
                learning_rate=rate, momentum=0.9, nesterov=True, **averaging
            )
        if self.solver == "rmsprop":
            return keras.optimizers.RMSprop(learning_rate=rate, **averaging)
        return keras.optimizers.Adam(learning_rate=rate, **averaging)

    def _l2_factor(self):
        """The Keras kernel-regulariser factor of ``alpha``, with MLPClassifier's
        scaling: ``0.5 * alpha * ||W||^2 / batch_size`` added to each batch's loss."""
        return 0.5 * self.alpha / self.batch_size

    def _encode_validation_data(self, validation_data):
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError(
                "`validation_data` must be a tuple (X_val, y_val), got "
                f"{type(validation_data).__name__}."
            ) from None
        X_val = self._validate_input(X_val)
        y_val = np.asarray(y_val)
        if y_val.shape[0] != X_val.shape[0]:
            raise ValueError(
                f"`validation_data` has {X_val.shape[0]} samples in X_val but "
                f"{y_val.shape[0]} targets in y_val."
            )
        return X_val, self._encode_targets(y_val, reset=False, validation=True)

    def _stopping_callback(self, keras):
        if self.early_stopping:
            return keras.callbacks.EarlyStopping(
                monitor=f"val_{self._score_name}",
                mode="max",
                min_delta=self.tol,
                patience=self.n_iter_no_change,
                restore_best_weights=True,
            )
        return keras.callbacks.EarlyStopping(
            monitor="loss",
            mode="min",
            min_delta=self.tol,
            patience=self.n_iter_no_change,
        )

    def _record_history(self, new, continuing):
        new = {key: [float(v) for v in values] for key, values in new.items()}
        if continuing:
            for key, values in new.items():
                self.history_.setdefault(key, []).extend(values)
            self.n_iter_ += len(new["loss"])
        else:
            self.history_ = new
            self.n_iter_ = len(new["loss"])
        self.loss_curve_ = self.history_["loss"]
        val_key = f"val_{self._score_name}"
        if self.early_stopping and val_key in self.history_:
            self.validation_scores_ = self.history_[val_key]
            self.best_validation_score_ = max(self.validation_scores_)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)

    def _raw_predict(self, X):
        """The network's outputs for ``X``, as float64 (a list or dict of arrays
        for a model with several outputs): small batches through ONNX Runtime
        when the ``onnx`` extra is installed (see
        :mod:`sknn_estimators._small_batch`), others through TensorFlow."""
        X = self._validate_input(X)

        def tensorflow_path(rows):
            return predict_in_batches(
                self._predict_function, rows, dtype=self._input_dtype
            )

        output = small_batch_predict(self, X, tensorflow_path)
        if output is None:
            output = tensorflow_path(X)
        return map_targets(lambda a: a.astype(np.float64), output)

    def export(self, path, format="onnx"):
        """Export the fitted estimator as one graph, to serve without Python.

        The graph takes the rows ``predict`` takes, as float32 of shape
        ``(n_samples, n_features_in_)``, reshapes them inside the graph as the
        estimator does (the CNNs: to images of ``image_shape_``), and returns
        what ``predict_proba`` returns for a classifier and ``predict`` for a
        regressor. Its description (``classes``, ``n_features_in``,
        ``image_shape``, ``feature_names_in``, the input and output names) is
        written beside it as JSON: in the ONNX file's ``metadata_props`` under
        ``"sknn_estimators"``, or in ``assets.extra/sknn_estimators.json`` of
        a SavedModel. ONNX needs the ``onnx`` extra
        (``pip install sknn-estimators[onnx]``). See the "Deploying" guide.

        Parameters
        ----------
        path : str or path-like
            Where to write: a file (``"model.onnx"``) for ONNX, a directory
            for a SavedModel (serve its ``serving_default`` signature).
        format : {"onnx", "tf_saved_model"}, default="onnx"
            The format of the graph.

        Returns
        -------
        description : dict
            The description written beside the graph.
        """
        from sknn_estimators._export import export

        check_is_fitted(self)
        return export(self, path, format=format)

    def _check_exportable(self):
        """Raise ``NotExportableError`` unless the network's input is the
        validated rows, reshaped (subclasses with other transforms refuse)."""

    def _serving_output(self, ops, output):
        """What the exported graph returns, in Keras ops, from the network's
        float32 ``output``: ``predict_proba``'s or ``predict``'s values."""
        return output

    # ------------------------------------------------------------ persistence
    def save(self, path):
        """Save the fitted estimator to one file, without pickle.

        The file holds the Keras model in Keras' own format and the parameters
        and fitted attributes as JSON. It is written atomically: if the process
        dies during ``save``, an existing file at ``path`` is left as it was.
        Load it with :func:`sknn_estimators.load_model`.

        Parameters
        ----------
        path : str or path-like
            Where to write, e.g. ``"model.sknn"``; an existing file is replaced.
        """
        from sknn_estimators._persistence import save_estimator

        check_is_fitted(self)
        save_estimator(self, path)

    def _saved_state(self):
        """``(params, fitted, model)`` as :func:`save_estimator` writes them:
        the constructor parameters, the public fitted attributes and the Keras
        model."""
        params = self.get_params(deep=False)
        fitted = {
            key: value
            for key, value in vars(self).items()
            if key.endswith("_") and not key.startswith("_") and key != "model_"
        }
        return params, fitted, self.model_

    @classmethod
    def _from_saved_state(cls, params, fitted, model):
        """The estimator that :meth:`_saved_state` described."""
        estimator = cls(**params)
        for key, value in fitted.items():
            setattr(estimator, key, value)
        estimator.model_ = model
        estimator._predict_function = make_predict_function(model)
        return estimator

    #: The Keras classes a saved model of this estimator may name, as
    #: ``(module, class name)``; ``load_model`` refuses any other before Keras
    #: reads the model. Subclasses add the classes their ``_build_network``
    #: builds. None leaves a saved model to Keras' own safe mode (plus
    #: load_model's size limits), for an estimator that wraps a user's model.
    _saved_keras_classes = _COMPILE_KERAS_CLASSES

    #: Fitted attributes that ``_saved_state`` writes for every estimator;
    #: subclasses and mixins list their own in their ``_fitted_attributes``.
    _fitted_attributes = ("n_features_in_", "precision_", "history_", "n_iter_")

    #: The MLPClassifier-style history attributes that ``_record_history``
    #: sets; an estimator that records its history otherwise sets it to ().
    _history_attributes = (
        "loss_curve_",
        "validation_scores_",
        "best_validation_score_",
        "best_loss_",
    )

    @classmethod
    def _check_saved_config(cls, params, fitted, config, max_bytes):
        """Raise ValueError, KeyError or TypeError unless the saved Keras
        ``config`` (already checked against ``_saved_keras_classes``) is the
        network that ``params`` and ``fitted`` build, with weights of at most
        ``max_bytes``; called before Keras reads the model, so that a file
        cannot make Keras allocate more than it declares. Subclasses check
        what their ``_build_network`` builds; the base checks nothing."""

    @classmethod
    def _check_saved_state(cls, params, fitted, model):
        """Raise ValueError or TypeError unless ``fitted`` holds what
        :meth:`_saved_state` writes, consistent with ``model``.

        ``load_model`` calls it twice: with ``model=None`` before it reads the
        Keras model (names, types and values among themselves), then with the
        loaded model (values against the model). Subclasses extend it, calling
        ``super()``, with their own attributes."""
        expected = set(cls._history_attributes).union(
            *(vars(k).get("_fitted_attributes", ()) for k in cls.__mro__)
        )
        extra = set(fitted) - expected - {"feature_names_in_"}
        missing = expected - set(fitted)
        if extra or missing:
            raise ValueError(
                f"unexpected {sorted(extra)[:5]}, missing {sorted(missing)[:5]}"
            )
        if params.get("callbacks") is not None:
            raise ValueError("callbacks are never saved; the file sets them")
        n_features = fitted["n_features_in_"]
        if type(n_features) is not int or n_features < 1:
            raise ValueError(f"n_features_in_={n_features!r} is not a positive int")
        if fitted["precision_"] not in _INPUT_DTYPES:
            raise ValueError(f"unknown precision_ {fitted['precision_']!r}")
        if type(fitted["n_iter_"]) is not int or fitted["n_iter_"] < 0:
            raise ValueError(f"n_iter_={fitted['n_iter_']!r} is not a count")
        history = fitted["history_"]
        if not isinstance(history, dict) or not all(
            isinstance(k, str) and _is_float_list(v) for k, v in history.items()
        ):
            raise ValueError("history_ must map names to lists of numbers")
        if "loss_curve_" in cls._history_attributes:
            if not _is_float_list(fitted["loss_curve_"]):
                raise ValueError("loss_curve_ must be a list of numbers")
            scores = fitted["validation_scores_"]
            if scores is not None and not _is_float_list(scores):
                raise ValueError("validation_scores_ must be None or numbers")
            for key in ("best_validation_score_", "best_loss_"):
                if fitted[key] is not None and not _is_number(fitted[key]):
                    raise ValueError(f"{key} must be None or a number")
        names = fitted.get("feature_names_in_")
        if names is not None and not (
            isinstance(names, np.ndarray)
            and names.shape == (n_features,)
            and all(isinstance(name, str) for name in names.tolist())
        ):
            raise ValueError("feature_names_in_ must hold one name per feature")
        if model is not None and (len(model.inputs) != 1 or len(model.outputs) != 1):
            raise ValueError("the model must have one input and one output")

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_predict_function", None)
        if "model_" in state:
            # The .keras bytes of a fitted model are made once and kept until
            # the next fit, so pickling the same estimator again is cheap.
            if state.get("_pickled_model") is None:
                self._pickled_model = model_to_bytes(self.model_)
            state["model_"] = self._pickled_model
        state.pop("_pickled_model", None)
        return state

    def __setstate__(self, state):
        state = dict(state)
        model_bytes = state.get("model_")
        if isinstance(model_bytes, bytes):
            state["model_"] = model_from_bytes(model_bytes)
        super().__setstate__(state)
        if "model_" in state:
            self._pickled_model = model_bytes
            self._predict_function = make_predict_function(self.model_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags


class KerasClassifierMixin(ClassifierMixin):
    """What a Keras classifier adds to :class:`BaseKerasEstimator`: class labels
    encoded as integers, a softmax output, the cross-entropy, ``class_weight``,
    ``predict_proba`` and ``partial_fit(classes=...)``."""

    _loss = "sparse_categorical_crossentropy"
    _loss_class = "SparseCategoricalCrossentropy"
    _score_name = "accuracy"
    _target_validation = {}
    _fitted_attributes = ("classes_",)

    @classmethod
    def _saved_output_units(cls, fitted):
        return len(fitted["classes_"])

    @classmethod
    def _check_saved_state(cls, params, fitted, model):
        super()._check_saved_state(params, fitted, model)
        classes = fitted["classes_"]
        if not isinstance(classes, np.ndarray) or classes.ndim != 1:
            raise ValueError("classes_ must be a 1-D array")
        if len(classes) < 2:
            raise ValueError(f"{len(classes)} classes_; a classifier has 2 or more")
        if classes.dtype != object and len(np.unique(classes)) != len(classes):
            raise ValueError("classes_ are not distinct")
        if model is not None and len(classes) != model.output_shape[-1]:
            raise ValueError(
                f"{len(classes)} classes_ for a model with "
                f"{model.output_shape[-1]} output units"
            )

    def _metric(self, keras):
        return "accuracy"

    def _output_layer(self):
        return len(self.classes_), "softmax"

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch over ``X`` and ``y``, continuing the network.

        The first call builds the network; each later call continues it, with
        the same optimizer state. ``k`` calls on the same data with
        ``shuffle=False`` train as ``fit`` with ``epochs=k``. Early stopping
        does not apply: the caller decides when to stop.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class label that ``y`` can hold. Required on the first call,
            ignored after it.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (see ``fit``).

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "model_")
        if first and classes is None:
            raise ValueError(
                f"{type(self).__name__}.partial_fit needs `classes` (every class "
                "label y can hold) on its first call."
            )
        return self._fit(
            X, y, sample_weight, incremental=True, classes=classes if first else None
        )

    def _encode_targets(
        self, y, *, reset, classes=None, validation=False, warm_start=False
    ):
        """Class labels as int32 indices into ``classes_`` (set when ``reset``).

        A ``warm_start`` fit needs the classes of the first fit; ``partial_fit``
        and validation data may hold any of them."""
        check_classification_targets(y)
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(
                f"{type(self).__name__} takes y of shape (n_samples,), one class "
                f"label per sample; got y of shape {y.shape}."
            )
        if reset:
            labels = np.unique(y if classes is None else np.asarray(classes))
            if labels.shape[0] < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"y; got 1 class ({_plain(labels[0])})."
                )
            unseen = np.setdiff1d(y, labels)
            if unseen.size:
                raise ValueError(
                    f"y has labels that are not in `classes`: {_plain(unseen)}; "
                    f"`classes` is {_plain(labels)}."
                )
            self.classes_ = labels
        elif warm_start and not validation:
            labels = np.unique(y)
            if not np.array_equal(labels, self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes "
                    "as in the previous call to fit. Previously got "
                    f"{_plain(self.classes_)}, `y` has {_plain(labels)}."
                )
        else:
            unseen = np.setdiff1d(y, self.classes_)
            if unseen.size:
                where = "`validation_data`" if validation else "y"
                raise ValueError(
                    f"{where} has labels not seen in y of the first fit: "
                    f"{_plain(unseen)}; the classes are {_plain(self.classes_)}."
                )
        return np.searchsorted(self.classes_, y).astype(np.int32)

    def _class_weights(self, y_encoded):
        """Per-sample weights from ``class_weight``, or None."""
        class_weight = getattr(self, "class_weight", None)
        if class_weight is None:
            return None
        if isinstance(class_weight, str):  # "balanced"
            per_class = compute_class_weight(
                "balanced", classes=np.arange(len(self.classes_)), y=y_encoded
            )
        else:
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
            per_class = np.asarray(per_class, dtype=float)
        return per_class[y_encoded]

    def predict_proba(self, X):
        """Probability of each class for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, laid out as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_``; each row sums to 1.
        """
        check_is_fitted(self)
        proba = self._raw_predict(X)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def _serving_output(self, ops, output):
        return output / ops.sum(output, axis=1, keepdims=True)

    def predict(self, X):
        """Predicted class label of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, laid out as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self._raw_predict(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = False
        return tags


class KerasRegressorMixin(RegressorMixin):
    """What a Keras regressor adds to :class:`BaseKerasEstimator`: float targets
    with one or several outputs, a linear output, the mean squared error, R² as
    the validation score."""

    _loss = "mean_squared_error"
    _loss_class = "MeanSquaredError"
    _score_name = "r2_score"
    _target_validation = {"y_numeric": True, "multi_output": True}
    _fitted_attributes = ("n_outputs_",)

    @classmethod
    def _saved_output_units(cls, fitted):
        return fitted["n_outputs_"]

    @classmethod
    def _check_saved_state(cls, params, fitted, model):
        super()._check_saved_state(params, fitted, model)
        n_outputs = fitted["n_outputs_"]
        if type(n_outputs) is not int or n_outputs < 1:
            raise ValueError(f"n_outputs_={n_outputs!r} is not a positive int")
        if model is not None and n_outputs != model.output_shape[-1]:
            raise ValueError(
                f"n_outputs_={n_outputs} for a model with "
                f"{model.output_shape[-1]} output units"
            )

    def _metric(self, keras):
        return keras.metrics.R2Score(name=self._score_name)

    def _output_layer(self):
        return self.n_outputs_, "linear"

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over ``X`` and ``y``, continuing the network.

        The first call builds the network; each later call continues it, with
        the same optimizer state. ``k`` calls on the same data with
        ``shuffle=False`` train as ``fit`` with ``epochs=k``. Early stopping
        does not apply: the caller decides when to stop.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (see ``fit``).

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode_targets(
        self, y, *, reset, classes=None, validation=False, warm_start=False
    ):
        """Targets as a float 2-D array (n_samples, n_outputs)."""
        try:
            y = np.asarray(y, dtype=self._input_dtype)
        except ValueError as error:
            self._raise_not_numeric(error, {"y_val" if validation else "y": y})
        if y.ndim > 2:
            raise ValueError(
                f"{type(self).__name__} takes y of shape (n_samples,) or "
                f"(n_samples, n_outputs); got y of shape {y.shape}."
            )
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity.")
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            self.n_outputs_ = n_outputs
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} outputs, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        return y.reshape(-1, n_outputs)

    def _serving_output(self, ops, output):
        return ops.squeeze(output, axis=1) if self.n_outputs_ == 1 else output

    def predict(self, X):
        """Predicted targets of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, laid out as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One value per output; 1-D when there is one output, as in
            :class:`~sklearn.neural_network.MLPRegressor`.
        """
        check_is_fitted(self)
        output = self._raw_predict(X)
        return output.ravel() if self.n_outputs_ == 1 else output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_float_list(values):
    return isinstance(values, list) and all(_is_number(v) for v in values)


def _plain(values):
    """Values as plain Python for messages: ``0``, not ``np.int64(0)``."""
    if isinstance(values, np.ndarray | list | tuple):
        return [_plain(v) for v in values]
    return values.item() if isinstance(values, np.generic) else values


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _validation_dtype(X):
    """The dtypes ``validate_data`` may return for ``X``, so that it copies
    nothing it need not: integer and boolean arrays (uint8 images, memmaps)
    keep their dtype and are cast batch by batch as the network reads them;
    float32 and float64 stay as given; lists and object arrays go through
    float64, so that values beyond float32's range are reported by
    ``_as_network_input`` instead of overflowing."""
    kind = getattr(getattr(X, "dtype", None), "kind", None)
    if kind in ("i", "u", "b"):
        return None
    return (np.float32, np.float64) if kind == "f" else np.float64


def _as_network_input(X, dtype):
    """``X`` for the network: integer and boolean arrays as they are (cast per
    batch, never copied whole), floats as ``dtype``, refusing values that
    float32 cannot hold (instead of silently turning them into infinities)."""
    if X.dtype == dtype or X.dtype.kind in ("i", "u", "b"):
        return X
    if dtype == np.float32 and X.size:
        largest = max(X.max(), -X.min())  # no temporary copy of X
        if largest > _FLOAT32_MAX:
            raise ValueError(
                f"X has values up to {largest:.3g} in magnitude, too large for "
                f"float32 (at most {_FLOAT32_MAX:.3g}), in which the network "
                "computes. Scale X first, e.g. with StandardScaler."
            )
    return X.astype(dtype)
