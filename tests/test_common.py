"""scikit-learn's common estimator checks over every public estimator.

The expected-failures dict is empty and stays empty: every check must pass.
Small settings come in through constructor arguments only.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn_estimators import MLP_PRESETS, FashionCNNClassifier

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
    # Every MLPClassifier preset, with its own network; tol=0.01 stops training
    # once the loss gains less than 0.01 per epoch, so that the checks' tiny data
    # sets converge (no ConvergenceWarning) in seconds.
    *(preset.make(tol=0.01, random_state=0) for preset in MLP_PRESETS.values()),
]


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
