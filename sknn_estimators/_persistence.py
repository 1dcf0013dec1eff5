"""Saving and loading fitted estimators without pickle.

A saved estimator is one zip file holding

- ``estimator.json``: the format name and version, the package version, the
  estimator's class, its constructor parameters and its fitted attributes, as
  typed JSON (arrays keep their dtype and shape);
- ``model.keras``: the Keras model in Keras' own format.

Nothing in the file is executed on loading: JSON is data, and the Keras model is
loaded with Keras' safe mode on. Writes are atomic: the file is written under a
temporary name in the same folder, flushed to disk, then renamed over the
target, so a crash or a kill during ``save`` leaves the previous file as it was.
"""

import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

FORMAT = "sknn-estimators.estimator"
FORMAT_VERSION = 1
_MANIFEST = "estimator.json"
_MODEL = "model.keras"


def _savable_class(name):
    """The public sknn_estimators class called ``name`` that saves through the
    base class's hooks (``_saved_state`` / ``_from_saved_state``), or None.

    Classes are looked up by name among the public names of the package and
    of :mod:`sknn_estimators.wrappers`, so this
    module imports no estimator module (no import cycle) and a file can name
    nothing else."""
    import sknn_estimators
    import sknn_estimators.wrappers

    if not isinstance(name, str):
        return None
    for module in (sknn_estimators, sknn_estimators.wrappers):
        if name in module.__all__:
            cls = getattr(module, name)
            break
    else:
        return None
    if not isinstance(cls, type) or not hasattr(cls, "_from_saved_state"):
        return None
    return cls


def save_estimator(estimator, path):
    """Write a fitted estimator to ``path`` atomically; see the module notes."""
    from sknn_estimators import __version__
    from sknn_estimators._keras_runtime import model_to_bytes

    name = type(estimator).__name__
    if _savable_class(name) is not type(estimator):
        raise TypeError(
            f"save supports the Keras estimators of sknn_estimators; got {name}."
        )
    if not hasattr(estimator, "model_"):
        raise ValueError(f"This {name} is not fitted yet; fit it before saving.")
    params, fitted, model = estimator._saved_state()
    if isinstance(params.get("random_state"), np.random.RandomState):
        warnings.warn(
            "random_state is a RandomState instance, which is not saved; the "
            "loaded estimator has random_state=None.",
            UserWarning,
            stacklevel=3,
        )
        params["random_state"] = None
    if params.get("callbacks"):
        warnings.warn(
            "callbacks are Keras objects, which are not saved; the loaded "
            "estimator has callbacks=None. Set them again with set_params before "
            "training it further.",
            UserWarning,
            stacklevel=3,
        )
        params["callbacks"] = None
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "class": name,
        "params": _encode(params),
        "fitted": _encode(fitted),
    }
    model_bytes = model_to_bytes(model)
    path = Path(path)
    _write_atomically(path, json.dumps(manifest, indent=1), model_bytes)


def _write_atomically(path, manifest_text, model_bytes):
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot save to {path}: folder {folder} does not exist."
        )
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            with zipfile.ZipFile(
                file, "w", compression=zipfile.ZIP_DEFLATED
            ) as archive:
                archive.writestr(_MANIFEST, manifest_text)
                archive.writestr(_MODEL, model_bytes)
            file.flush()
            os.fsync(file.fileno())
        umask = os.umask(0)  # mkstemp made the file 0600; give it a new file's mode
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def load_model(path):
    """Load an estimator written by the ``save`` method of a Keras estimator.

    Parameters
    ----------
    path : str or path-like
        The file written by ``save``.

    Returns
    -------
    estimator : FashionCNNClassifier, CNNRegressor, ...
        The fitted estimator; it predicts exactly as the saved one did.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is truncated or corrupted, is not an sknn-estimators file,
        or was written by a newer, incompatible format version. The message
        names the file.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import load_iris
    >>> from sknn_estimators import FashionCNNClassifier, load_model
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = FashionCNNClassifier(conv_filters=(4,), dense_units=(8,), epochs=2,
    ...                            random_state=0).fit(X, y)
    >>> folder = tempfile.mkdtemp()
    >>> clf.save(os.path.join(folder, "iris.sknn"))
    >>> twin = load_model(os.path.join(folder, "iris.sknn"))
    >>> bool((twin.predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    from sknn_estimators._keras_runtime import model_from_bytes

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved estimator at {path}.")

    def bad(problem):
        return ValueError(f"Cannot load {path}: {problem}")

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if _MANIFEST not in names:
                raise bad(f"not an sknn-estimators file (no {_MANIFEST} inside).")
            manifest = json.loads(archive.read(_MANIFEST).decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise bad("not an sknn-estimators file (unknown format).")
            version = manifest.get("format_version")
            if not isinstance(version, int) or version > FORMAT_VERSION:
                raise bad(
                    f"written in format version {version!r} (by sknn-estimators "
                    f"{manifest.get('package_version')}); this version reads format "
                    f"versions up to {FORMAT_VERSION}. Upgrade sknn-estimators."
                )
            if _MODEL not in names:
                raise bad(f"the Keras model ({_MODEL}) is missing.")
            model_bytes = archive.read(_MODEL)
    except (
        zipfile.BadZipFile,
        EOFError,
        UnicodeDecodeError,
        json.JSONDecodeError,
    ) as exc:
        raise bad(f"the file is truncated or corrupted ({exc}).") from None

    cls = _savable_class(manifest.get("class"))
    if cls is None:
        raise bad(f"unknown estimator class {manifest.get('class')!r}.")
    try:
        params = _decode(manifest["params"])
        fitted = _decode(manifest["fitted"])
        cls(**params)  # unknown parameter names raise a TypeError here
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(f"the estimator description is invalid ({exc}).") from None
    try:
        model = model_from_bytes(model_bytes)
    except Exception as exc:  # Keras raises many kinds for a damaged archive
        raise bad(f"the Keras model inside cannot be loaded ({exc}).") from None
    return cls._from_saved_state(params, fitted, model)


# ------------------------------------------------------------------ typed JSON
def _encode(value):
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufUO":
            raise TypeError(f"cannot save an array of dtype {value.dtype}")
        return {
            "__ndarray__": [_encode(v) for v in value.ravel().tolist()],
            "dtype": value.dtype.str if value.dtype.kind != "O" else "object",
            "shape": list(value.shape),
        }
    raise TypeError(f"cannot save a value of type {type(value).__name__}")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__ndarray__" in value:
        items = [_decode(v) for v in value["__ndarray__"]]
        array = (
            np.empty(len(items), dtype=object) if value["dtype"] == "object" else None
        )
        if array is None:
            array = np.array(items, dtype=np.dtype(value["dtype"]))
        else:
            array[:] = items
        return array.reshape(value["shape"])
    raise ValueError(f"unknown JSON object with keys {sorted(value)}")
