"""Package settings, as scikit-learn's ``set_config`` / ``config_context``.

Settings are per thread (a thread starts with the defaults), like
scikit-learn's own configuration.
"""

import contextlib
import importlib.util
import threading

_DEFAULTS = {"onnxruntime_predict": False, "reuse_compiled": True}
_LOCAL = threading.local()


def get_config():
    """The current settings of sknn_estimators.

    Returns
    -------
    config : dict
        ``{"onnxruntime_predict": bool, "reuse_compiled": bool}``; see
        :func:`set_config`.

    Examples
    --------
    >>> from sknn_estimators import get_config
    >>> get_config()["onnxruntime_predict"]
    False
    """
    return {**_DEFAULTS, **getattr(_LOCAL, "config", {})}


def set_config(onnxruntime_predict=None, reuse_compiled=None):
    """Change settings of sknn_estimators for the current thread.

    Parameters
    ----------
    onnxruntime_predict : bool, default=None
        Predict batches of up to 32 rows through ONNX Runtime instead of
        TensorFlow: several times faster per call for one row, and within
        1e-5 of TensorFlow's outputs, which means a row's prediction can
        differ by up to 1e-5 depending on the size of the batch it comes in
        (scikit-learn's ``check_methods_subset_invariance`` asks for 1e-7, so
        this is off by default). Needs the ``onnx`` extra
        (``pip install sknn-estimators[onnx]``); on Keras' TensorFlow backend
        only (elsewhere it has no effect). None leaves it unchanged.
    reuse_compiled : bool, default=None
        Reuse the compiled model (and its traced training and prediction
        functions) of an estimator that is gone for a new fit of the same
        network structure, as the clones of a grid search are (on by
        default; see :func:`clear_compiled_cache`). The fit is the same, bit
        for bit. None leaves it unchanged.

    See Also
    --------
    config_context : The same settings within a ``with`` block.

    Examples
    --------
    >>> from sknn_estimators import get_config, set_config
    >>> set_config(onnxruntime_predict=False)
    >>> get_config()["onnxruntime_predict"]
    False
    """
    given = dict(onnxruntime_predict=onnxruntime_predict, reuse_compiled=reuse_compiled)
    changes = {name: value for name, value in given.items() if value is not None}
    for name, value in changes.items():
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False; got {value!r}.")
        if name == "onnxruntime_predict" and value:
            _require_onnx_extra()
    _LOCAL.config = {**get_config(), **changes}


@contextlib.contextmanager
def config_context(*, onnxruntime_predict=None, reuse_compiled=None):
    """Settings of sknn_estimators within a ``with`` block (this thread only).

    Parameters
    ----------
    onnxruntime_predict : bool, default=None
        See :func:`set_config`.
    reuse_compiled : bool, default=None
        See :func:`set_config`.

    Examples
    --------
    >>> from sknn_estimators import config_context, get_config
    >>> with config_context(onnxruntime_predict=False):
    ...     get_config()["onnxruntime_predict"]
    False
    """
    before = get_config()
    set_config(onnxruntime_predict=onnxruntime_predict, reuse_compiled=reuse_compiled)
    try:
        yield
    finally:
        _LOCAL.config = before


def _require_onnx_extra():
    missing = [
        name
        for name in ("onnxruntime", "onnx", "tf2onnx")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ImportError(
            f"onnxruntime_predict needs {', '.join(missing)}: install them with "
            "pip install sknn-estimators[onnx]."
        )


def clear_compiled_cache():
    """Drop the idle compiled models kept for reuse (see ``reuse_compiled`` in
    :func:`set_config`), freeing their memory; at most 8 are kept.

    Examples
    --------
    >>> from sknn_estimators import clear_compiled_cache
    >>> clear_compiled_cache()
    """
    from sknn_estimators import _compiled_cache

    _compiled_cache.clear()
