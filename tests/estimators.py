"""Test helpers: every public estimator, and small settings for the checks.

A module of its own (not conftest), as imbalanced-learn keeps its testing
utilities, so that tests import it explicitly.
"""

import contextlib
import importlib

import pytest
from sklearn.base import BaseEstimator
from sklearn.neural_network import MLPClassifier

from sknn_estimators.wrappers import BaseWrapper

#: Public modules whose ``__all__`` lists estimators.
PUBLIC_MODULES = ("sknn_estimators", "sknn_estimators.wrappers")

#: Small, fast settings of the Keras estimators for scikit-learn's checks.
KERAS_TEST_PARAMS = dict(
    conv_filters=(4,),
    dense_units=(16,),
    learning_rate_init=0.01,
    batch_size=32,
    epochs=20,
    random_state=0,
)
#: The MLPClassifier presets on the checks' tiny data sets: tol=0.01 stops
#: training once the loss gains less than 0.01 an epoch (converged in seconds,
#: no ConvergenceWarning); batch_size="auto" and early_stopping=False because a
#: batch of 128 or a 10% validation split cannot come from a few samples
#: (MLPClassifier fails the same checks then).
MLP_TEST_PARAMS = dict(
    tol=0.01, batch_size="auto", early_stopping=False, random_state=0
)
#: Where integer sample weights equal repeated rows exactly (to float64
#: rounding): one batch holding every sample, no shuffling, float64, and SGD,
#: whose steps are proportional to the gradient (Adam divides each gradient by
#: its running scale, which turns the rounding noise of gradients that are
#: mathematically zero into full-size steps).
KERAS_EXACT_WEIGHT_PARAMS = dict(
    precision="float64", batch_size=4096, shuffle=False, solver="sgd"
)


def dense_model(meta, compile_kwargs, hidden_units=16, learning_rate=0.03):
    """A small Dense network for whatever target a wrapper was given, compiled
    with the wrapper's optimizer (at ``learning_rate``), as scikeras' tutorials
    build theirs from ``meta``."""
    import keras

    # Loss objects made here take the wrapper's precision (a string loss would
    # be made by Keras at the first fit step, in float32).
    target = meta["target_type_"] if "n_classes_" in meta else "continuous"
    if target == "binary":
        units, activation, loss = 1, "sigmoid", keras.losses.BinaryCrossentropy()
    elif target == "multiclass":
        units, activation = meta["n_classes_"], "softmax"
        loss = keras.losses.SparseCategoricalCrossentropy()
    elif target == "multilabel-indicator":
        units, activation = meta["n_classes_"], "sigmoid"
        loss = keras.losses.BinaryCrossentropy()
    else:
        units, activation = meta["n_outputs_"], "linear"
        loss = keras.losses.MeanSquaredError()
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden_units, activation="relu"),
            keras.layers.Dense(units, activation=activation),
        ]
    )
    optimizer = compile_kwargs["optimizer"]
    optimizer.learning_rate = learning_rate
    model.compile(optimizer=optimizer, loss=loss)
    return model


#: Small settings of the wrappers for the checks: constructor arguments only
#: (an extra or routed parameter is stored as an attribute not named in
#: ``__init__``, which ``check_no_attributes_set_in_init`` refuses).
WRAPPER_TEST_PARAMS = dict(
    model=dense_model,
    optimizer="adam",
    batch_size=32,
    epochs=20,
    verbose=0,
    random_state=0,
)
#: The wrappers' float64 full-batch configuration (see KERAS_EXACT_WEIGHT_PARAMS).
WRAPPER_EXACT_WEIGHT_PARAMS = dict(
    precision="float64", batch_size=-1, shuffle=False, optimizer="sgd"
)


def public_estimators():
    """Every public estimator class, found in the public modules' ``__all__``
    (scikit-learn's ``all_estimators`` pattern), sorted by name."""
    found = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("Base"):  # base classes, as all_estimators skips them
                continue
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, BaseEstimator):
                found[name] = obj
    return [found[name] for name in sorted(found)]


def keras_estimators():
    """The public estimators that run a Keras network (the wrappers and their
    subclasses), not the MLP presets (scikit-learn's MLPClassifier)."""
    return [cls for cls in public_estimators() if issubclass(cls, BaseWrapper)]


def _is_preset_network(cls):
    """A wrapper subclass that supplies its own network (the CNNs)."""
    return issubclass(cls, BaseWrapper) and hasattr(cls, "_keras_build_fn")


def small_instance(cls):
    """An instance of ``cls`` with settings that suit the checks' tiny data."""
    if _is_preset_network(cls):
        return cls(**KERAS_TEST_PARAMS)
    if issubclass(cls, BaseWrapper):
        return cls(**WRAPPER_TEST_PARAMS)
    if issubclass(cls, MLPClassifier):
        return cls(**MLP_TEST_PARAMS)
    return cls()


def exact_weight_config(estimator):
    """The parameters under which ``estimator``'s sample weights are exactly
    repeated rows, or None where its default configuration already is."""
    if _is_preset_network(type(estimator)):
        return KERAS_EXACT_WEIGHT_PARAMS
    if isinstance(estimator, BaseWrapper):
        return WRAPPER_EXACT_WEIGHT_PARAMS
    return None


def float64_enabled():
    """A block in which Keras' backend computes in float64, for the exact
    weight checks' float64 configuration: JAX's 64-bit mode on JAX (off by
    default; ``precision="float64"`` refuses to fit without it), nothing on
    TensorFlow. On PyTorch the check is skipped: Keras computes float64 layers
    in float32 there, so the equivalence holds to float32 rounding only, and
    ``precision="float64"`` refuses to fit."""
    import keras

    backend = keras.backend.backend()
    if backend == "torch":
        pytest.skip("Keras' PyTorch backend computes float64 layers in float32")
    if backend != "jax":
        return contextlib.nullcontext()
    import jax

    return jax.enable_x64(True)
