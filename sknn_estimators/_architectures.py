"""Pure Keras model builders: no scikit-learn here.

Every random piece of a model (weight initialisers, dropout masks, augmentation)
gets its own integer seed drawn from ``seed``, so that a model built twice with
the same seed is the same model, without touching any process-wide random state.
"""

from numbers import Integral

import numpy as np

#: The Keras classes, as ``(module, class name)``, that compiling a preset
#: network adds to its saved config (optimizers, the learning-rate schedule,
#: metrics, losses).
PRESET_COMPILE_CLASSES = frozenset(
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
#: The Keras classes, as ``(module, class name)`` in a saved ``config.json``,
#: that :func:`build_cnn` can put in a model. Loading a saved CNN refuses any
#: other class before Keras reads the model; keep it in step with build_cnn.
CNN_KERAS_CLASSES = frozenset(
    {
        ("keras", "Sequential"),
        ("keras", "DTypePolicy"),
        ("keras.layers", "InputLayer"),
        ("keras.layers", "Rescaling"),
        ("keras.layers", "RandomFlip"),
        ("keras.layers", "RandomTranslation"),
        ("keras.layers", "Conv2D"),
        ("keras.layers", "BatchNormalization"),
        ("keras.layers", "LeakyReLU"),
        ("keras.layers", "MaxPooling2D"),
        ("keras.layers", "Dropout"),
        ("keras.layers", "Flatten"),
        ("keras.layers", "Dense"),
        ("keras.initializers", "GlorotUniform"),
        ("keras.initializers", "Zeros"),
        ("keras.initializers", "Ones"),
        ("keras.regularizers", "L2"),
    }
)


def cnn_weight_count(
    input_shape, n_outputs, *, conv_filters, kernel_size, dense_units, batch_norm
):
    """The number of weights :func:`build_cnn` creates for these sizes (without
    the optimizer's state), computed without building anything."""
    height, width, channels = input_shape
    count = 0
    for filters in conv_filters:
        count += kernel_size * kernel_size * channels * filters + filters
        count += 4 * filters if batch_norm else 0
        channels = filters
        height, width = -(-height // 2), -(-width // 2)
    units_in = height * width * channels
    for units in dense_units:
        count += units_in * units + units + (4 * units if batch_norm else 0)
        units_in = units
    return count + units_in * n_outputs + n_outputs


def build_cnn(
    input_shape,
    n_outputs,
    *,
    output_activation="softmax",
    input_scale=None,
    conv_filters=(32, 64, 128),
    kernel_size=3,
    dense_units=(128,),
    negative_slope=0.1,
    dropout=0.0,
    batch_normalization=False,
    l2=0.0,
    augmentation=False,
    dtype_policy="float32",
    pool_before_activation=False,
    seed=None,
):
    """Build the tutorial's Fashion-MNIST CNN (or a variant of it).

    Each convolution block is ``Conv2D(filters, kernel_size, padding="same")``,
    optional ``BatchNormalization``, ``LeakyReLU(negative_slope)``,
    ``MaxPooling2D(2, padding="same")`` (these two swapped by
    ``pool_before_activation``) and optional ``Dropout``. Then
    ``Flatten``, one ``Dense`` + ``LeakyReLU`` (+ ``Dropout``) per entry of
    ``dense_units``, and an output ``Dense(n_outputs)`` (softmax for a
    classifier, linear for a regressor), kept in float32 under mixed precision.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of one image.
    n_outputs : int
        Number of output units.
    output_activation : str, default="softmax"
        Activation of the output layer: "softmax" (class probabilities) or
        "linear" (regression).
    input_scale, conv_filters, kernel_size, dense_units, negative_slope, \
dropout, batch_normalization, augmentation
        As the parameters of :class:`~sknn_estimators.FashionCNNClassifier`,
        which checks them (``dropout``: one rate, or one per block). A rate
        of 0 adds no ``Dropout`` layer, ``input_scale=None`` no ``Rescaling``.
    l2 : float, default=0.0
        L2 penalty factor on the kernels of every convolution and dense layer.
    dtype_policy : str, default="float32"
        Keras dtype policy of the hidden layers, e.g. ``"mixed_bfloat16"`` or
        ``"float64"``. It is set on this model's layers only, never as the
        global policy. Under ``"float64"`` the input and output are float64
        too; otherwise they are float32.
    pool_before_activation : bool, default=False
        Put each block's ``MaxPooling2D`` before its ``LeakyReLU`` instead of
        after it. The model computes the same function (the activation is
        non-decreasing when ``negative_slope >= 0``, so the maximum of the
        activated values is the activated maximum); the activation runs on a
        quarter of the values.
    seed : int or None, default=None
        Seed from which every layer's seed is drawn.

    Returns
    -------
    model : keras.Sequential
        The uncompiled model.
    """
    import keras

    rng = np.random.RandomState(seed)

    def next_seed():
        return int(rng.randint(np.iinfo(np.int32).max))

    n_blocks = len(conv_filters) + len(dense_units)
    rates = (
        tuple(dropout) if isinstance(dropout, tuple | list) else (dropout,) * n_blocks
    )
    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    full_dtype = "float64" if dtype_policy == "float64" else "float32"

    def dense_kwargs(dtype=dtype_policy):
        return dict(
            kernel_initializer=keras.initializers.GlorotUniform(seed=next_seed()),
            kernel_regularizer=regularizer,
            dtype=dtype,
        )

    def normalisation():  # a list of zero or one layer
        if batch_normalization:
            return [keras.layers.BatchNormalization(dtype=dtype_policy)]
        return []

    def activation():
        return keras.layers.LeakyReLU(negative_slope=negative_slope, dtype=dtype_policy)

    def dropout_layer(rate):  # a list of zero or one layer
        if rate > 0:
            return [keras.layers.Dropout(rate, seed=next_seed(), dtype=dtype_policy)]
        return []

    layers = [keras.Input(shape=tuple(input_shape), dtype=full_dtype)]
    if input_scale is not None:
        layers.append(keras.layers.Rescaling(input_scale, dtype=full_dtype))
    if augmentation in (True, "flips"):
        layers.append(keras.layers.RandomFlip("horizontal", seed=next_seed()))
    if augmentation in (True, "shifts"):
        layers.append(
            keras.layers.RandomTranslation(
                0.1, 0.1, fill_mode="constant", seed=next_seed()
            )
        )
    for filters, rate in zip(conv_filters, rates, strict=False):
        conv = keras.layers.Conv2D(
            filters, kernel_size, padding="same", **dense_kwargs()
        )
        pool = keras.layers.MaxPooling2D(2, padding="same", dtype=dtype_policy)
        if batch_normalization == "after_pooling":
            # Conv, pool, normalise, activate: the activation is non-decreasing,
            # so activating before or after this pooling is the same.
            layers += [conv, pool, *normalisation(), activation()]
        elif pool_before_activation:
            layers += [conv, *normalisation(), pool, activation()]
        else:
            layers += [conv, *normalisation(), activation(), pool]
        layers += dropout_layer(rate)
    layers.append(keras.layers.Flatten(dtype=dtype_policy))
    for units, rate in zip(dense_units, rates[len(conv_filters) :], strict=False):
        layers.append(keras.layers.Dense(units, **dense_kwargs()))
        layers += [*normalisation(), activation(), *dropout_layer(rate)]
    layers.append(
        keras.layers.Dense(
            n_outputs, activation=output_activation, **dense_kwargs(full_dtype)
        )
    )
    return keras.Sequential(layers, name="fashion_cnn")


def check_sizes(name, value):
    """A tuple of ints >= 1 from a tuple or list parameter, or a ValueError."""
    if not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in value
    ):
        raise ValueError(
            f"`{name}` must be a tuple of ints >= 1, got {tuple(value)!r}."
        )
    return tuple(int(v) for v in value)
