"""FashionCNNClassifier: the tutorial's Keras CNN as a scikit-learn classifier."""

import math
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from sknn_estimators._architectures import build_cnn
from sknn_estimators._keras_runtime import (
    STEPS_PER_EXECUTION,
    InterruptFlag,
    bfloat16_supported,
    import_keras,
    make_dataset,
    make_predict_function,
    model_from_bytes,
    model_to_bytes,
    predict_in_batches,
)
from sknn_estimators._validation import (
    check_float,
    check_int,
    check_int_tuple,
    check_option,
)

_SOLVERS = ("adam", "sgd", "rmsprop")
_SCHEDULES = ("constant", "cosine")
_PRECISIONS = ("float32", "mixed_bfloat16")
_MAX_SEED = np.iinfo(np.int32).max
_FLOAT_DTYPES = (np.float32, np.float64)  # float32 passes through without a copy
_FLOAT32_MAX = float(np.finfo(np.float32).max)


class FashionCNNClassifier(ClassifierMixin, BaseEstimator):
    """Convolutional neural-network classifier for images (Keras 3, TensorFlow).

    The default network is the Fashion-MNIST tutorial's: three blocks of
    ``Conv2D`` (32, 64, 128 filters, 3x3, padding "same"), ``LeakyReLU(0.1)`` and
    ``MaxPooling2D(2, padding="same")``; ``Flatten``; ``Dense(128)`` +
    ``LeakyReLU(0.1)``; a softmax output, trained with Adam on the
    cross-entropy, batches of 64, for 20 epochs. For 28x28 grey images and 10
    classes it has 356,234 trainable parameters.

    ``X`` is 2-D, one flattened image per row (so the estimator works after a
    ``StandardScaler`` in a ``Pipeline``), or 3-D ``(n, height, width)`` / 4-D
    ``(n, height, width, channels)`` as Keras users pass images.

    Parameters
    ----------
    conv_filters : tuple of int, default=(32, 64, 128)
        Number of filters of each convolution block; ``()`` for none.
    kernel_size : int, default=3
        Side of the square convolution kernels.
    dense_units : tuple of int, default=(128,)
        Units of each hidden dense layer after ``Flatten``; ``()`` for none.
    negative_slope : float, default=0.1
        Slope of every LeakyReLU for negative inputs (0 gives a plain ReLU).
    dropout : float or tuple of float, default=0.0
        Dropout rate after each convolution block and hidden dense layer: one
        rate for all, or one per block (``len(conv_filters) + len(dense_units)``
        values, each in [0, 1)).
    batch_normalization : bool, default=False
        Add batch normalisation after each convolution and hidden dense layer.
    augmentation : bool, default=False
        Light training-time augmentation: random horizontal flips and shifts of
        up to 10% of the height and width. Inactive at prediction.
    image_shape : tuple of int, default=None
        Layout of one row of ``X`` as ``(height, width)`` or
        ``(height, width, channels)``, in C order. ``None`` infers it: the shape
        of 3-D/4-D input; for 2-D input with ``s * s`` features a square
        ``(s, s, 1)`` image (784 gives 28x28); otherwise one row
        ``(1, n_features, 1)``, so any tabular data works.
    solver : {"adam", "sgd", "rmsprop"}, default="adam"
        Optimiser. ``"sgd"`` uses Nesterov momentum 0.9, like
        :class:`~sklearn.neural_network.MLPClassifier`'s default SGD.
    learning_rate : {"constant", "cosine"}, default="constant"
        Learning-rate schedule. "constant" keeps ``learning_rate_init``;
        "cosine" decays it along a cosine to 1% of ``learning_rate_init`` over
        the ``epochs`` of one call to ``fit`` (with ``warm_start`` a new call
        goes on from where the schedule stopped).
    learning_rate_init : float, default=0.001
        Initial learning rate of the optimiser.
    alpha : float, default=0.0
        Strength of the L2 penalty on the kernels, with
        :class:`~sklearn.neural_network.MLPClassifier`'s scaling: each batch adds
        ``0.5 * alpha * ||W||^2 / batch_size`` to the mean loss.
    batch_size : int, default=64
        Images per gradient step.
    epochs : int, default=20
        Passes over the training data (fewer when training stops early).
    shuffle : bool, default=True
        Shuffle the training data before each epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified) and
        stop when the validation accuracy has not improved by at least ``tol``
        for ``n_iter_no_change`` epochs; the weights of the best epoch are kept.
        When False, training stops when the training loss has not improved by
        at least ``tol`` for ``n_iter_no_change`` epochs, as in
        :class:`~sklearn.neural_network.MLPClassifier`.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping, in (0, 1).
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    tol : float, default=1e-4
        Smallest change that counts as an improvement.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, keyed by class label; "balanced"
        weighs each class by ``n_samples / (n_classes * count)``.
    precision : {"float32", "mixed_bfloat16"}, default="float32"
        Numeric precision of training and inference. "mixed_bfloat16" computes
        the hidden layers in bfloat16 with float32 weights (Keras'
        ``mixed_bfloat16`` dtype policy, set on this model's layers only, never
        globally); the softmax stays in float32. It is faster only where the
        hardware computes bfloat16 natively (CPUs with AVX512-BF16 or AMX,
        recent GPUs); elsewhere the model trains in float32 with a warning.
        ``precision_`` tells which was used. In bfloat16 each convolution
        block pools before its ``LeakyReLU`` (the same function, since the
        activation is non-decreasing; the activation, slow in bfloat16, then
        runs on a quarter of the values).
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, dropout, augmentation, shuffling and
        the validation split. An int gives bit-identical fits on CPU; the
        process-wide NumPy, Python and TensorFlow seeds are not touched.
    verbose : int or bool, default=0
        Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.
    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``
        instead of building a new one (the architecture is kept).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
        Number of values per sample seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple of int
        ``(height, width, channels)`` the network was built for.
    precision_ : str
        The precision the network was built with ("float32" or
        "mixed_bfloat16").
    model_ : keras.Model
        The trained Keras model.
    history_ : dict of str to list of float
        Per-epoch metrics: ``loss`` and ``accuracy``, and ``val_loss`` and
        ``val_accuracy`` when there was validation data.
    loss_curve_ : list of float
        Training loss of each epoch.
    best_loss_ : float or None
        Smallest training loss (None with early stopping).
    validation_scores_ : list of float or None
        Validation accuracy of each epoch with early stopping, else None.
    best_validation_score_ : float or None
        Best validation accuracy with early stopping, else None.
    n_iter_ : int
        Epochs trained (summed over calls with ``warm_start``).

    See Also
    --------
    PRESETS : Named configurations, e.g. ``PRESETS["cnn-regularised"].make()``.
    sklearn.neural_network.MLPClassifier : Multi-layer perceptron classifier.
    DeepMLPClassifier : The iris notebook's MLP as a preset.

    Notes
    -----
    TensorFlow is imported the first time a model is fitted or loaded, not when
    ``sknn_estimators`` is imported. Training feeds Keras' ``model.fit`` from
    a ``tf.data`` pipeline that gathers batches from the NumPy arrays (no copy
    of ``X``, no autotuning), compiled with ``steps_per_execution=8``.
    Predictions run through one traced function of the model, in chunks of 512
    rows.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknn_estimators import FashionCNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> cnn = FashionCNNClassifier(conv_filters=(8,), dense_units=(32,), epochs=10,
    ...                            random_state=0)
    >>> clf = make_pipeline(StandardScaler(), cnn).fit(X[:1000], y[:1000])
    >>> cnn.image_shape_
    (8, 8, 1)
    >>> clf.predict_proba(X[1000:1002]).shape
    (2, 10)
    >>> bool(clf.score(X[1000:], y[1000:]) > 0.85)
    True
    """

    def __init__(
        self,
        conv_filters=(32, 64, 128),
        kernel_size=3,
        dense_units=(128,),
        *,
        negative_slope=0.1,
        dropout=0.0,
        batch_normalization=False,
        augmentation=False,
        image_shape=None,
        solver="adam",
        learning_rate="constant",
        learning_rate_init=0.001,
        alpha=0.0,
        batch_size=64,
        epochs=20,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        class_weight=None,
        precision="float32",
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.conv_filters = conv_filters
        self.kernel_size = kernel_size
        self.dense_units = dense_units
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        self.augmentation = augmentation
        self.image_shape = image_shape
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.batch_size = batch_size
        self.epochs = epochs
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.class_weight = class_weight
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, *, validation_data=None):
        """Train the network on images ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, height, width) \
or (n_samples, height, width, channels)
            Training images, flattened or not.
        y : array-like of shape (n_samples,)
            Class labels (ints, strings, ...).
        validation_data : tuple (X_val, y_val), default=None
            Data on which ``val_loss`` and ``val_accuracy`` are recorded after
            each epoch (as in the tutorial's plots). With ``early_stopping`` it
            replaces the held-out ``validation_fraction``.

        Returns
        -------
        self : FashionCNNClassifier
            The fitted estimator.
        """
        X, sample_shape = _images_to_rows(X)
        X, y = validate_data(self, X, y, dtype=_float_dtypes_for(X))
        X = _as_float32(X)
        check_classification_targets(y)
        params = self._check_params()
        image_shape = self._resolve_image_shape(X.shape[1], sample_shape)
        classes, y_encoded = np.unique(y, return_inverse=True)
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class ({classes[0]!r})."
            )
        continuing = self.warm_start and hasattr(self, "model_")
        if continuing:
            self._check_warm_start(classes, image_shape)
        self.classes_ = classes
        self.image_shape_ = image_shape

        keras = import_keras()
        rng = check_random_state(self.random_state)
        model_seed, shuffle_seed, split_seed = (
            int(s) for s in rng.randint(_MAX_SEED, size=3)
        )
        X = X.reshape((-1, *image_shape))
        y_encoded = y_encoded.astype(np.int32)
        weights = self._sample_weights(y, y_encoded, params["class_weight"])

        val = None
        if validation_data is not None:
            val = self._encode_validation_data(validation_data)
        elif self.early_stopping:
            parts = train_test_split(
                *(a for a in (X, y_encoded, weights) if a is not None),
                test_size=params["validation_fraction"],
                random_state=split_seed,
                stratify=y_encoded,
            )
            X, X_val, y_encoded, y_val = parts[:4]
            weights = parts[4] if weights is not None else None
            val = (X_val, y_val)

        if not continuing:
            steps = params["epochs"] * math.ceil(X.shape[0] / params["batch_size"])
            self.model_ = self._build_model(
                keras, params, len(classes), model_seed, steps
            )
        train_data = make_dataset(
            X,
            y_encoded,
            weights,
            batch_size=params["batch_size"],
            shuffle=self.shuffle,
            seed=shuffle_seed,
        )
        val_data = None
        if val is not None:
            val_data = make_dataset(*val, batch_size=max(params["batch_size"], 512))
        with InterruptFlag(self.model_) as interrupt:
            history = self.model_.fit(
                train_data,
                epochs=params["epochs"],
                validation_data=val_data,
                callbacks=[
                    self._stopping_callback(keras, params),
                    interrupt.callback(keras),
                ],
                shuffle=False,  # make_dataset already shuffles, from our own seed
                verbose=params["verbose"],
            )
        self._record_history(history.history, continuing)
        self._predict_function = make_predict_function(self.model_)
        if interrupt.interrupted:
            warnings.warn(
                f"Training was interrupted (Ctrl-C) during epoch {len(history.epoch)}"
                f" of {params['epochs']}; {type(self).__name__} keeps the weights "
                "learned so far and is fitted and usable. Call fit again with "
                "warm_start=True to continue training.",
                UserWarning,
                stacklevel=2,
            )
        return self

    def _check_params(self):
        """Validate the constructor parameters; return the normalised values."""
        params = {
            "conv_filters": check_int_tuple(
                "conv_filters", self.conv_filters, allow_empty=True
            ),
            "kernel_size": check_int("kernel_size", self.kernel_size, min_value=1),
            "dense_units": check_int_tuple(
                "dense_units", self.dense_units, allow_empty=True
            ),
            "negative_slope": check_float(
                "negative_slope", self.negative_slope, min_value=0.0
            ),
            "solver": check_option("solver", self.solver, _SOLVERS),
            "learning_rate": check_option(
                "learning_rate", self.learning_rate, _SCHEDULES
            ),
            "precision": check_option("precision", self.precision, _PRECISIONS),
            "learning_rate_init": check_float(
                "learning_rate_init",
                self.learning_rate_init,
                min_value=0.0,
                include_min=False,
            ),
            "alpha": check_float("alpha", self.alpha, min_value=0.0),
            "batch_size": check_int("batch_size", self.batch_size, min_value=1),
            "epochs": check_int("epochs", self.epochs, min_value=1),
            "validation_fraction": check_float(
                "validation_fraction",
                self.validation_fraction,
                min_value=0.0,
                max_value=1.0,
                include_min=False,
                include_max=False,
            ),
            "n_iter_no_change": check_int(
                "n_iter_no_change", self.n_iter_no_change, min_value=1
            ),
            "tol": check_float("tol", self.tol, min_value=0.0),
            "verbose": check_int(
                "verbose",
                int(self.verbose) if isinstance(self.verbose, bool) else self.verbose,
                min_value=0,
                max_value=2,
            ),
            "class_weight": self._check_class_weight(),
        }
        n_blocks = len(params["conv_filters"]) + len(params["dense_units"])
        params["dropout"] = self._check_dropout(n_blocks)
        for name in (
            "batch_normalization",
            "augmentation",
            "shuffle",
            "early_stopping",
            "warm_start",
        ):
            value = getattr(self, name)
            if not isinstance(value, bool | np.bool_):
                raise ValueError(f"`{name}` must be True or False, got {value!r}.")
        return params

    def _check_dropout(self, n_blocks):
        rates = self.dropout if isinstance(self.dropout, tuple | list) else None
        if rates is None:
            rate = check_float(
                "dropout", self.dropout, min_value=0.0, max_value=1.0, include_max=False
            )
            return rate
        if len(rates) != n_blocks:
            raise ValueError(
                f"`dropout` as a tuple needs one rate per block ({n_blocks}: "
                f"len(conv_filters) + len(dense_units)), got {len(rates)} rates."
            )
        return tuple(
            check_float("dropout", r, min_value=0.0, max_value=1.0, include_max=False)
            for r in rates
        )

    def _check_class_weight(self):
        cw = self.class_weight
        if cw is None or cw == "balanced":
            return cw
        if isinstance(cw, dict):
            for label, weight in cw.items():
                if not isinstance(weight, numbers.Real) or not weight >= 0:
                    raise ValueError(
                        f"`class_weight` values must be numbers >= 0; got {weight!r} "
                        f"for class {label!r}."
                    )
            return cw
        raise ValueError(
            f"`class_weight` must be None, 'balanced' or a dict of class label to "
            f"weight, got {cw!r}."
        )

    def _resolve_image_shape(self, n_features, sample_shape):
        """The (height, width, channels) of one sample; see ``image_shape``."""
        if self.image_shape is not None:
            shape = check_int_tuple("image_shape", self.image_shape)
            if len(shape) == 2:
                shape = (*shape, 1)
            if len(shape) != 3:
                raise ValueError(
                    "`image_shape` must be (height, width) or (height, width, "
                    f"channels), got {self.image_shape!r}."
                )
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"`image_shape`={self.image_shape!r} holds {math.prod(shape)} "
                    f"values per image, but X has {n_features} features per sample. "
                    "Give an image_shape whose product is the number of features, "
                    "or None to infer it."
                )
            return shape
        if sample_shape is not None:
            return tuple(sample_shape) if len(sample_shape) == 3 else (*sample_shape, 1)
        side = math.isqrt(n_features)
        if side * side == n_features:
            return (side, side, 1)
        return (1, n_features, 1)

    def _check_warm_start(self, classes, image_shape):
        if not np.array_equal(classes, self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in "
                f"the previous call to fit. Previously got {self.classes_}, `y` has "
                f"{classes}."
            )
        if image_shape != self.image_shape_:
            raise ValueError(
                f"warm_start needs images of the fitted shape {self.image_shape_}, "
                f"got {image_shape}."
            )

    def _build_model(self, keras, params, n_classes, seed, steps):
        """Build and compile a new network; sets ``precision_``."""
        precision = params["precision"]
        if precision == "mixed_bfloat16" and not bfloat16_supported():
            warnings.warn(
                "precision='mixed_bfloat16' needs hardware that computes bfloat16 "
                "natively (a CPU with AVX512-BF16 or AMX, or a GPU); this machine "
                "has none, so the network is trained in float32.",
                UserWarning,
                stacklevel=3,
            )
            precision = "float32"
        self.precision_ = precision
        model = build_cnn(
            self.image_shape_,
            n_classes,
            conv_filters=params["conv_filters"],
            kernel_size=params["kernel_size"],
            dense_units=params["dense_units"],
            negative_slope=params["negative_slope"],
            dropout=params["dropout"],
            batch_normalization=self.batch_normalization,
            l2=0.5 * params["alpha"] / params["batch_size"],
            augmentation=self.augmentation,
            dtype_policy=precision,
            pool_before_activation=precision == "mixed_bfloat16",
            seed=seed,
        )
        rate = params["learning_rate_init"]
        if params["learning_rate"] == "cosine":
            rate = keras.optimizers.schedules.CosineDecay(rate, steps, alpha=0.01)
        optimizer = {
            "adam": lambda: keras.optimizers.Adam(learning_rate=rate),
            "sgd": lambda: keras.optimizers.SGD(
                learning_rate=rate, momentum=0.9, nesterov=True
            ),
            "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate=rate),
        }[params["solver"]]()
        model.compile(
            optimizer=optimizer,
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=STEPS_PER_EXECUTION,
        )
        return model

    def _sample_weights(self, y, y_encoded, class_weight):
        """Per-sample loss weights from ``class_weight``, or None."""
        if class_weight is None:
            return None
        if class_weight == "balanced":
            per_class = compute_class_weight("balanced", classes=self.classes_, y=y)
        else:
            unknown = [
                label for label in class_weight if label not in set(self.classes_)
            ]
            if unknown:
                raise ValueError(
                    f"`class_weight` names classes not in y: {unknown}; the classes "
                    f"are {self.classes_.tolist()}."
                )
            per_class = np.array(
                [float(class_weight.get(c, 1.0)) for c in self.classes_]
            )
        return per_class[y_encoded].astype(np.float32)

    def _encode_validation_data(self, validation_data):
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError(
                "`validation_data` must be a tuple (X_val, y_val), got "
                f"{type(validation_data).__name__}."
            ) from None
        X_val = self._rows_to_images(X_val)
        y_val = np.asarray(y_val)
        unknown = np.setdiff1d(y_val, self.classes_)
        if unknown.size:
            raise ValueError(
                f"`validation_data` has labels not seen in y: {unknown.tolist()}."
            )
        if y_val.shape[0] != X_val.shape[0]:
            raise ValueError(
                f"`validation_data` has {X_val.shape[0]} samples in X_val but "
                f"{y_val.shape[0]} labels in y_val."
            )
        return X_val, np.searchsorted(self.classes_, y_val).astype(np.int32)

    def _stopping_callback(self, keras, params):
        if self.early_stopping:
            return keras.callbacks.EarlyStopping(
                monitor="val_accuracy",
                mode="max",
                min_delta=params["tol"],
                patience=params["n_iter_no_change"],
                restore_best_weights=True,
            )
        return keras.callbacks.EarlyStopping(
            monitor="loss",
            mode="min",
            min_delta=params["tol"],
            patience=params["n_iter_no_change"],
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
        if self.early_stopping and "val_accuracy" in self.history_:
            self.validation_scores_ = self.history_["val_accuracy"]
            self.best_validation_score_ = max(self.validation_scores_)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)

    # -------------------------------------------------------------- predict
    def predict_proba(self, X):
        """Probability of each class for each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, height, width) \
or (n_samples, height, width, channels)
            Images, laid out as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_``; each row sums to 1.
        """
        check_is_fitted(self)
        proba = predict_in_batches(self._predict_function, self._rows_to_images(X))
        proba = proba.astype(np.float64)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X):
        """Predicted class label of each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, height, width) \
or (n_samples, height, width, channels)
            Images, laid out as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _rows_to_images(self, X):
        """Validate ``X`` against the fitted layout; return a 4-D float32 array."""
        check_is_fitted(self)
        X, sample_shape = _images_to_rows(X)
        if sample_shape is not None:
            expected = self.image_shape_
            if tuple(sample_shape) not in (
                expected,
                expected[:2] if expected[2] == 1 else None,
            ):
                raise ValueError(
                    f"X has images of shape {tuple(sample_shape)}, but "
                    f"{type(self).__name__} was fitted on images of shape {expected}."
                )
        X = validate_data(self, X, reset=False, dtype=_float_dtypes_for(X))
        return _as_float32(X).reshape((-1, *self.image_shape_))

    # ----------------------------------------------------------- persistence
    def save(self, path):
        """Save the fitted estimator to one file, without pickle.

        The file holds the Keras model in Keras' own format and the parameters,
        classes and fitted attributes as JSON. It is written atomically: if the
        process dies during ``save``, an existing file at ``path`` is left as it
        was. Load it with :func:`sknn_estimators.load_model`.

        Parameters
        ----------
        path : str or path-like
            Where to write, e.g. ``"model.sknn"``; an existing file is replaced.
        """
        from sknn_estimators._persistence import save_estimator

        check_is_fitted(self)
        save_estimator(self, path)

    # ------------------------------------------------------------- pickling
    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_predict_function", None)
        if "model_" in state:
            state["model_"] = model_to_bytes(state["model_"])
        return state

    def __setstate__(self, state):
        state = dict(state)
        if isinstance(state.get("model_"), bytes):
            state["model_"] = model_from_bytes(state["model_"])
        super().__setstate__(state)
        if "model_" in state:
            self._predict_function = make_predict_function(self.model_)


def _float_dtypes_for(X):
    """The dtypes ``validate_data`` may return for ``X``: float32 or float64 as
    given (no copy), other numeric arrays straight to float32 (exact enough and
    never out of range), lists and object arrays through float64, so that values
    beyond float32's range are reported by ``_as_float32`` instead of
    overflowing."""
    kind = getattr(getattr(X, "dtype", None), "kind", None)
    return _FLOAT_DTYPES if kind in ("f", "i", "u", "b") else np.float64


def _as_float32(X):
    """``X`` as float32, refusing values that float32 cannot hold (instead of
    silently turning them into infinities)."""
    if X.dtype == np.float32:
        return X
    largest = max(X.max(), -X.min()) if X.size else 0.0  # no temporary copy of X
    if largest > _FLOAT32_MAX:
        raise ValueError(
            f"X has values up to {largest:.3g} in magnitude, too large for "
            f"float32 (at most {_FLOAT32_MAX:.3g}), in which the network computes. "
            "Scale X first, e.g. with StandardScaler."
        )
    return X.astype(np.float32)


def _images_to_rows(X):
    """Flatten 3-D/4-D image arrays to rows; return ``(X, sample_shape or None)``."""
    ndim = getattr(X, "ndim", None)
    if ndim is None and isinstance(X, list | tuple):
        try:
            array = np.asarray(X)
        except (TypeError, ValueError):
            return X, None
        if array.ndim in (3, 4):
            X, ndim = array, array.ndim
    if ndim in (3, 4):
        X = np.asarray(X)
        return X.reshape(X.shape[0], math.prod(X.shape[1:])), X.shape[1:]
    if ndim is not None and ndim > 4:
        raise ValueError(
            "X must be 2-D (n_samples, n_features), 3-D (n_samples, height, width) "
            f"or 4-D (n_samples, height, width, channels); got shape {tuple(X.shape)}."
        )
    return X, None
