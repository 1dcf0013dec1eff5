"""scikit-learn's common estimator checks over every public estimator.

The expected-failures dict is empty and stays empty: every check must pass.
Small settings come in through constructor arguments only.
"""

from sklearn.neural_network import MLPClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn_estimators import PRESETS, FashionCNNClassifier

EXPECTED_FAILED_CHECKS = {}

ESTIMATORS = [
    FashionCNNClassifier(
        conv_filters=(4,),
        dense_units=(16,),
        learning_rate_init=0.01,
        batch_size=32,
        epochs=20,
        random_state=0,
    ),
    # Every MLPClassifier preset, with its own network. For the checks' tiny data
    # sets: tol=0.01 stops training once the loss gains less than 0.01 an epoch
    # (converged in seconds, no ConvergenceWarning); batch_size="auto" and
    # early_stopping=False because a batch of 128 or a 10% validation split
    # cannot come from a few samples (MLPClassifier fails the same checks then).
    *(
        preset.make(tol=0.01, batch_size="auto", early_stopping=False, random_state=0)
        for preset in PRESETS.values()
        if issubclass(preset.estimator, MLPClassifier)
    ),
]


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
