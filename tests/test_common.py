"""scikit-learn's common estimator checks over every public estimator.

The estimators are found by :func:`tests.estimators.public_estimators`, not
listed by hand, so a new estimator is checked from its first day. No check
is marked as an expected failure: every check must pass. Small
settings come in through constructor arguments only.

One check runs under another configuration, as scikit-learn itself does for
``MLPClassifier`` (whose exact check uses full-batch ``lbfgs``):
``check_sample_weight_equivalence_on_dense_data`` (and ``..._on_sparse_data``
for the wrappers, which take sparse ``X``) asks that integer sample
weights give the same model as repeated rows, to float rounding. With
mini-batches that cannot hold (the batches differ), so that check runs with
one batch holding every sample, in float64 and without shuffling
(``tests.estimators.KERAS_EXACT_WEIGHT_PARAMS``), where the equivalence holds
mathematically; the user guide documents it. On Keras' JAX backend, float64
needs JAX's 64-bit mode, so that check runs inside ``jax.enable_x64``; Keras'
PyTorch backend computes float64 layers in float32 (keras-team/keras#23704,
open), so there it is skipped
(``tests.estimators.float64_enabled``).
"""

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import estimator_checks_generator

from tests.estimators import (
    exact_weight_config,
    float64_enabled,
    keras_estimators,
    public_estimators,
    small_instance,
)

#: Checks that run under ``exact_weight_config`` where an estimator has one.
EXACT_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
}


def checked_estimators():
    """Every public estimator; on Keras' JAX and PyTorch backends, the Keras
    ones (the MLP presets are scikit-learn's MLPClassifier: no backend runs
    them, and the TensorFlow session checks them)."""
    import keras

    if keras.backend.backend() == "tensorflow":
        return public_estimators()
    return keras_estimators()


def check_name(check):
    return getattr(check, "func", check).__name__


def every_check():
    """scikit-learn's checks for each estimator, named ``Class-check`` (the
    estimators' reprs name model functions by address, which differs between
    pytest-xdist's workers)."""
    for cls in checked_estimators():
        for estimator, check in estimator_checks_generator(small_instance(cls)):
            name = f"{cls.__name__}-{check_name(check)}"
            yield pytest.param(estimator, check, id=name)


@pytest.mark.parametrize("estimator, check", list(every_check()))
def test_sklearn_compatible_estimator(estimator, check):
    config = exact_weight_config(estimator)
    if check_name(check) in EXACT_WEIGHT_CHECKS and config is not None:
        with float64_enabled():
            check(clone(estimator).set_params(**config))
    else:
        check(estimator)
