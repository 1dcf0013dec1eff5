"""The estimators of the commands: made from ``sknn_estimators.PRESETS``,
checked before training, fitted and saved. What differs between estimators is
asked of the estimator (its parameters, its ``fit``'s arguments, its ``save``),
never decided by its type.
"""

import inspect
import time

from sknn_estimators._cli import output
from sknn_estimators._cli.errors import UsageError

#: The parameter that counts passes over the training data, by preference, and
#: the word for one pass: ``epochs`` (the CNNs), else ``max_iter``
#: (MLPClassifier).
ITERATION_PARAMS = {"epochs": "epoch", "max_iter": "iteration"}


def iteration_param(estimator):
    """The name of ``estimator``'s epochs parameter (a key of ITERATION_PARAMS),
    or None.

    >>> from sknn_estimators import PRESETS
    >>> iteration_param(PRESETS["cnn"].make()), iteration_param(PRESETS["deep"].make())
    ('epochs', 'max_iter')
    """
    params = estimator.get_params(deep=False)
    return next((name for name in ITERATION_PARAMS if name in params), None)


def make_estimator(name, *, epochs=None, verbose=None, **params):
    """A new estimator of preset ``name`` with ``params``, checked.

    ``epochs`` sets the estimator's epochs parameter (:func:`iteration_param`);
    ``verbose`` is given as the type of the estimator's own default (a bool for
    MLPClassifier, a level 0-2 for the CNNs). ``None`` leaves a parameter at the
    preset's value.
    """
    from sknn_estimators import PRESETS

    estimator = PRESETS[name].make(**params)
    own = estimator.get_params(deep=False)
    changes = {}
    if epochs is not None:
        name = iteration_param(estimator)
        if name is None:
            raise UsageError(
                f"{type(estimator).__name__} has no parameter that counts epochs "
                f"({' or '.join(ITERATION_PARAMS)})"
            )
        changes[name] = epochs
    if verbose is not None and "verbose" in own:
        default = own["verbose"]
        changes["verbose"] = type(default)(verbose) if default is not None else verbose
    estimator.set_params(**changes)
    check_params(estimator)
    return estimator


def check_params(estimator, origin=None):
    """Check ``estimator``'s parameters against its declared constraints
    (scikit-learn's ``_validate_params``); a UsageError names the bad one.

    ``origin`` (e.g. ``"--param"``) starts the message.
    """
    from sklearn.utils._param_validation import InvalidParameterError

    try:
        estimator._validate_params()
    except InvalidParameterError as exc:
        prefix = f"{origin}: " if origin else ""
        raise UsageError(f"{prefix}{exc}") from None


def fit(estimator, X, y, validation_data):
    """``estimator.fit``, with ``validation_data`` when its ``fit`` takes it; then
    one line: how many epochs (iterations for MLPClassifier) it took, and the
    last epoch's metrics when the estimator records a per-epoch ``history_``.
    Returns the seconds it took."""
    takes = "validation_data" in inspect.signature(estimator.fit).parameters
    tic = time.perf_counter()
    estimator.fit(X, y, **({"validation_data": validation_data} if takes else {}))
    seconds = time.perf_counter() - tic
    word = ITERATION_PARAMS.get(iteration_param(estimator), "iteration")
    line = f"Trained {output.plural(estimator.n_iter_, word)} in {seconds:.1f} s"
    history = getattr(estimator, "history_", None) or {}
    last = ", ".join(f"{k}={v[-1]:.4f}" for k, v in history.items() if v)
    print(f"{line}; last epoch: {last}" if last else line)
    return seconds


def print_summary(estimator):
    """Print the Keras summary of a fitted estimator's network, if it has one."""
    summary = getattr(getattr(estimator, "model_", None), "summary", None)
    if summary is not None:
        print("\nModel summary (the network was built inside fit):", flush=True)
        summary()


def save(estimator, folder):
    """Save a fitted estimator into ``folder``: ``model.sknn`` where it has a
    public ``save`` (the Keras estimators; read it with
    :func:`sknn_estimators.load_model`), otherwise ``model.joblib`` (read it
    with ``joblib.load``, which runs code from the file: load only files you
    trust). Returns the path."""
    if callable(getattr(estimator, "save", None)):
        estimator.save(folder / "model.sknn")
        return folder / "model.sknn"
    import joblib

    joblib.dump(estimator, folder / "model.joblib")
    return folder / "model.joblib"
