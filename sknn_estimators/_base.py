"""The engine of every estimator: :class:`BaseWrapper`, the general wrapper.

As in scikeras and in Keras' own wrappers, the general estimator is the base:
it takes any Keras model (``model=`` a ``keras.Model`` or a function returning
one, or a subclass's ``_keras_build_fn``) and owns declared parameters with
scikeras' ``__`` routing, input validation, the target and feature encoders,
building and compiling, the ``tf.data`` input pipeline, the training loop with
callbacks and Ctrl-C, ``partial_fit``, ``initialize``, the history, traced
inference, ``score``, pickling and the ``save`` hooks.

:class:`~sknn_estimators.wrappers.KerasClassifier` and
:class:`~sknn_estimators.wrappers.KerasRegressor` add what a task adds;
preset networks such as :class:`~sknn_estimators.FashionCNNClassifier` are
subclasses of those that supply their network (``_keras_build_fn``) and, through
:class:`~sknn_estimators._training.MLPTrainingMixin`, MLPClassifier-style
training options.

Nothing here imports TensorFlow at module level.
"""

import contextlib
import functools
import inspect
import math
import random as python_random
import threading
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted
from sklearn_compat.base import _fit_context
from sklearn_compat.utils.validation import validate_data

from sknn_estimators._compile import (
    loss_name,
    make_object,
    metric_long_name,
    routed_under,
)
from sknn_estimators._compiled_cache import (
    Lent,
    ModelAttribute,
    copy_initial_state,
    structure_key,
    was_lent,
)
from sknn_estimators._compiled_cache import take as take_compiled
from sknn_estimators._config import get_config
from sknn_estimators._keras_runtime import (
    STEPS_PER_EXECUTION,
    InterruptFlag,
    bfloat16_supported,
    build_training_state,
    float64_unsupported,
    floatx_scope,
    import_keras,
    make_dataset,
    make_predict_function,
    map_targets,
    model_from_bytes,
    model_to_bytes,
    own_seeds_for_dropout,
    predict_in_batches,
    progress_callbacks,
    set_steps_per_execution,
    target_leaves,
)
from sknn_estimators._small_batch import small_batch_predict
from sknn_estimators._validation import not_numeric_error

_MAX_SEED = np.iinfo(np.int32).max
_FLOAT32_MAX = float(np.finfo(np.float32).max)
#: The numpy dtype in which each ``precision`` feeds the network.
_INPUT_DTYPES = dict(float32=np.float32, mixed_bfloat16=np.float32, float64=np.float64)
#: ``precision="auto"``: mixed_bfloat16 where the hardware computes bfloat16
#: natively, float32 elsewhere (silently); ``precision_`` says which.
_AUTO_PRECISION = "auto"
#: Prefixes of routed parameters (``optimizer__learning_rate=...``), as in scikeras.
_ROUTED = "model fit partial_fit predict callbacks optimizer loss metrics compile score"
ROUTING_PREFIXES = tuple(_ROUTED.split())
#: ``batch_size`` and ``validation_batch_size``: -1 for the whole data.
_BATCH_SIZES = [
    Interval(Integral, 1, None, closed="left"),
    Options(Integral, {-1}),
    None,
]
#: Makes each seeded build (:func:`_scoped_build`) one step, so that builds in
#: several threads never draw from each other's sequence of seeds.
_BUILD_LOCK = threading.RLock()


@contextlib.contextmanager
def _scoped_build(keras, seed, precision):
    """Build Keras objects with seeded initialisers and ``precision``.

    Keras 3 draws the seed of every initialiser and ``SeedGenerator``
    (dropout) made without an explicit seed from Python's ``random`` module.
    Within the build lock, that module is seeded and its state restored on
    exit, as are Keras' dtype policy and floatx; TensorFlow's global seed and
    determinism flags are never touched. ``seed=None`` builds unseeded.
    """
    policy = keras.config.dtype_policy()
    with _BUILD_LOCK:
        state = python_random.getstate()
        if seed is not None:
            python_random.seed(seed)
        try:
            with floatx_scope(keras, "float64" if precision == "float64" else None):
                keras.config.set_dtype_policy(precision)
                yield
        finally:
            if seed is not None:
                python_random.setstate(state)
            keras.config.set_dtype_policy(policy)


class BaseWrapper(BaseEstimator):
    """A scikit-learn estimator around any Keras model (scikeras' ``BaseWrapper``).

    Use :class:`~sknn_estimators.wrappers.KerasClassifier` or
    :class:`~sknn_estimators.wrappers.KerasRegressor`; subclass this one for
    other kinds of estimators (an autoencoder, a transformer), overriding
    ``target_encoder``, ``feature_encoder`` and ``scorer`` as in scikeras'
    guides. The parameters are those of scikeras 0.13; see
    :class:`~sknn_estimators.wrappers.KerasClassifier` for their description.

    Examples
    --------
    >>> from sknn_estimators.wrappers import BaseWrapper, KerasClassifier
    >>> issubclass(KerasClassifier, BaseWrapper)
    True
    >>> BaseWrapper(model=None, hidden_units=8).get_params()["hidden_units"]
    8
    """

    #: The fitted Keras model; reads from outside the package keep it the
    #: user's (see :mod:`sknn_estimators._compiled_cache`).
    model_ = ModelAttribute()

    _parameter_constraints = {
        # Checked when the model is built, with scikeras' TypeError.
        "model": "no_validation",
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "optimizer": "no_validation",
        "loss": "no_validation",
        "metrics": "no_validation",
        "batch_size": _BATCH_SIZES,
        "validation_batch_size": _BATCH_SIZES,
        "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "callbacks": "no_validation",
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean"],
        "run_eagerly": ["boolean"],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "precision": [StrOptions({*_INPUT_DTYPES, _AUTO_PRECISION})],
    }

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
        for name, value in kwargs.items():
            setattr(self, name, value)

    # -------------------------------------------------------------- parameters
    def _get_param_names(self):
        """Every extra parameter set on the instance (model function arguments,
        routed parameters), and those named by ``__init__`` (and by the base's
        where it passes ``**kwargs`` on) that it stored, as scikeras lists
        them: scikeras' tutorial MLPClassifier declares ``optimizer__learning_rate``
        in its signature and drops it."""
        names = {n for n in vars(self) if not n.startswith("_") and not n.endswith("_")}
        for parameters in _init_parameters(type(self)):
            names.update(
                p.name
                for p in parameters
                if p.name != "self"
                and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
                and hasattr(self, p.name)
            )
            if not any(p.kind is p.VAR_KEYWORD for p in parameters):
                break
        return sorted(names)

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
        valid = set(self._get_param_names())
        plain = {}
        for name, value in params.items():
            prefix, nested, _ = name.partition("__")
            if prefix in (self._routing_prefixes() if nested else valid):
                setattr(self, name, value)
            else:
                plain[name] = value
        try:
            super().set_params(**plain)  # does nothing when ``plain`` is empty
        except ValueError:
            name = next(iter(plain))
            raise ValueError(
                f"Invalid parameter {name} for estimator {type(self).__name__}."
                " This issue can likely be resolved by setting this parameter "
                f"in the constructor: {type(self).__name__}({name}=...). The "
                "valid parameters are listed by get_params().keys()."
            ) from None
        return self

    def _routing_prefixes(self):
        return ROUTING_PREFIXES

    def _routed(self, destination):
        """The parameters routed to ``destination`` (``destination__name``),
        without the nested ones (``destination__name__arg``)."""
        return {k: v for k, v in self._sub(destination).items() if "__" not in k}

    def _model_params(self):
        """Extra parameters for the model function: not routed, and declared
        by no ``__init__`` of the class or its bases."""
        declared = {p.name for ps in _init_parameters(type(self)) for p in ps}
        return {
            name: value
            for name, value in self.get_params(deep=False).items()
            if name not in declared and "__" not in name
        }

    # ------------------------------------------------------------------- state
    @property
    def initialized_(self):
        """True once ``fit``, ``partial_fit`` or ``initialize`` built the model."""
        return hasattr(self, "model_")

    @property
    def __name__(self):
        """The class name, as scikeras' estimators have it."""
        return type(self).__name__

    @property
    def current_epoch(self):
        """The number of epochs trained so far."""
        history = getattr(self, "history_", None) or {}
        return len(history.get("loss", ()))

    @property
    def target_encoder(self):
        """An unfitted transformer of ``y`` for the model, with
        ``inverse_transform`` back to predictions; by default the identity.
        Override it as in scikeras' data-transformer guide."""
        return FunctionTransformer()

    @property
    def feature_encoder(self):
        """An unfitted transformer of ``X`` before the model; by default the
        identity. Override it as in scikeras' data-transformer guide (for a
        model with several inputs, return a list or dict of arrays)."""
        return FunctionTransformer()

    def _get_metadata(self):
        """The fitted attributes the model function may ask for as ``meta``."""
        return {
            name: value
            for name, value in vars(self).items()
            if name.endswith("_")
            and not name.startswith("_")
            and not name.endswith("__")
            and name not in ("model_", "precision_", "history_", "n_iter_")
        }

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

    # ---------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, validation_data=None, **kwargs):
        """Build a new model (unless ``warm_start``) and train it on ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Training data (a list or dict of arrays for a ``feature_encoder``
            that feeds a model with several inputs; a SciPy sparse matrix is
            densified batch by batch).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss. Within each batch the loss is
            the weighted mean (``sum(w * loss) / sum(w)``), as in
            :class:`~sklearn.neural_network.MLPClassifier`: a sample of weight
            0 does not count, and a weight of 2 counts as the sample twice.
            Multiplied by the ``class_weight`` of a classifier.
        validation_data : tuple (X_val, y_val), default=None
            Data on which the validation loss and metrics are recorded after
            each epoch (and early stopping decides, for the presets).
        **kwargs : dict
            ``epochs``, ``batch_size`` and other arguments of ``Model.fit``
            for this call (the general wrappers; the presets take none).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=False,
            validation_data=validation_data,
            fit_params=kwargs,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train for one epoch, continuing the model (built on the first call).

        ``k`` calls on the same data with ``shuffle=False`` train as ``fit``
        with ``epochs=k``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (see ``fit``).
        **kwargs : dict
            ``batch_size`` for this call.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, fit_params=kwargs)

    def initialize(self, X, y=None):
        """Build and compile the model for ``X`` and ``y`` without training it.

        The weights are those ``fit`` would start from with the same
        ``random_state``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, to learn their layout.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets, to learn their kind, classes and outputs.

        Returns
        -------
        self : object
            The initialized estimator; ``predict`` works.
        """
        self._validate_params()
        self._initialize(X, y)
        self._after_training()
        return self

    def _initialize(self, X, y=None, *, classes=None):
        """Validate ``X`` and ``y``, fit the encoders, and build and compile a
        new model (``model_``); return ``X`` and the encoded ``y`` as the
        model takes them. ``fit`` calls it for a new model: a subclass may
        extend it (scikeras' hook, as in its autoencoder guide)."""
        X, y = self._validate_training_data(X, y, reset=True)
        if y is None:  # initialize(X): the targets are not known yet
            self.target_encoder_ = self.target_encoder.fit(None)
            y_encoded = None
        else:
            y_encoded = self._encode_targets(y, reset=True, classes=classes)
        keras = import_keras()
        steps = self._schedule_steps(_n_samples(X))
        self.model_ = self._compiled_network(keras, self._seeds()[0], steps)
        self.history_ = {}
        self.n_iter_ = 0
        return X, y_encoded

    def _schedule_steps(self, n_samples):
        """The training steps a learning-rate schedule spans (presets only)."""
        return 0

    def _seeds(self):
        """``(model, shuffle, split)`` seeds for this fit; the model's is None
        without ``random_state`` (Keras then seeds as it does by default)."""
        rng = check_random_state(self.random_state)
        seeds = [int(s) for s in rng.randint(_MAX_SEED, size=3)]
        if self.random_state is None:
            seeds[0] = None
        return seeds

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
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, "
                "but the target y is None."
            )
        continuing = self.initialized_ and (incremental or self.warm_start)
        keras = import_keras()
        if continuing:
            X, y = self._validate_training_data(X, y, reset=False)
            y_encoded = self._encode_targets(y, reset=False, warm_start=not incremental)
        else:
            known = {} if classes is None else {"classes": classes}
            X, y_encoded = self._initialize(X, y, **known)
        X = self._model_input(X)
        n_samples = _n_samples(X)
        weights = self._training_weights(sample_weight, n_samples, y_encoded)
        options = self._training_options(
            keras, n_samples, incremental=incremental, fit_params=fit_params or {}
        )
        _, shuffle_seed, split_seed = self._seeds()
        val = None
        if validation_data is not None:
            val = self._encode_validation_data(validation_data)
        elif options["validation_fraction"]:
            X, y_encoded, weights, val = self._split_validation(
                X, y_encoded, weights, options["validation_fraction"], split_seed
            )
        y_encoded = self._network_targets(y_encoded)
        if val is not None:
            val = (val[0], self._network_targets(val[1]))

        batch_size = options["batch_size"]
        batches = math.ceil(_n_samples(X) / batch_size)
        self._check_trainable()
        if not continuing:
            set_steps_per_execution(
                self.model_,
                batches,
                options["epochs"],
                ours=self._default_grouping,
            )
            signature = [type(self).__qualname__, weights is not None]
            signature += [_data_signature(X), _data_signature(y_encoded)]
            self._reuse_compiled_model(keras, options["callbacks"], signature)
            build_training_state(
                self.model_,
                map_targets(lambda a: _head(a, self._input_dtype), X),
                map_targets(lambda a: a[:2], y_encoded),
            )
        if keras.backend.backend() == "torch":
            # Keras' only value there; a model loaded or unpickled keeps the
            # grouping it was compiled with, on whatever backend that was.
            self.model_.steps_per_execution = 1
        if incremental and continuing:
            # A new shuffle order for each call, still fixed by random_state.
            shuffle_seed = (shuffle_seed + self.current_epoch) % _MAX_SEED
        # One repeated tf.data dataset keeps one iterator for all epochs,
        # where the epoch is whole calls of the training function (Keras runs
        # every call's steps_per_execution steps, past an epoch's end). Its
        # shuffled orders differ from those of one iterator per epoch.
        keras_fit = options.get("keras_fit", {})
        if (
            batches % self.model_.steps_per_execution == 0
            and keras.backend.backend() == "tensorflow"
        ):
            keras_fit = {"steps_per_epoch": batches, **keras_fit}
        train_data = make_dataset(
            X,
            y_encoded,
            weights,
            batch_size=batch_size,
            shuffle=options.get("shuffle", self.shuffle),
            seed=shuffle_seed,
            x_dtype=self._input_dtype,
            repeat="steps_per_epoch" in keras_fit,
        )
        val_data = None
        if val is not None:
            val_data = make_dataset(
                *val,
                batch_size=options["validation_batch_size"],
                x_dtype=self._input_dtype,
            )
        callbacks = options["callbacks"]
        # partial_fit continues the epochs and the history; fit starts both
        # again, also with warm_start (scikeras' convention), unless the
        # estimator keeps MLPClassifier's (``_history_continues``).
        appending = continuing and (incremental or self._history_continues)
        initial_epoch = self.current_epoch if appending else 0
        if options.get("initial_epoch") is not None:
            initial_epoch = options["initial_epoch"]
        verbose = options.get("verbose", self.verbose)
        with InterruptFlag(self.model_) as interrupt:
            history = self.model_.fit(
                train_data,
                epochs=initial_epoch + options["epochs"],
                initial_epoch=initial_epoch,
                validation_data=val_data,
                callbacks=[
                    *callbacks,
                    interrupt.callback(keras),
                    *progress_callbacks(keras, verbose, callbacks),
                ],
                shuffle=False,  # make_dataset already shuffles, from our own seed
                verbose=int(verbose),
                **keras_fit,
            )
        logs = {_history_key(keras, k): v for k, v in history.history.items()}
        self._record_history(logs, appending)
        self._after_training()
        if interrupt.interrupted:
            warnings.warn(
                f"Training was interrupted (Ctrl-C) during epoch {len(history.epoch)}"
                f" of {options['epochs']}; {type(self).__name__} keeps the weights "
                "learned so far and is fitted and usable. Call fit again with "
                "warm_start=True to continue training.",
                UserWarning,
                stacklevel=3,
            )
        return self

    #: Arguments of ``Model.compile`` that parameters (or ``compile__``
    #: routing) may give, as scikeras declares them.
    _compile_kwargs = frozenset(
        {"optimizer", "loss", "metrics", "loss_weights", "weighted_metrics"}
        | {"run_eagerly"}
    )
    #: Arguments of ``Model.fit`` that parameters (or ``fit__`` routing) may
    #: give, as scikeras declares them.
    _fit_kwargs = frozenset(
        {"batch_size", "epochs", "verbose", "validation_split", "shuffle"}
        | {"class_weight", "sample_weight", "initial_epoch", "validation_steps"}
        | {"validation_batch_size", "validation_freq"}
    )
    #: Arguments of ``predict`` (and ``predict__`` routing), as scikeras'.
    _predict_kwargs = frozenset({"batch_size", "verbose", "steps"})

    #: scikit-learn's ``poor_score`` tag: a network the user supplies may
    #: train one epoch (the default), so no score is promised (as scikeras).
    _poor_score = True

    #: Whether a ``warm_start`` fit appends to ``history_`` (MLPClassifier's
    #: convention) instead of starting it again (scikeras').
    _history_continues = False

    def _after_training(self):
        """Make the traced predict function of the new weights (a new object
        each time, on a trace made once per compiled model)."""
        lent = getattr(self, "_lent", None)
        if lent is None or lent.model is not self.model_:
            self._predict_function = make_predict_function(self.model_)
        else:
            if lent.predict_function is None:
                lent.predict_function = make_predict_function(self.model_)
            self._predict_function = functools.partial(lent.predict_function)
        self._pickled_model = None

    def _reuse_compiled_model(self, keras, callbacks, signature):
        """Train an idle compiled model of the same structure instead of the
        new ``model_`` (its traces serve again; see
        :mod:`sknn_estimators._compiled_cache`), and lend ``model_`` to the
        cache for when this estimator is gone, unless something outside it
        may hold the model: the user's ``model`` instance, callbacks given as
        instances (Keras hands them the model), or a model function that
        returns a model it keeps."""
        previous = getattr(self, "_lent", None)
        if previous is not None:
            previous.release()  # a refit: its model is no longer this one's
        self._lent = None
        if (
            not get_config()["reuse_compiled"]
            or isinstance(self.model, keras.Model)
            or was_lent(self.model_)
        ):
            return
        key = structure_key(self.model_, signature)
        if key is None:
            return
        lent = take_compiled(key)
        if lent is None:
            lent = Lent(key, self.model_)
        else:
            copy_initial_state(self.model_, lent.model)
            self.model_ = lent.model
        self._lent = lent.lend_to(self)
        given = _param_leaves(self.get_params(deep=False).values())
        lent.kept = any(any(c is g for g in given) for c in callbacks)

    def _split_validation(self, X, y_encoded, weights, fraction, seed):
        """Hold out ``fraction`` of the rows (stratified for one classifier
        target), returning ``X, y, weights, (X_val, y_val)``."""
        x_leaves, pack_x = target_leaves(X)
        y_leaves, pack_y = target_leaves(y_encoded)
        stratify = None
        if is_classifier(self) and pack_y is None:
            stratify = y_encoded if y_encoded.ndim == 1 else y_encoded.argmax(axis=1)
            n = len(stratify)
            n_held = math.ceil(fraction * n)
            counts = np.unique(stratify, return_counts=True)[1]
            if counts.min() < 2 or min(n_held, n - n_held) < len(counts):
                stratify = None  # too few samples per class to stratify
        arrays = [*x_leaves, *y_leaves, *(() if weights is None else (weights,))]
        parts = train_test_split(
            *arrays, test_size=fraction, random_state=seed, stratify=stratify
        )
        train, held = parts[0::2], parts[1::2]
        n_x, n_y = len(x_leaves), len(y_leaves)

        def pack(items, packer):
            return items[0] if packer is None else packer(items)

        X, X_val = (pack(part[:n_x], pack_x) for part in (train, held))
        y, y_val = (pack(part[n_x : n_x + n_y], pack_y) for part in (train, held))
        weights = train[n_x + n_y] if weights is not None else None
        return X, y, weights, (X_val, y_val)

    def _training_options(self, keras, n_samples, *, incremental, fit_params):
        """How ``_fit`` trains, as the dict below (a preset's has its first five
        keys). ``fit_params``, the extra arguments of ``fit``, override the
        routed ``fit__`` parameters, which override the plain ones."""
        destination = "partial_fit" if incremental else "fit"
        routed = {**self._routed("fit"), **self._routed(destination)}
        routed.pop("callbacks", None)
        for name in ("epochs", "initial_epoch"):
            if incremental and name in fit_params:
                raise TypeError(
                    f"Invalid argument `{name}` to `partial_fit`: partial_fit "
                    "always trains for one epoch from the current epoch (call fit "
                    "with epochs=..., or call partial_fit again)."
                )
        fit_params = {**routed, **fit_params}

        def take(name):
            return fit_params.pop(name, getattr(self, name, None))

        epochs, batch_size = take("epochs"), take("batch_size")
        validation_batch_size = take("validation_batch_size") or batch_size
        if "class_weight" in fit_params:
            raise TypeError(
                "class_weight is a parameter of the estimator (KerasClassifier("
                "class_weight=...)); it is applied as per-sample weights."
            )
        if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 1:
            raise ValueError(f"`epochs` must be an int >= 1; got {epochs!r}.")
        return {
            "epochs": 1 if incremental else int(epochs),
            "batch_size": _batch_size(batch_size, n_samples),
            "validation_fraction": take("validation_split") or None,
            "validation_batch_size": _batch_size(validation_batch_size, n_samples),
            "callbacks": self._make_callbacks(keras, destination),
            "shuffle": take("shuffle"),
            "verbose": take("verbose"),
            "initial_epoch": fit_params.pop("initial_epoch", None),
            "keras_fit": fit_params,  # what the pops above leave
        }

    def _make_callbacks(self, keras, destination):
        """The callbacks of ``callbacks`` and ``<destination>__callbacks``:
        instances as they are, classes made with their routed arguments."""
        made = []
        for name in ("callbacks", f"{destination}__callbacks"):
            source = getattr(self, name, None)
            built = make_object(keras, "callbacks", source, self._sub(name))
            if isinstance(built, dict):
                built = list(built.values())
            elif not isinstance(built, list | tuple):
                built = [] if built is None else [built]
            for callback in built:
                if not isinstance(callback, keras.callbacks.Callback):
                    raise TypeError(
                        "`callbacks` must hold keras.callbacks.Callback instances "
                        f"or subclasses; got {type(callback).__name__}."
                    )
            made.extend(built)
        return made

    def _record_history(self, new, continuing):
        new = {key: [float(v) for v in values] for key, values in new.items()}
        if continuing and hasattr(self, "history_"):
            for key, values in new.items():
                self.history_.setdefault(key, []).extend(values)
        else:
            self.history_ = new
        self.n_iter_ = self.current_epoch

    # ------------------------------------------------------------- validation
    def _validate_training_data(self, X, y, *, reset, predicting=False):
        if self._takes_structured_input(X):
            X = self._structured_input(X, reset=reset)
            if y is not None and not isinstance(y, list | tuple | dict):
                y = np.asarray(y)
                if y.shape[0] != _n_samples(X):
                    raise ValueError(
                        f"X has {_n_samples(X)} samples but y has {y.shape[0]}; "
                        "they must match."
                    )
            return X, y
        X, sample_shape = self._split_sample_shape(X)
        if not reset:
            self._check_sample_shape(sample_shape)
        options = {"reset": reset, "dtype": _validation_dtype(X)}
        options["accept_sparse"] = self._accepts_sparse()
        try:
            if y is None:
                X = validate_data(self, X, **options)
            else:
                X, y = validate_data(self, X, y, **options, **self._target_validation)
        except ValueError as error:
            args = {"X": X} if y is None else {"X": X, "y": y}
            self._raise_not_numeric(error, args)
        given_dtype = X.dtype
        # partial_fit and warm_start of the general wrapper refuse an X of a
        # dtype that the first fit's does not hold.
        if not (reset or predicting) and self._takes_any_input():
            if not np.can_cast(given_dtype, self.X_dtype_):
                raise ValueError(
                    f"Got X with dtype {given_dtype}, but this "
                    f"{type(self).__name__} was fitted on X of dtype "
                    f"{self.X_dtype_}, and casting from {given_dtype} to "
                    f"{self.X_dtype_} is not safe. Cast X, or fit a new estimator."
                )
        X = self._shape_input(
            _as_network_input(X, self._input_dtype), sample_shape, reset=reset
        )
        if reset:
            self.X_dtype_ = given_dtype
        return X, y

    #: Keyword arguments of ``validate_data`` for ``y`` (the task's).
    _target_validation = {"multi_output": True, "y_numeric": False}

    def _accepts_sparse(self):
        """``validate_data``'s ``accept_sparse``: a SciPy sparse ``X`` as CSR
        (rows are gathered per batch and densified), or False."""
        return "csr" if self._takes_any_input() else False

    def _takes_any_input(self):
        """Whether the estimator lets its model see ``X`` as given: the
        general wrapper does, a preset with its own layout does not."""
        return True

    def _takes_structured_input(self, X):
        """A list or dict of 2-D (or more) arrays, one per input of a model
        with several inputs (a list of 1-D rows is one 2-D ``X``)."""
        if not self._takes_any_input() or not isinstance(X, list | tuple | dict):
            return False
        if hasattr(X, "toarray"):  # a SciPy DOK matrix is a dict
            return False
        if isinstance(X, dict):
            return bool(X) and all(hasattr(a, "shape") for a in X.values())
        return bool(X) and all(getattr(a, "ndim", 0) >= 2 for a in X)

    def _structured_input(self, X, *, reset):
        """Validate a list or dict of arrays, and pass them through the
        feature encoder (which may also make them from one array)."""
        leaves = list(X.values()) if isinstance(X, dict) else list(X)
        n = {len(a) for a in leaves}
        if len(n) != 1:
            raise ValueError(
                f"X is a {type(X).__name__} of arrays with different numbers of "
                f"samples {sorted(n)}; every input needs one row per sample."
            )
        if reset:
            self.X_shape_ = (n.pop(),)
            self.X_dtype_ = np.dtype(np.float32)
            self.n_features_in_ = len(leaves)
            self.feature_encoder_ = self.feature_encoder.fit(X)
            self._set_metadata(self.feature_encoder_)
        return self.feature_encoder_.transform(X)

    def _validate_input(self, X):
        """Validate ``X`` at prediction: the fitted layout, as the network takes it."""
        check_is_fitted(self)
        return self._validate_training_data(X, None, reset=False, predicting=True)[0]

    def _split_sample_shape(self, X):
        """Return ``(rows, sample_shape or None)``: 2-D rows for validation and
        the shape of one sample when ``X`` came in another layout."""
        if isinstance(X, np.ndarray) and X.ndim > 2:
            return X.reshape(X.shape[0], math.prod(X.shape[1:])), X.shape[1:]
        return X, None

    def _check_sample_shape(self, sample_shape):
        """Refuse samples whose shape differs from the fitted one (after fit)."""
        fitted = tuple(self.X_shape_[1:])  # () for a list or dict of inputs
        given = fitted if sample_shape is None and len(fitted) == 1 else sample_shape
        if fitted and (given is None or tuple(given) != fitted):
            given_ndim = 2 if given is None else len(given) + 1
            raise ValueError(
                f"X has samples of shape {_plain(given) or '(n_features,)'} "
                f"({given_ndim} dimensions in X), but this {type(self).__name__} "
                f"was fitted on samples of shape {_plain(fitted)} "
                f"({len(fitted) + 1} dimensions in X)."
            )

    def _shape_input(self, X, sample_shape, *, reset):
        """Return the validated rows ``X`` in the layout the network takes."""
        if sample_shape is not None:
            X = X.reshape(X.shape[0], *sample_shape)
        if reset:
            self.X_shape_ = X.shape
            self.X_dtype_ = X.dtype
            self.feature_encoder_ = self.feature_encoder.fit(X)
            self._set_metadata(self.feature_encoder_)
        return self.feature_encoder_.transform(X)

    def _set_metadata(self, encoder):
        for name, value in getattr(encoder, "get_metadata", dict)().items():
            setattr(self, name, value)

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

    # ---------------------------------------------------------------- targets
    def _encode_targets(
        self, y, *, reset, classes=None, validation=False, warm_start=False
    ):
        """``y`` (never None) as the model trains on it, through the target
        encoder (fitted when ``reset``)."""
        y = y if isinstance(y, list | tuple | dict) else np.asarray(y)
        if not reset and (warm_start or not validation):
            self._check_target_kind(y)
        n_dims = getattr(y, "ndim", 1)
        y = self._prepare_targets(y)
        if reset:
            for name in ("n_outputs_", "n_outputs_expected_"):
                vars(self).pop(name, None)  # the new encoder's, or the defaults
            self.target_encoder_ = self._new_target_encoder(classes).fit(y)
            self._set_metadata(self.target_encoder_)
            if hasattr(y, "dtype"):
                self.target_type_ = type_of_target(y if classes is None else classes)
                self.y_dtype_ = y.dtype
            else:  # a list or dict of targets, one per output of the model
                self.target_type_ = "multiple-outputs"
                self.y_dtype_ = np.dtype(object)
            self.y_ndim_ = n_dims
            if not hasattr(self, "n_outputs_"):
                self.n_outputs_ = 1 if getattr(y, "ndim", 1) == 1 else y.shape[1]
            if not hasattr(self, "n_outputs_expected_"):
                self.n_outputs_expected_ = 1
        else:
            self._check_known_targets(y, validation=validation, warm_start=warm_start)
        encoded = self.target_encoder_.transform(y)
        if (getattr(self, "n_outputs_expected_", None) or 1) <= 1:
            return self._single_output_targets(encoded, validation=validation)
        # The target encoder's list, tuple or dict of arrays, one per output.
        if target_leaves(encoded)[1] is None:
            raise TypeError(
                f"The target_encoder of {type(self).__name__} sets "
                f"n_outputs_expected_={self.n_outputs_expected_}, so its transform "
                "must return a list, tuple or dict of arrays, one per output of "
                f"the model; it returned {type(encoded).__name__}."
            )
        return map_targets(lambda a: np.asarray(a, dtype=self._input_dtype), encoded)

    def _prepare_targets(self, y):
        """``y`` as the target encoder takes it (a task may reshape it)."""
        return y

    def _new_target_encoder(self, classes):
        """The unfitted target encoder for a new model (``classes``: every
        class label, from ``partial_fit``)."""
        return self.target_encoder

    def _check_known_targets(self, y, *, validation, warm_start):
        """Refuse targets the fitted encoder does not know (a task's check)."""

    def _single_output_targets(self, encoded, *, validation):
        return np.asarray(encoded, dtype=self._input_dtype)

    def _check_target_kind(self, y):
        """Refuse targets whose dimensions or dtype differ from the first
        fit's (``partial_fit`` and ``warm_start``)."""
        if not hasattr(y, "dtype") or self.y_dtype_.kind == "O":
            return
        if y.ndim != self.y_ndim_:
            raise ValueError(
                f"y has {y.ndim} dimensions, but this {type(self).__name__} was "
                f"fitted on y of {self.y_ndim_} (its target encoder takes the "
                "features of the first fit). Fit a new estimator (fit without "
                "warm_start) to change the kind of target."
            )
        if not np.can_cast(y.dtype, self.y_dtype_):
            raise ValueError(
                f"Got y with dtype {y.dtype}, but this {type(self).__name__} was "
                f"fitted on y of dtype {self.y_dtype_}, and casting from "
                f"{y.dtype} to {self.y_dtype_} is not safe. Fit a new estimator "
                "(fit without warm_start) to change the kind of target."
            )

    def _network_targets(self, y_encoded):
        """The encoded targets in the form the loss takes (after the split of
        the validation part, which stratifies on ``y_encoded``)."""
        return y_encoded

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
        if y_val.shape[0] != _n_samples(X_val):
            raise ValueError(
                f"`validation_data` has {_n_samples(X_val)} samples in X_val but "
                f"{y_val.shape[0]} targets in y_val."
            )
        return X_val, self._encode_targets(y_val, reset=False, validation=True)

    def _training_weights(self, sample_weight, n_samples, y_encoded):
        """Per-sample loss weights (``sample_weight`` times class weights), or None."""
        weights = None
        if sample_weight is not None:
            if n_samples and not np.asarray(sample_weight).any():
                raise ValueError(
                    "No training samples had any weight; only zeros were passed in "
                    "sample_weight. That means there's nothing to train on."
                )
            weights = _check_sample_weight(
                sample_weight,
                np.empty((n_samples, 0)),
                dtype=self._input_dtype,
                ensure_non_negative=True,
            )
        class_weights = self._class_weights(y_encoded)
        if class_weights is not None:
            weights = class_weights if weights is None else weights * class_weights
        return None if weights is None else weights.astype(self._input_dtype)

    def _class_weights(self, y_encoded):
        return None

    # ---------------------------------------------------------------- building
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
        elif precision == "float64" and (reason := float64_unsupported()):
            raise ValueError(
                f"precision='float64' cannot be trained here: {reason}. Or pass "
                "precision='float32'."
            )
        self.precision_ = precision
        with _scoped_build(keras, seed, precision):
            model = self._build_model(keras, seed)
            if seed is not None and keras.backend.backend() == "torch":
                own_seeds_for_dropout(model)
            self._check_model_outputs(model)
            self._default_grouping = False  # a model compiled by the user's code
            if not model.compiled:
                kwargs = self._get_compile_kwargs(keras, steps)
                self._default_grouping = "steps_per_execution" not in kwargs
                kwargs.setdefault("steps_per_execution", STEPS_PER_EXECUTION)
                if isinstance(kwargs["loss"], dict):
                    # Outputs a loss dict leaves out get no loss (Keras 2 and
                    # scikeras' convention; Keras 3 wants every name).
                    names = getattr(model, "output_names", None) or ()
                    kwargs["loss"] = {**dict.fromkeys(names), **kwargs["loss"]}
                model.compile(**kwargs)
            else:
                self._check_compiled_loss(keras, model)
        return model

    def _check_compiled_loss(self, keras, model):
        """Refuse a model compiled with a loss other than the ``loss`` given
        (when that is not the class's default): the data may not fit it."""
        default = inspect.signature(type(self).__init__).parameters.get("loss")
        default = loss_name(keras, getattr(default, "default", None))
        given = loss_name(keras, self.loss)
        compiled = loss_name(keras, getattr(model, "loss", None))
        if None not in (given, compiled) and given not in (compiled, default):
            raise ValueError(
                f"loss={self.loss!r} but model compiled with {model.loss!r}. "
                "Data may not match loss function! Pass the loss the model "
                "function compiles with, or leave `loss` at its default."
            )

    def _check_trainable(self):
        """A clear error for a model compiled without a loss or optimizer
        (which predicts, after ``initialize``, but cannot train)."""
        loss = getattr(self.model_, "loss", None)
        if isinstance(loss, dict):
            loss = list(loss.values())
        if loss is None or (isinstance(loss, list | tuple) and not any(loss)):
            raise ValueError(
                f"{type(self).__name__} needs a loss to compile the model. Provide "
                "a `loss` (e.g. loss='sparse_categorical_crossentropy') or return "
                "a compiled model from `model`."
            )
        if getattr(self.model_, "optimizer", None) is None:
            raise ValueError(
                f"You must provide an optimizer: {type(self).__name__} needs one "
                "to compile the model. Pass `optimizer` (e.g. optimizer='adam') "
                "or return a compiled model from `model`."
            )

    def _build_model(self, keras, seed):
        """The user's model: ``model`` (a copy of a ``keras.Model``, or what
        a function returns) or the subclass's ``_keras_build_fn``."""
        model = self.model
        own = getattr(self, "_keras_build_fn", None)
        if model is None and own is None:
            raise ValueError(
                f"{type(self).__name__} has no model: pass ``model`` (a "
                "keras.Model or a function returning one), or subclass it and "
                "implement ``_keras_build_fn``; a subclass must implement "
                "``_keras_build_fn`` if ``model`` is None."
            )
        if model is not None and own is not None:
            raise ValueError(
                f"{type(self).__name__} implements ``_keras_build_fn`` and was "
                "given ``model`` too; a subclass that implements it cannot "
                "implement ``_keras_build_fn`` and take ``model`` at once: pass "
                "model=None."
            )
        model = own if model is None else model
        if isinstance(model, keras.Model):
            return model  # trained in place, as in scikeras (clones copy it)
        if not callable(model):
            raise TypeError(
                "``model`` must be a keras.Model or a callable that returns one; "
                f"got {type(model).__name__}."
            )
        built = model(**self._model_kwargs(keras, model, seed))
        if not isinstance(built, keras.Model):
            name = getattr(model, "__name__", type(model).__name__)
            raise TypeError(
                f"`model` ({name}) must return a keras.Model; it returned "
                f"{type(built).__name__}."
            )
        return built

    def _model_kwargs(self, keras, function, seed):
        kwargs = {**self._model_params(), **self._routed("model")}
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            parameters = {}
        takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        if takes_any or "meta" in parameters:
            kwargs["meta"] = self._get_metadata()
        if takes_any or "compile_kwargs" in parameters:
            kwargs["compile_kwargs"] = self._get_compile_kwargs(keras, 0)
        if takes_any or "params" in parameters:
            kwargs["params"] = self.get_params()
        if "seed" in parameters and "seed" not in kwargs:
            kwargs["seed"] = seed
        return kwargs

    def _get_compile_kwargs(self, keras, steps):
        """Arguments of ``Model.compile`` from ``optimizer``, ``loss``,
        ``metrics``, ``run_eagerly`` and the routed parameters (see
        :mod:`sknn_estimators._compile`)."""
        params = self.get_params(deep=False)
        # As in scikeras, parameters (or ``compile__`` routing) may give these
        # arguments of ``Model.compile``, besides the three made below.
        names = self._compile_kwargs - {"optimizer", "loss", "metrics"}
        kwargs = {name: params[name] for name in names if name in params}
        kwargs.update(self._routed("compile"))
        for kind in ("optimizer", "loss", "metrics"):
            kwargs[kind] = make_object(
                keras, kind, kwargs.get(kind, params.get(kind)), self._sub(kind)
            )
        metrics = kwargs["metrics"]
        if metrics is not None and not isinstance(metrics, list | dict):
            kwargs["metrics"] = [metrics]
        if inspect.isfunction(kwargs["loss"]) and keras.config.floatx() != "float32":
            # Keras wraps a loss function at the first training step, in the
            # global floatx; wrapped here it takes this fit's precision.
            kwargs["loss"] = keras.losses.LossFunctionWrapper(kwargs["loss"])
        return kwargs

    def _sub(self, destination):
        """Every parameter routed to ``destination``, nested names included
        (``loss__0__from_logits`` as ``0__from_logits``)."""
        return routed_under(self.get_params(deep=False), destination)

    def _check_model_outputs(self, model):
        """Refuse a model whose output does not fit the targets, with a message
        that says what it should be (instead of TensorFlow's shape error)."""
        outputs = _graph_tensors(model, "outputs")
        if outputs is None:
            return  # a subclassed model, not built yet: Keras checks at fit
        n_expected = getattr(self, "n_outputs_expected_", 1) or 1
        if len(outputs) != n_expected:
            raise ValueError(
                f"`model` returned a model with {len(outputs)} outputs, but the "
                f"target_encoder of {type(self).__name__} makes y an input of size "
                f"{n_expected} for it (n_outputs_expected_): the model needs one "
                "output per target array."
            )
        if n_expected != 1:
            return
        width = outputs[0].shape[-1] if len(outputs[0].shape) > 1 else 1
        required = self._output_widths()
        if required is None:
            return  # any width
        widths, hint = required
        if width not in widths:
            raise ValueError(
                f"`model` returned a model whose output has {_plain(width)} units, "
                f"but y ({self.target_type_}) needs "
                f"{' or '.join(str(w) for w in widths)}: {hint}."
            )

    def _output_widths(self):
        """``(widths, hint)``: the output widths the targets allow and the
        layer that gives them, or None for any width."""
        return None

    # -------------------------------------------------------------- prediction
    def _raw_predict(self, X, **kwargs):
        """The network's outputs for ``X``, as float64 (a list or dict of arrays
        for a model with several outputs). With ONNX Runtime switched on
        (:func:`sknn_estimators.config_context`), small batches go through it;
        others through the traced TensorFlow function."""
        X = self._validate_input(X)
        kwargs = {**self._routed("predict"), **kwargs}
        kwargs.pop("callbacks", None)
        batch_size = kwargs.pop("batch_size", None)
        unknown = set(kwargs) - self._predict_kwargs
        if unknown:
            raise TypeError(
                f"predict got unexpected keyword arguments {sorted(unknown)}; it "
                f"takes {sorted(self._predict_kwargs)} (verbose and steps have "
                "no effect: predictions run through one traced function)."
            )

        dtype = self._input_dtype
        if len(self.model_.inputs) == 1:  # what the model takes (floatx)
            dtype = np.dtype(self.model_.inputs[0].dtype)
        X = self._model_input(X)

        def tensorflow_path(rows):
            options = {}
            if batch_size is not None:  # else predict_in_batches' default
                options["batch_size"] = _batch_size(batch_size, _n_samples(rows))
            return predict_in_batches(
                self._predict_function, rows, dtype=dtype, **options
            )

        output = small_batch_predict(self, X, tensorflow_path)
        if output is None:
            output = tensorflow_path(X)
        return map_targets(lambda a: a.astype(np.float64), output)

    def _model_input(self, X):
        """The one array of a list or dict of one array, for a model with one
        input (as Keras takes it)."""
        inputs = _graph_tensors(self.model_, "inputs") or ()  # none: Keras decides
        if len(inputs) == 1 and isinstance(X, list | tuple | dict) and len(X) == 1:
            return next(iter(X.values())) if isinstance(X, dict) else X[0]
        return X

    def predict(self, X, **kwargs):
        """Predictions: the model's outputs through the target encoder's
        ``inverse_transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, laid out as in ``fit``.
        **kwargs : dict
            ``batch_size`` for this call.

        Returns
        -------
        y_pred : ndarray
            Predictions, shaped as ``y`` in fit.
        """
        check_is_fitted(self)
        return self.target_encoder_.inverse_transform(self._raw_predict(X, **kwargs))

    def score(self, X, y, sample_weight=None):
        """``scorer(y, predict(X))``: accuracy for a classifier, R² for a
        regressor, unless ``scorer`` is overridden.

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
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return float(self.scorer(y, y_pred, **kwargs))

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

    def _export_problems(self):
        """Why this fitted estimator cannot be exported as one graph of its
        rows (names of the attributes in the way), or an empty list."""
        encoder = self.feature_encoder_
        identity = type(encoder) is FunctionTransformer and encoder.func is None
        model = self.model_
        refused = {
            "feature_encoder_": not identity,
            "target_encoder_": not self._default_target_encoder(),
            "model_": len(model.inputs) != 1 or len(model.outputs) != 1,
        }
        return [name for name, problem in refused.items() if problem]

    def _default_target_encoder(self):
        return False

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
        """``(params, fitted, model)``: the constructor parameters, the public
        fitted attributes and the Keras model, as the estimator holds them;
        :mod:`sknn_estimators._persistence` decides how they are written."""
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
        estimator._after_training()
        return estimator

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_predict_function", None)
        state.pop("_lent", None)  # the copy owns its own model
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
            self._after_training()
            self._pickled_model = model_bytes

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = bool(self._accepts_sparse())
        return tags


@functools.cache  # get_params reads it at each predict and clone
def _init_parameters(cls):
    """The parameters of each ``__init__`` that ``cls`` or a base defines."""
    return tuple(
        tuple(inspect.signature(vars(klass)["__init__"]).parameters.values())
        for klass in cls.__mro__[:-1]  # not object's
        if "__init__" in vars(klass)
    )


def _graph_tensors(model, kind):
    """``model.inputs`` or ``model.outputs`` (``kind``), or None where Keras
    cannot tell yet (a subclassed model before it is built)."""
    try:
        return getattr(model, kind)
    except (AttributeError, ValueError):
        return None


def _history_key(keras, key):
    """scikeras' ``history_`` keys: metrics by their long name (``"mae"`` ->
    ``"mean_absolute_error"``); the loss and ``val_`` keys as Keras logs them."""
    if key == "loss" or key.startswith("val_"):
        return key
    return metric_long_name(keras, key)


def _n_samples(X):
    return target_leaves(X)[0][0].shape[0]


def _head(a, dtype):
    """The first two rows of an input, as the network takes them."""
    rows = a[:2]
    if hasattr(rows, "toarray"):
        rows = rows.toarray()
    return np.asarray(rows).astype(dtype, copy=False)


def _batch_size(batch_size, n_samples):
    if batch_size is None:
        return 32  # scikeras' (Keras') batch size for batch_size=None
    if batch_size == -1:
        return max(n_samples, 1)
    return batch_size


def _plain(values):
    """Values as plain Python for messages: ``0``, not ``np.int64(0)``."""
    if isinstance(values, np.ndarray | list | tuple):
        return [_plain(v) for v in values]
    return values.item() if isinstance(values, np.generic) else values


def _data_signature(data):
    """The structure, dtypes and row shapes of ``data`` (an array, or a list,
    tuple or dict of arrays)."""
    leaves, _ = target_leaves(data)
    names = list(data) if isinstance(data, dict) else type(data).__name__
    return [names, [(str(a.dtype), list(a.shape[1:])) for a in leaves]]


def _param_leaves(values):
    """The objects among parameter values, one level into lists, tuples and
    dicts (where callbacks are given)."""
    leaves = []
    for value in values:
        if isinstance(value, dict):
            value = list(value.values())
        leaves.extend(value if isinstance(value, list | tuple) else [value])
    return leaves


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
    float32 cannot hold (instead of silently turning them into infinities).
    A sparse matrix stays sparse (densified per batch)."""
    if hasattr(X, "toarray"):
        return X if X.dtype == dtype else X.astype(dtype)
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
