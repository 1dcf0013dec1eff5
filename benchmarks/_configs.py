"""Every configuration the benchmarks compare, defined once."""

#: Shared by every contender of the training and inference benchmarks.
BATCH_SIZE = 64
LEARNING_RATE = 1e-3
#: Epochs of the tutorial notebook, used for the accuracy comparison.
NOTEBOOK_EPOCHS = 20
#: The fixed stratified split of the accuracy comparison.
TEST_SIZE = 0.15
SPLIT_SEED = 0
#: Parameters of every CNN in the accuracy comparison besides its own.
CNN_SEED = 0
#: The cross-validation protocol (``python -m benchmarks.cross_validate``):
#: stratified folds, shuffled once with this seed; choices are made on a
#: stratified validation part (``INNER_VALIDATION_SIZE``) of each training fold.
CV_FOLDS = 5
CV_SEED = 0
INNER_VALIDATION_SIZE = 0.15


#: The package's preset that the regularised CNN benchmarks and the
#: cross-validation targets are about, and its targets: a mean cross-validated
#: accuracy of at least ``ACCURACY_TARGET`` with at most ``TIME_BUDGET`` times
#: the tutorial network's (float32) fit time.
REGULARISED_PRESET = "cnn-regularised"
ACCURACY_TARGET = 0.91
TIME_BUDGET = 2.0


def regularised_params():
    """The regularised CNN's parameters and where they come from.

    The package's preset, ``sknn_estimators.PRESETS["cnn-regularised"]``, is the
    one place they are defined. Returns ``(params, source)``, or
    ``(None, reason)`` for a package without it.
    """
    try:
        from sknn_estimators import PRESETS
    except ImportError:
        PRESETS = {}
    preset = PRESETS.get(REGULARISED_PRESET)
    if preset is not None:
        return dict(preset.params), f'sknn_estimators.PRESETS["{REGULARISED_PRESET}"]'
    return None, f"no PRESETS['{REGULARISED_PRESET}'] in the package"
