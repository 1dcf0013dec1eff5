"""The convolutional networks: FashionCNNClassifier and CNNRegressor.

Each is its task's wrapper with its own network (``_keras_build_fn``) and
parameters: the architecture, the image layout of ``X`` and, through
:class:`~sknn_estimators._training.MLPTrainingMixin`, MLPClassifier-style
training options (see FashionCNNClassifier's Notes).
"""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from sknn_estimators._architectures import build_cnn, check_sizes
from sknn_estimators._base import _plain
from sknn_estimators._training import MLPTrainingMixin
from sknn_estimators._wrapper_encoders import ClassifierLabelEncoder
from sknn_estimators._wrappers import KerasClassifier, KerasRegressor


class BaseCNN(MLPTrainingMixin):
    """The CNN estimators' shared part: architecture parameters and images
    (``X`` as :class:`FashionCNNClassifier` describes it)."""

    _parameter_constraints = {
        **MLPTrainingMixin._parameter_constraints,
        "conv_filters": [tuple, list],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "dense_units": [tuple, list],
        "negative_slope": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), tuple, list],
        "batch_normalization": ["boolean", StrOptions({"after_pooling"})],
        "augmentation": ["boolean", StrOptions({"flips", "shifts"})],
        "image_shape": [tuple, list, None],
        "input_scale": [Interval(Real, 0, None, closed="neither"), None],
    }

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
        input_scale=None,
        solver="adam",
        learning_rate="constant",
        learning_rate_init=0.001,
        alpha=0.0,
        ema_momentum=None,
        batch_size=64,
        epochs=20,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        precision="float32",
        random_state=None,
        verbose=0,
        warm_start=False,
        callbacks=None,
    ):
        self.conv_filters = conv_filters
        self.kernel_size = kernel_size
        self.dense_units = dense_units
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        self.augmentation = augmentation
        self.image_shape = image_shape
        self.input_scale = input_scale
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.ema_momentum = ema_momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks

    def _keras_build_fn(self, meta, seed):
        """The network for the fitted image layout and targets."""
        conv_filters = check_sizes("conv_filters", self.conv_filters)
        dense_units = check_sizes("dense_units", self.dense_units)
        return build_cnn(
            self.image_shape_,
            self._output_units(meta),
            output_activation=self._output_activation,
            input_scale=self.input_scale,
            conv_filters=conv_filters,
            kernel_size=self.kernel_size,
            dense_units=dense_units,
            negative_slope=self.negative_slope,
            dropout=self._dropout_rates(len(conv_filters) + len(dense_units)),
            batch_normalization=self.batch_normalization,
            l2=self._l2_factor(),
            augmentation=self.augmentation,
            dtype_policy=self.precision_,
            pool_before_activation=self.precision_ == "mixed_bfloat16",
            seed=seed,
        )

    def _dropout_rates(self, n_blocks):
        if not isinstance(self.dropout, tuple | list):
            return float(self.dropout)
        if len(self.dropout) != n_blocks or not all(
            isinstance(r, Real) and not isinstance(r, bool) and 0 <= r < 1
            for r in self.dropout
        ):
            raise ValueError(
                f"`dropout` as a tuple needs one rate in [0, 1) per block "
                f"({n_blocks}: len(conv_filters) + len(dense_units)); got "
                f"{tuple(self.dropout)!r}."
            )
        return tuple(float(r) for r in self.dropout)

    def _split_sample_shape(self, X):
        """Flatten 3-D/4-D images (an array, or nested lists) to rows, as the
        engine flattens arrays; return ``(X, sample_shape or None)``."""
        if isinstance(X, list | tuple):
            try:
                array = np.asarray(X)
            except (TypeError, ValueError):
                return X, None
            X = array if array.ndim in (3, 4) else X
        ndim = getattr(X, "ndim", 2)
        if ndim > 4:
            raise ValueError(
                "X must be 2-D (n_samples, n_features), 3-D (n_samples, height, "
                "width) or 4-D (n_samples, height, width, channels); got shape "
                f"{tuple(X.shape)}."
            )
        return super()._split_sample_shape(np.asarray(X) if ndim > 2 else X)

    def _check_sample_shape(self, sample_shape):
        expected = self.image_shape_
        if sample_shape is not None and tuple(sample_shape) not in (
            expected,
            expected[:2] if expected[2] == 1 else None,
        ):
            raise ValueError(
                f"X has images of shape {tuple(sample_shape)}, but "
                f"{type(self).__name__} was fitted on images of shape {expected}."
            )

    def _shape_input(self, X, sample_shape, *, reset):
        """The validated rows as 4-D images; sets ``image_shape_`` when ``reset``."""
        if reset:
            self.image_shape_ = self._resolve_image_shape(X.shape[1], sample_shape)
        return super()._shape_input(X, self.image_shape_, reset=reset)

    def _resolve_image_shape(self, n_features, sample_shape):
        """The (height, width, channels) of one sample; see ``image_shape``."""
        if self.image_shape is not None:
            shape = check_sizes("image_shape", self.image_shape)
            if len(shape) == 2:
                shape = (*shape, 1)
            if len(shape) != 3:
                raise ValueError(
                    "`image_shape` must be (height, width) or (height, width, "
                    f"channels), got {tuple(self.image_shape)!r}."
                )
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"`image_shape`={tuple(self.image_shape)!r} holds "
                    f"{math.prod(shape)} values per image, but X has {n_features} "
                    "features per sample. Give an image_shape whose product is "
                    "the number of features, or None to infer it."
                )
            return shape
        if sample_shape is not None:
            return tuple(sample_shape) if len(sample_shape) == 3 else (*sample_shape, 1)
        side = math.isqrt(n_features)
        return (side, side, 1) if side * side == n_features else (1, n_features, 1)


class FashionCNNClassifier(BaseCNN, KerasClassifier):
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
        Number of filters of each convolution block; ``()`` for none. A tuple
        (or list), also for one block: ``(32,)``; a bare int is refused.
    kernel_size : int, default=3
        Side of the square convolution kernels.
    dense_units : tuple of int, default=(128,)
        Units of each hidden dense layer after ``Flatten``; ``()`` for none.
        A tuple (or list); a bare int is refused.
    negative_slope : float, default=0.1
        Slope of every LeakyReLU for negative inputs (0 gives a plain ReLU).
    dropout : float or tuple of float, default=0.0
        Dropout rate after each convolution block and hidden dense layer: one
        rate for all, or one per block (``len(conv_filters) + len(dense_units)``
        values, each in [0, 1)).
    batch_normalization : bool or "after_pooling", default=False
        Add batch normalisation after each convolution and hidden dense layer.
        ``"after_pooling"`` normalises each convolution block after its
        max-pooling instead, on a quarter of the values: a different network,
        faster to train.
    augmentation : bool, "flips" or "shifts", default=False
        Light training-time augmentation: random horizontal flips and shifts of
        up to 10% of the height and width; "flips" only flips, "shifts" only
        shifts (for images whose left and right differ, such as
        Fashion-MNIST's shoes, which all point left). Inactive at prediction.
    image_shape : tuple of int, default=None
        Layout of one row of ``X`` as ``(height, width)`` or
        ``(height, width, channels)``, in C order. ``None`` infers it: the shape
        of 3-D/4-D input; for 2-D input with ``s * s`` features a square
        ``(s, s, 1)`` image (784 gives 28x28); otherwise one row
        ``(1, n_features, 1)``, so any tabular data works.
    input_scale : float, default=None
        Factor by which the network multiplies its input, in a ``Rescaling``
        layer that is part of the saved model: ``1/255`` trains on raw 0-255
        pixels (e.g. a uint8 array or ``np.memmap``) as on ``X / 255``, with
        no float copy of ``X`` (integer ``X`` is cast batch by batch). None
        adds no layer.
    solver : {"adam", "sgd", "rmsprop"}, default="adam"
        Optimiser. ``"sgd"`` uses Nesterov momentum 0.9, like
        :class:`~sklearn.neural_network.MLPClassifier`'s default SGD.
    learning_rate : {"constant", "cosine", "warmup_cosine"}, default="constant"
        Learning-rate schedule. "constant" keeps ``learning_rate_init``;
        "cosine" decays it along a cosine to 1% of ``learning_rate_init`` over
        the ``epochs`` of one call to ``fit`` (with ``warm_start`` a new call
        goes on from where the schedule stopped); "warmup_cosine" first rises
        linearly from 0 to ``learning_rate_init`` over the first 10% of the
        steps, then decays as "cosine" over the rest.
    learning_rate_init : float, default=0.001
        Initial learning rate of the optimiser.
    alpha : float, default=0.0
        Strength of the L2 penalty on the kernels, with
        :class:`~sklearn.neural_network.MLPClassifier`'s scaling: each batch adds
        ``0.5 * alpha * ||W||^2 / batch_size`` to the mean loss.
    ema_momentum : float, default=None
        Keep an exponential moving average of the weights (Keras' optimizer
        ``use_ema``), with this momentum (e.g. 0.99), and end each call to
        ``fit`` or ``partial_fit`` with the averaged weights. None keeps the
        last weights.
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
    label_smoothing : float, default=0.0
        Train towards ``1 - label_smoothing`` for the true class and
        ``label_smoothing / n_classes`` added to every class, instead of 1 and
        0 (Keras' ``CategoricalCrossentropy(label_smoothing=...)``). The
        targets are then fed one-hot, ``n_samples x n_classes`` float32.
    precision : {"float32", "mixed_bfloat16", "auto", "float64"}, \
            default="float32"
        Numeric precision of training and inference. "mixed_bfloat16" computes
        the hidden layers in bfloat16 with float32 weights (Keras'
        ``mixed_bfloat16`` dtype policy, set on this model's layers only, never
        globally); the softmax stays in float32. It is faster only where the
        hardware computes bfloat16 natively (CPUs with AVX512-BF16 or AMX,
        recent GPUs); elsewhere the model trains in float32 with a warning.
        "auto" is "mixed_bfloat16" where the hardware has it natively and
        "float32" elsewhere, without a warning (the CNN presets use it).
        ``precision_`` tells which was used. In bfloat16 each convolution
        block pools before its ``LeakyReLU`` (the same function, since the
        activation is non-decreasing; the activation, slow in bfloat16, then
        runs on a quarter of the values). "float64" computes everything in
        float64: slow, for exact checks (e.g. that ``sample_weight`` equals
        repeating rows, with one batch holding all samples).
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, dropout, augmentation, shuffling and
        the validation split. An int gives bit-identical fits on CPU; the
        process-wide NumPy, Python and TensorFlow seeds are not touched.
    verbose : int or bool, default=0
        Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.
    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``
        instead of building a new one (the architecture is kept).
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks run during training (``ModelCheckpoint``,
        ``TensorBoard``, ``ReduceLROnPlateau``, your own), beside the
        estimator's own early stopping and Ctrl-C handling. Each call to
        ``fit`` or ``partial_fit`` runs deep copies of them, so the objects
        passed here are left as they are and survive ``clone`` and pickling.

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
    CNNRegressor : The same network with a linear output, for regression.
    PRESETS : Named configurations, e.g. ``PRESETS["cnn-regularised"].make()``.
    sklearn.neural_network.MLPClassifier : Multi-layer perceptron classifier.
    DeepMLPClassifier : The iris notebook's MLP as a preset.

    Notes
    -----
    ``fit`` takes ``sample_weight`` (scikit-learn's metadata routing passes it
    with ``set_fit_request(sample_weight=True)``); ``partial_fit`` trains one
    epoch per call and continues the network, for data that comes in parts
    (``dask_ml.wrappers.Incremental``). It is a subclass of
    :class:`~sknn_estimators.wrappers.KerasClassifier` that supplies its
    network; the machinery (training loop, input pipeline, traced inference,
    persistence) is the wrappers' engine,
    :class:`~sknn_estimators.wrappers.BaseWrapper`.

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

    _parameter_constraints = {
        **BaseCNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

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
        input_scale=None,
        solver="adam",
        learning_rate="constant",
        learning_rate_init=0.001,
        alpha=0.0,
        ema_momentum=None,
        batch_size=64,
        epochs=20,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        class_weight=None,
        label_smoothing=0.0,
        precision="float32",
        random_state=None,
        verbose=0,
        warm_start=False,
        callbacks=None,
    ):
        super().__init__(
            conv_filters=conv_filters,
            kernel_size=kernel_size,
            dense_units=dense_units,
            negative_slope=negative_slope,
            dropout=dropout,
            batch_normalization=batch_normalization,
            augmentation=augmentation,
            image_shape=image_shape,
            input_scale=input_scale,
            solver=solver,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            alpha=alpha,
            ema_momentum=ema_momentum,
            batch_size=batch_size,
            epochs=epochs,
            shuffle=shuffle,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            precision=precision,
            random_state=random_state,
            verbose=verbose,
            warm_start=warm_start,
            callbacks=callbacks,
        )
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    _output_activation = "softmax"

    @property
    def target_encoder(self):
        """Class indices, or one-hot rows for the smoothed cross-entropy
        (Keras' sparse cross-entropy has no label smoothing)."""
        return ClassifierLabelEncoder(
            loss="categorical_crossentropy" if self.label_smoothing else None
        )

    def _output_units(self, meta):
        if meta["n_classes_"] < 2:
            raise ValueError(
                f"{type(self).__name__}, whose network outputs one probability "
                "per class, needs samples of at least 2 classes in y; got 1 "
                f"class ({_plain(meta['classes_'][0])})."
            )
        if meta["target_type_"] not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} takes one class label per sample (binary "
                f"or multiclass y); got {meta['target_type_']} y. For several "
                "labels per sample, use sknn_estimators.wrappers.KerasClassifier "
                "with one sigmoid unit per label."
            )
        return meta["n_classes_"]

    def _preset_loss(self, keras, precision):
        if not self.label_smoothing:
            return super()._preset_loss(keras, precision)
        return keras.losses.CategoricalCrossentropy(
            label_smoothing=self.label_smoothing,
            dtype="float64" if precision == "float64" else None,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class CNNRegressor(BaseCNN, KerasRegressor):
    """Convolutional neural-network regressor for images (Keras 3, TensorFlow).

    The network of :class:`FashionCNNClassifier` (by default the
    Fashion-MNIST tutorial's: Conv2D 32-64-128 with LeakyReLU and max-pooling,
    Dense(128)) with a linear output of one unit per target, trained on the
    mean squared error. ``y`` may have several columns (multi-output
    regression); ``score`` is R², and with ``early_stopping`` the validation
    R² decides when to stop.

    Every parameter has the meaning and the default it has in
    :class:`FashionCNNClassifier`, which has no regression-specific
    parameters; there is no ``class_weight``.

    Parameters
    ----------
    conv_filters : tuple of int, default=(32, 64, 128)
        Filters of each convolution block.
    kernel_size : int, default=3
        Side of the square convolution kernels.
    dense_units : tuple of int, default=(128,)
        Units of each hidden dense layer.
    negative_slope : float, default=0.1
        Slope of every LeakyReLU for negative inputs.
    dropout : float or tuple of float, default=0.0
        Dropout rate after each block (one for all, or one per block).
    batch_normalization : bool or "after_pooling", default=False
        Batch normalisation after each convolution (or after its pooling) and
        hidden dense layer.
    augmentation : bool, "flips" or "shifts", default=False
        Random flips and shifts while training ("flips", "shifts": only the
        one). Only for targets that do not change when the image is flipped or
        shifted.
    image_shape : tuple of int, default=None
        Layout of one row of ``X``; ``None`` infers it.
    input_scale : float, default=None
        Factor applied to the input inside the network (``1/255`` for raw
        uint8 pixels); None adds no layer.
    solver : {"adam", "sgd", "rmsprop"}, default="adam"
        Optimiser.
    learning_rate : {"constant", "cosine", "warmup_cosine"}, default="constant"
        Learning-rate schedule.
    learning_rate_init : float, default=0.001
        Initial learning rate.
    alpha : float, default=0.0
        L2 penalty, scaled as in MLPRegressor.
    ema_momentum : float, default=None
        Momentum of a moving average of the weights that ends each fit; None
        for none.
    batch_size : int, default=64
        Images per gradient step.
    epochs : int, default=20
        Passes over the training data.
    shuffle : bool, default=True
        Shuffle the training data before each epoch.
    early_stopping : bool, default=False
        Stop when the R² on a held-out ``validation_fraction`` stops improving
        (else when the training loss stops improving).
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    tol : float, default=1e-4
        Smallest change that counts as an improvement.
    precision : {"float32", "mixed_bfloat16", "auto", "float64"}, \
            default="float32"
        Numeric precision of training and inference ("auto": bfloat16 where
        the hardware has it natively, else float32).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, dropout, augmentation, shuffling and split.
    verbose : int or bool, default=0
        Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.
    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``.
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks run during training (deep copies for each call).

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    n_features_in_ : int
        Number of values per sample seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple of int
        ``(height, width, channels)`` the network was built for.
    precision_ : str
        The precision the network was built with.
    model_ : keras.Model
        The trained Keras model.
    history_ : dict of str to list of float
        Per-epoch ``loss`` and ``r2_score`` (and ``val_loss``, ``val_r2_score``
        with validation data).
    loss_curve_ : list of float
        Training loss (mean squared error) of each epoch.
    best_loss_ : float or None
        Smallest training loss (None with early stopping).
    validation_scores_ : list of float or None
        Validation R² of each epoch with early stopping, else None.
    best_validation_score_ : float or None
        Best validation R² with early stopping, else None.
    n_iter_ : int
        Epochs trained.

    See Also
    --------
    FashionCNNClassifier : The same network for classes.
    sklearn.neural_network.MLPRegressor : Multi-layer perceptron regressor.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknn_estimators import CNNRegressor
    >>> X, _ = load_digits(return_X_y=True)
    >>> y = X.mean(axis=1) / 16  # each image's mean ink, in [0, 1]
    >>> reg = CNNRegressor(conv_filters=(8,), dense_units=(16,), epochs=10,
    ...                    learning_rate_init=0.003, random_state=0)
    >>> reg = reg.fit(X[:1000] / 16, y[:1000])
    >>> reg.predict(X[1000:1003] / 16).shape
    (3,)
    >>> bool(reg.score(X[1000:] / 16, y[1000:]) > 0.5)
    True
    """

    _output_activation = "linear"

    def _output_units(self, meta):
        return meta["n_outputs_"]
