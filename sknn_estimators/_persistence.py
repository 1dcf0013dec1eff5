"""Saving and loading fitted estimators without pickle.

A saved estimator is one zip file holding ``estimator.json`` (the format name
and version, the package version, the estimator's class, its constructor
parameters and its fitted attributes, as typed JSON: arrays keep their dtype and
shape) and ``model.keras`` (the Keras model in Keras' own format). Writes are
atomic: the file is written under a temporary name in the same folder, flushed
to disk, then renamed over the target.

Nothing in the file is executed on loading, and loading a hostile file ends in
one ``ValueError`` naming it, within bounded memory: the zip's directory is
checked first (only these members, once each, neither encrypted nor compressed
with an unusual method, each under its ``MAX_*`` size); the manifest is JSON
read against a strict schema (plain dtypes, bounded depth, counts and integers);
the Keras model's own zip is checked the same way and its ``config.json``
against the Keras classes the estimator class builds and its layer sizes
against the saved parameters before Keras reads it; the model is then streamed
to a temporary file and loaded under Keras' safe-mode scope, which
``keras.config.enable_unsafe_deserialization()`` cannot switch off; last, the
fitted attributes are checked against the model.

What each class saves, and how it is checked, is declared here (:data:`SCHEMAS`);
an estimator only hands over its state (``_saved_state()``) and takes it back
(``_from_saved_state``). :func:`load_model` finds a class by the module path its
schema names, so this module imports no estimator module.
"""

import contextlib
import importlib
import json
import math
import os
import re
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sknn_estimators._architectures import (
    CNN_KERAS_CLASSES,
    PRESET_COMPILE_CLASSES,
    check_sizes,
    cnn_weight_count,
)

FORMAT = "sknn-estimators.estimator"
FORMAT_VERSION = 1
_MANIFEST = "estimator.json"
_MODEL = "model.keras"


# --------------------------------------------------------------- the schema
#: Fitted attributes of every estimator (the engine's).
_ENGINE = (
    "n_features_in_",
    "precision_",
    "history_",
    "n_iter_",
    "X_dtype_",
    "X_shape_",
    "n_outputs_",
    "n_outputs_expected_",
    "target_encoder_",
    "target_type_",
    "y_dtype_",
    "y_ndim_",
)
_CLASSIFIER = ("classes_", "n_classes_")
#: MLPClassifier's history attributes, which the preset networks record, and
#: their image shape.
_CNN = (
    "loss_curve_",
    "validation_scores_",
    "best_validation_score_",
    "best_loss_",
    "image_shape_",
)
#: Attributes saved as strings: numpy dtypes.
_DTYPES = ("X_dtype_", "y_dtype_")


@dataclass(frozen=True)
class Schema:
    """What one estimator class saves: the module the class lives in, its
    fitted attributes, and the Keras classes its saved model may name (None
    leaves a user's model to Keras' own safe mode and the size limits)."""

    module: str
    attributes: tuple
    keras_classes: frozenset | None = None
    #: Whether the model's output width follows from the targets (a
    #: transformer's model may end in anything).
    output_from_targets: bool = True

    @property
    def classifier(self):
        return "classes_" in self.attributes

    @property
    def cnn(self):
        return "image_shape_" in self.attributes

    def resolve(self, name):
        return getattr(importlib.import_module(self.module), name)


_WRAPPERS = "sknn_estimators.wrappers"
_PRESETS = "sknn_estimators._cnn"
_PRESET_CLASSES = PRESET_COMPILE_CLASSES | CNN_KERAS_CLASSES
#: The classes that ``save`` writes and ``load_model`` reads, by public name.
SCHEMAS = {
    "KerasClassifier": Schema(_WRAPPERS, _ENGINE + _CLASSIFIER),
    "KerasRegressor": Schema(_WRAPPERS, _ENGINE),
    "KerasTransformer": Schema(_WRAPPERS, _ENGINE, output_from_targets=False),
    "FashionCNNClassifier": Schema(
        _PRESETS, _ENGINE + _CLASSIFIER + _CNN, _PRESET_CLASSES
    ),
    "CNNRegressor": Schema(_PRESETS, _ENGINE + _CNN, _PRESET_CLASSES),
}


def _saved_parameters(params):
    """The constructor parameters as JSON can hold them: Python objects (a
    model function, Keras objects, a RandomState) become None, with a warning
    for each kind that the loaded estimator needs set again."""
    params = dict(params)
    if isinstance(params.get("random_state"), np.random.RandomState):
        warnings.warn(
            "random_state is a RandomState instance, which is not saved; the "
            "loaded estimator has random_state=None.",
            stacklevel=4,
        )
        params["random_state"] = None
    if params.get("callbacks"):
        warnings.warn(
            "callbacks are Keras objects, which are not saved; the loaded "
            "estimator has callbacks=None. Set them again with set_params before "
            "training it further.",
            stacklevel=4,
        )
    if "callbacks" in params:
        params["callbacks"] = None
    unsaved = []
    for name, value in params.items():
        try:
            _encode(value)
        except TypeError:
            unsaved.append(name)
    if set(unsaved) - {"model"}:
        warnings.warn(
            f"The parameters {sorted(unsaved)} are Python objects, which are not "
            "saved; the loaded estimator has them None. Set them again with "
            "set_params before training it further.",
            stacklevel=4,
        )
    return {k: (None if k in unsaved else v) for k, v in params.items()}


def _saved_fitted(schema, fitted):
    """The fitted attributes the schema names, as JSON can hold them."""
    from sklearn.preprocessing import FunctionTransformer

    encoder = fitted.get("feature_encoder_")
    if not (type(encoder) is FunctionTransformer and encoder.func is None):
        raise TypeError(
            "save supports the default feature_encoder; pickle an estimator with "
            "a custom one."
        )
    saved = {name: fitted[name] for name in schema.attributes}
    if "feature_names_in_" in fitted:
        saved["feature_names_in_"] = fitted["feature_names_in_"]
    saved["target_encoder_"] = _encoder_state(saved["target_encoder_"])
    for name in _DTYPES:
        saved[name] = saved[name].str
    saved["X_shape_"] = tuple(int(n) for n in saved["X_shape_"])
    return saved


def _loaded_fitted(fitted):
    """The fitted attributes as the estimator holds them (inverse of
    :func:`_saved_fitted`)."""
    from sklearn.preprocessing import FunctionTransformer

    fitted = dict(fitted)
    fitted["target_encoder_"] = _encoder_from_state(fitted["target_encoder_"])
    for name in _DTYPES:
        fitted[name] = np.dtype(fitted[name])
    sample = np.zeros((1, *fitted["X_shape_"][1:]), dtype=fitted["X_dtype_"])
    fitted["feature_encoder_"] = FunctionTransformer().fit(sample)
    return fitted


#: The default target encoders, by class name, and the fitted values each saves.
_ENCODERS = {
    "ClassifierLabelEncoder": {
        "_y_dtype",
        "_one_hot",
        "_target_type",
        "classes_",
        "n_classes_",
        "n_outputs_",
        "n_outputs_expected_",
    },
    "RegressorTargetEncoder": {"_y_ndim", "n_outputs_", "n_outputs_expected_"},
}


def _encoder_state(encoder):
    """The fitted values of a default target encoder, as plain data."""
    from sknn_estimators import _wrapper_encoders

    name = type(encoder).__name__
    if getattr(_wrapper_encoders, name, None) is not type(encoder):
        raise TypeError(
            f"save supports the default target encoders; got {name}. Pickle an "
            "estimator with a custom target_encoder instead."
        )
    state = {
        key: value
        for key, value in vars(encoder).items()
        if key.endswith("_") or key.startswith("_")
    }
    if "_y_dtype" in state:
        state["_y_dtype"] = state["_y_dtype"].str
    params = encoder.get_params()
    if not isinstance(params.get("loss"), str | None):
        params["loss"] = None  # only its one-hot choice matters once fitted
    return {"class": name, "params": params, "state": state}


def _encoder_from_state(saved):
    from sknn_estimators import _wrapper_encoders

    if not isinstance(saved, dict) or set(saved) != {"class", "params", "state"}:
        raise ValueError("target_encoder_ must hold class, params and state")
    if saved["class"] not in _ENCODERS:
        raise ValueError(f"unknown target encoder {_short(saved['class'])}")
    params, state = saved["params"], saved["state"]
    if not isinstance(params, dict) or not isinstance(state, dict):
        raise ValueError("target_encoder_ params and state must be dicts")
    expected = _ENCODERS[saved["class"]]
    if set(state) != expected:
        raise ValueError(
            f"target_encoder_ state has {sorted(state)}, expected {sorted(expected)}"
        )
    encoder = getattr(_wrapper_encoders, saved["class"])(**params)
    for key, value in state.items():
        setattr(encoder, key, np.dtype(value) if key == "_y_dtype" else value)
    return encoder


def _check_state(schema, params, fitted, model):
    """Raise ValueError or TypeError unless ``fitted`` holds what ``save``
    writes for ``schema``, consistent with ``model``.

    :func:`load_model` calls it twice: with ``model=None`` before it reads the
    Keras model (names, types and values among themselves), then with the
    loaded model (values against the model)."""
    expected = set(schema.attributes)
    extra = set(fitted) - expected - {"feature_names_in_"}
    missing = expected - set(fitted)
    if extra or missing:
        raise ValueError(
            f"unexpected {sorted(extra)[:5]}, missing {sorted(missing)[:5]}"
        )
    if params.get("callbacks") is not None:
        raise ValueError("callbacks are never saved; the file sets them")
    for name in ("n_features_in_", "n_outputs_", "n_outputs_expected_", "y_ndim_"):
        if type(fitted[name]) is not int or fitted[name] < 1:
            raise ValueError(f"{name}={fitted[name]!r} is not a positive int")
    if fitted["precision_"] not in ("float32", "float64", "mixed_bfloat16"):
        raise ValueError(f"unknown precision_ {fitted['precision_']!r}")
    if type(fitted["n_iter_"]) is not int or fitted["n_iter_"] < 0:
        raise ValueError(f"n_iter_={fitted['n_iter_']!r} is not a count")
    history = fitted["history_"]
    if not isinstance(history, dict) or not all(
        isinstance(k, str) and _is_float_list(v) for k, v in history.items()
    ):
        raise ValueError("history_ must map names to lists of numbers")
    for name in _DTYPES:
        if not (isinstance(fitted[name], str) and _PLAIN_DTYPE.fullmatch(fitted[name])):
            raise ValueError(f"{name} must be a plain dtype")
    shape = fitted["X_shape_"]
    if not (
        isinstance(shape, tuple)
        and 1 <= len(shape) <= 5
        and all(type(n) is int and n >= 0 for n in shape)
    ):
        raise ValueError(f"X_shape_={_short(shape)} is not a shape")
    if fitted["n_outputs_expected_"] != 1:
        raise ValueError("save supports models with one output")
    if not isinstance(fitted["target_type_"], str):
        raise ValueError("target_type_ must be a string")
    if "loss_curve_" in schema.attributes:
        if not _is_float_list(fitted["loss_curve_"]):
            raise ValueError("loss_curve_ must be a list of numbers")
        scores = fitted["validation_scores_"]
        if scores is not None and not _is_float_list(scores):
            raise ValueError("validation_scores_ must be None or numbers")
        for key in ("best_validation_score_", "best_loss_"):
            if fitted[key] is not None and not _is_number(fitted[key]):
                raise ValueError(f"{key} must be None or a number")
    names = fitted.get("feature_names_in_")
    if names is not None and not (
        isinstance(names, np.ndarray)
        and names.shape == (fitted["n_features_in_"],)
        and all(isinstance(name, str) for name in names.tolist())
    ):
        raise ValueError("feature_names_in_ must hold one name per feature")
    encoder = _encoder_from_state(fitted["target_encoder_"])
    if schema.classifier:
        classes = fitted["classes_"]
        if not isinstance(classes, np.ndarray) or classes.ndim != 1:
            raise ValueError("classes_ must be a 1-D array")
        if len(classes) < 2:
            raise ValueError(f"{len(classes)} classes_; a classifier has 2 or more")
        if classes.dtype != object and len(np.unique(classes)) != len(classes):
            raise ValueError("classes_ are not distinct")
        if not fitted["n_classes_"] == len(encoder.classes_) == len(classes):
            raise ValueError("n_classes_ does not match classes_")
    elif fitted["n_outputs_"] != encoder.n_outputs_:
        raise ValueError("n_outputs_ does not match the target encoder")
    if schema.cnn:
        shape = fitted["image_shape_"]
        if not (
            isinstance(shape, tuple)
            and len(shape) == 3
            and all(type(n) is int and n >= 1 for n in shape)
        ):
            raise ValueError(f"image_shape_={shape!r} is not 3 positive ints")
        if model is not None and shape != tuple(model.input_shape[1:]):
            raise ValueError(
                f"image_shape_={shape} for a model whose input shape is "
                f"{tuple(model.input_shape[1:])}"
            )
        if math.prod(shape) != fitted["n_features_in_"]:
            raise ValueError(
                f"n_features_in_={fitted['n_features_in_']} for images of shape {shape}"
            )
    if model is not None:
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise ValueError("the model must have one input and one output")
        units = _output_units(schema, fitted)
        if schema.output_from_targets and model.output_shape[-1] not in units:
            raise ValueError(
                f"the targets need {' or '.join(map(str, units))} output units; "
                f"the model has {model.output_shape[-1]}"
            )


def _output_units(schema, fitted):
    """The widths of the model's output that the saved targets allow (called
    once ``classes_`` is checked)."""
    if not schema.classifier:
        return (fitted["n_outputs_"],)
    if schema.cnn or fitted["target_type_"] != "binary":
        return (len(fitted["classes_"]),)
    return (1, 2)  # one sigmoid unit or two softmax units


def _check_config(schema, params, fitted, config, max_bytes):
    """Raise ValueError, KeyError or TypeError unless the saved Keras
    ``config`` (already checked against the schema's Keras classes) is the
    network that ``params`` and ``fitted`` build, with weights of at most
    ``max_bytes``; called before Keras reads the model, so that a file cannot
    make Keras allocate more than it declares. Only the CNNs' networks are
    known in advance."""
    if not schema.cnn:
        return
    conv_filters = check_sizes("conv_filters", params["conv_filters"])
    dense_units = check_sizes("dense_units", params["dense_units"])
    (n_outputs,) = _output_units(schema, fitted)
    kernel = params["kernel_size"]
    count = cnn_weight_count(
        fitted["image_shape_"],
        n_outputs,
        conv_filters=conv_filters,
        kernel_size=kernel,
        dense_units=dense_units,
        batch_norm=params["batch_normalization"],
    )
    if count * 4 > max_bytes:
        raise ValueError(
            f"{count:,} weights are more than max_model_bytes={max_bytes:,} allows"
        )
    sizes = {
        "InputLayer": lambda layer: tuple(layer["batch_shape"]),
        "Conv2D": lambda layer: (layer["filters"], tuple(layer["kernel_size"])),
        "Dense": lambda layer: layer["units"],
    }
    found = {name: [] for name in sizes}
    for layer in config["config"]["layers"]:
        name, layer_config = layer["class_name"], layer["config"]
        if name in sizes:
            found[name].append(sizes[name](layer_config))
    expected = {
        "InputLayer": [(None, *fitted["image_shape_"])],
        "Conv2D": [(f, (kernel, kernel)) for f in conv_filters],
        "Dense": [*dense_units, n_outputs],
    }
    if found != expected:
        raise ValueError(
            f"its layers have the sizes {str(found)[:200]}, not {str(expected)[:200]}"
        )


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_float_list(values):
    return isinstance(values, list) and all(_is_number(v) for v in values)


def save_estimator(estimator, path):
    """Write a fitted estimator to ``path`` atomically; see the module notes."""
    from sknn_estimators import __version__
    from sknn_estimators._keras_runtime import model_to_bytes

    name = type(estimator).__name__
    schema = SCHEMAS.get(name)
    if schema is None or schema.resolve(name) is not type(estimator):
        raise TypeError(
            f"save supports the Keras estimators of sknn_estimators "
            f"({', '.join(SCHEMAS)}); got {name}. Pickle a subclass instead."
        )
    if not hasattr(estimator, "model_"):
        raise ValueError(f"This {name} is not fitted yet; fit it before saving.")
    params, fitted, model = estimator._saved_state()
    fitted = _saved_fitted(schema, fitted)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "class": name,
        "params": _encode(_saved_parameters(params)),
        "fitted": _encode(fitted),
    }
    _write_atomically(Path(path), json.dumps(manifest, indent=1), model_to_bytes(model))


def _write_atomically(path, manifest_text, model_bytes):
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot save to {path}: folder {folder} does not exist."
        )
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
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


#: Largest ``estimator.json`` that :func:`load_model` reads, in bytes once
#: decompressed (a saved manifest is a few kilobytes).
MAX_MANIFEST_BYTES = 16 * 2**20
#: Largest Keras model (``model.keras``, and the weights file inside it) that
#: :func:`load_model` reads, in bytes once decompressed.
MAX_MODEL_BYTES = 256 * 2**20
#: Largest ``config.json`` or ``metadata.json`` inside the Keras model, in bytes.
MAX_CONFIG_BYTES = 4 * 2**20
#: Deepest nesting of lists and objects in a JSON member.
MAX_JSON_DEPTH = 32
#: Most values (numbers, strings, lists and objects) in a JSON member.
MAX_JSON_ITEMS = 1_000_000
#: Most digits of an integer in a JSON member.
MAX_INT_DIGITS = 20
#: Longest string an array of a string dtype may hold, in characters.
MAX_STRING_LENGTH = 256
#: Most groups and datasets in the Keras model's weights file.
MAX_WEIGHT_OBJECTS = 100_000

_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_MODEL_UNREADABLE = "the Keras model inside cannot be loaded"
#: The members of Keras' ``.keras`` archive that a saved estimator has.
_KERAS_CONFIG = "config.json"
_KERAS_METADATA = "metadata.json"
_KERAS_WEIGHTS = "model.weights.h5"
_MANIFEST_KEYS = {
    "format",
    "format_version",
    "package_version",
    "class",
    "params",
    "fitted",
}


class _Refused(ValueError):
    """What is wrong with a file, before :func:`load_model` names the file."""


def load_model(
    path, *, max_manifest_bytes=MAX_MANIFEST_BYTES, max_model_bytes=MAX_MODEL_BYTES
):
    """Load an estimator written by the ``save`` method of a Keras estimator.

    Loading runs no code from the file, whoever wrote it: the manifest is
    JSON, read against a strict schema, and the Keras model is checked
    against the layer classes the estimator builds before Keras reads it,
    then loaded under Keras' safe mode, even if
    ``keras.config.enable_unsafe_deserialization()`` was called. Sizes are
    checked before anything is read or written (see the module's ``MAX_*``
    constants and the persistence guide).

    Parameters
    ----------
    path : str or path-like
        The file written by ``save``.
    max_manifest_bytes : int, default=MAX_MANIFEST_BYTES
        Largest ``estimator.json`` read (16 MiB), decompressed.
    max_model_bytes : int, default=MAX_MODEL_BYTES
        Largest Keras model read (256 MiB), decompressed; raise it
        deliberately for a larger network from a source you trust.

    Returns
    -------
    estimator : FashionCNNClassifier, CNNRegressor, ...
        The fitted estimator; it predicts exactly as the saved one did.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        For every other failure: the file is not a regular file, is truncated
        or corrupted, is not an sknn-estimators file, was written by a newer,
        incompatible format version, exceeds a limit, or describes something
        ``save`` never writes. The message names the file and what is wrong.

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
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No saved estimator at {path}.")
    try:
        if not path.is_file():
            raise _Refused("not a regular file.")
        return _load(path, max_manifest_bytes, max_model_bytes)
    except _Refused as exc:
        problem = str(exc)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        problem = f"the file is truncated or corrupted ({exc})."
    except OSError as exc:
        problem = f"it cannot be read ({exc})."
    except MemoryError:
        problem = "loading it needs more memory than is available."
    except RecursionError:
        problem = f"its JSON is nested too deeply (more than {MAX_JSON_DEPTH})."
    except Exception as exc:  # noqa: BLE001 - one error type for any file
        problem = f"it is invalid ({type(exc).__name__}: {exc})."
    raise ValueError(f"Cannot load {path}: {problem}") from None


def _load(path, max_manifest_bytes, max_model_bytes):
    with open(path, "rb") as file, zipfile.ZipFile(file) as archive:
        if _MANIFEST not in archive.namelist():
            raise _Refused(f"not an sknn-estimators file (no {_MANIFEST} inside).")
        limits = {_MANIFEST: max_manifest_bytes, _MODEL: max_model_bytes}
        _check_members(archive, limits)
        manifest = _read_json(archive, _MANIFEST, max_manifest_bytes)
        cls, schema, params, fitted = _read_manifest(manifest)
        with _refusing("the fitted attributes are invalid"):
            _check_state(schema, params, fitted, None)
        if _MODEL not in archive.namelist():
            raise _Refused(f"the Keras model ({_MODEL}) is missing.")
        config = _read_keras_config(archive, max_model_bytes)
        _check_keras_config(config, schema.keras_classes)
        with _refusing("the Keras model does not match the estimator"):
            _check_config(schema, params, fitted, config, max_model_bytes)
        model = _load_keras_model(archive, max_model_bytes)
    with _refusing("the fitted attributes are invalid"):
        _check_state(schema, params, fitted, model)
    return cls._from_saved_state(params, _loaded_fitted(fitted), model)


@contextlib.contextmanager
def _refusing(problem, errors=(KeyError, TypeError, ValueError)):
    """Turn ``errors`` raised inside into a :class:`_Refused` saying ``problem``."""
    try:
        yield
    except errors as exc:
        raise _Refused(f"{problem} ({exc}).") from None


def _read_keras_config(archive, max_model_bytes):
    """The ``config.json`` of the Keras model, once the model's own zip is
    checked as the file's is."""
    with archive.open(_MODEL) as member:
        with _refusing(_MODEL_UNREADABLE, zipfile.BadZipFile):
            inner = zipfile.ZipFile(member)
        with inner:
            limits = {
                _KERAS_CONFIG: MAX_CONFIG_BYTES,
                _KERAS_METADATA: MAX_CONFIG_BYTES,
                _KERAS_WEIGHTS: max_model_bytes,
            }
            _check_members(inner, limits, where=f"{_MODEL}: ")
            if not {_KERAS_CONFIG, _KERAS_WEIGHTS} <= set(inner.namelist()):
                raise _Refused(f"{_MODEL_UNREADABLE} (member missing).")
            return _read_json(inner, _KERAS_CONFIG, MAX_CONFIG_BYTES)


def _check_members(archive, limits, where=""):
    """Refuse members that ``save`` never writes, duplicates, encrypted or
    unusually compressed members and members larger than their limit, from the
    zip's directory alone (nothing is decompressed)."""
    seen = set()
    for info in archive.infolist():
        name = info.filename
        if name not in limits:
            raise _Refused(f"{where}unexpected member {name[:100]!r}.")
        if name in seen:
            raise _Refused(f"{where}member {name!r} appears twice.")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise _Refused(f"{where}member {name!r} is encrypted.")
        if info.compress_type not in _COMPRESSIONS:
            raise _Refused(
                f"{where}member {name!r} uses compression method "
                f"{info.compress_type}; only stored and deflated are read."
            )
        if info.file_size > limits[name]:
            raise _Refused(
                f"{where}member {name!r} holds {info.file_size:,} bytes, more "
                f"than the limit of {limits[name]:,}; pass a larger limit to "
                "load_model (max_manifest_bytes / max_model_bytes) only for a "
                "file you trust."
            )


def _read_json(archive, name, limit):
    with archive.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise _Refused(f"member {name!r} is larger than its limit of {limit:,}.")
    try:
        value = json.loads(data.decode("utf-8"), parse_int=_parse_int)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Refused(f"the file is truncated or corrupted ({exc}).") from None
    except RecursionError:
        raise _Refused(f"{name} is nested too deeply.") from None
    for count, (item, depth) in enumerate(_walk(value), start=1):
        if count > MAX_JSON_ITEMS:
            raise _Refused(f"{name} holds more than {MAX_JSON_ITEMS:,} values.")
        if depth > MAX_JSON_DEPTH and isinstance(item, dict | list):
            raise _Refused(f"{name} is nested more than {MAX_JSON_DEPTH} levels deep.")
    return value


def _parse_int(text):
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(
            f"an integer of {len(text)} digits (at most {MAX_INT_DIGITS} are read)."
        )
    return int(text)


def _walk(value):
    """``(item, depth)`` for every value in parsed JSON, depth first and
    without recursion (a file's depth never reaches Python's stack); a
    container comes before its items are stacked, so a caller can refuse it."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        yield item, depth
        if isinstance(item, dict | list):
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _read_manifest(manifest):
    """``(cls, schema, params, fitted)`` from the parsed manifest, checked."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _Refused("not an sknn-estimators file (unknown format).")
    version = manifest.get("format_version")
    if type(version) is not int or version < 1 or version > FORMAT_VERSION:
        package = manifest.get("package_version")
        raise _Refused(
            f"written in format version {_short(version)} (by sknn-estimators "
            f"{_short(package)}); this version reads format versions up to "
            f"{FORMAT_VERSION}. Upgrade sknn-estimators."
        )
    if set(manifest) != _MANIFEST_KEYS:
        raise _Refused(
            f"{_MANIFEST} has the keys {sorted(map(_short, manifest))}; expected "
            f"{sorted(_MANIFEST_KEYS)}."
        )
    name = manifest["class"]
    if not isinstance(name, str):
        raise _Refused(f'"class" must be a string; got {_short(name)}.')
    schema = SCHEMAS.get(name)
    if schema is None:
        raise _Refused(f"unknown estimator class {_short(name)}.")
    cls = schema.resolve(name)
    params = _decode(manifest["params"])
    fitted = _decode(manifest["fitted"])
    for part, value in (("params", params), ("fitted", fitted)):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise _Refused(f'"{part}" must map names to values.')
    with _refusing("the estimator description is invalid", (TypeError, ValueError)):
        cls(**params)._validate_params()
    return cls, schema, params, fitted


def _short(value):
    """A value from the file for a message, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_keras_config(config, allowed):
    """Refuse a Keras config naming any class outside ``allowed`` (pairs of
    module and class name), before Keras reads it. ``allowed=None`` leaves
    the config to Keras' own safe mode."""
    if allowed is None:
        return
    for item, _ in _walk(config):
        if isinstance(item, dict) and "class_name" in item:
            key = (item.get("module"), item.get("class_name"))
            if key not in allowed or item.get("registered_name") is not None:
                raise _Refused(
                    "the Keras model uses "
                    f"{_short(key[0])}.{_short(key[1])}, which the estimator "
                    "never builds; it is not loaded."
                )


def _check_weights(keras_path):
    """Refuse a weights file whose datasets declare more bytes than the file
    holds (compressed or unwritten chunked datasets that read as gigabytes),
    or that holds anything but plain numeric datasets, before Keras reads it."""
    import h5py

    with zipfile.ZipFile(keras_path) as inner:
        size = inner.getinfo(_KERAS_WEIGHTS).file_size
        with inner.open(_KERAS_WEIGHTS) as member, h5py.File(member, "r") as h5:
            found = []

            def visit(name, item):
                found.append(item)
                return len(found) > MAX_WEIGHT_OBJECTS or None  # True stops h5py

            h5.visititems(visit)
            if len(found) > MAX_WEIGHT_OBJECTS:
                raise _Refused(
                    f"the weights file holds more than {MAX_WEIGHT_OBJECTS:,} objects."
                )
            datasets = [item for item in found if isinstance(item, h5py.Dataset)]
            for item in datasets:
                if item.dtype.kind not in "biuf" or item.compression is not None:
                    raise _Refused(
                        f"the weights file holds the dataset {item.name!r} of "
                        f"dtype {item.dtype} (compression {item.compression}); "
                        "save writes plain uncompressed numbers."
                    )
            declared = sum(item.nbytes for item in datasets)
    if declared > size:
        raise _Refused(
            f"the weights file declares {declared:,} bytes of weights in "
            f"{size:,} bytes."
        )


def _load_keras_model(archive, max_model_bytes):
    """Stream the Keras model to a temporary file and load it in safe mode."""
    from sknn_estimators._keras_runtime import model_from_file

    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "model.keras")
        written = 0
        with archive.open(_MODEL) as source, open(target, "wb") as out:
            while chunk := source.read(2**20):
                written += len(chunk)
                if written > max_model_bytes:
                    raise _Refused(f"{_MODEL} is larger than its declared size.")
                out.write(chunk)
        _check_weights(target)
        try:
            return model_from_file(target)
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:  # Keras raises many kinds for a damaged archive
            raise _Refused(f"{_MODEL_UNREADABLE} ({exc}).") from None


# ------------------------------------------------------------------ typed JSON
_PLAIN_DTYPE = re.compile(r"[<>|=]?(b1|[iu][1248]|f[248]|U[0-9]{1,4})")
_SCALARS = (type(None), bool, int, float, str)


def _encode(value):
    if isinstance(value, _SCALARS):
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
    """The value that :func:`_encode` wrote, read strictly: only the forms it
    writes, arrays of plain dtypes only, with a shape that fits their items."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        raise _Refused(f"unexpected JSON value {_short(value)}.")
    keys = set(value)
    if keys == {"__tuple__"} and isinstance(value["__tuple__"], list):
        return tuple(_decode(v) for v in value["__tuple__"])
    if keys == {"__dict__"} and isinstance(value["__dict__"], list):
        decoded = {}
        for pair in value["__dict__"]:
            if not isinstance(pair, list) or len(pair) != 2:
                raise _Refused("a saved dict holds something other than pairs.")
            key = _decode(pair[0])
            if not isinstance(key, _SCALARS) or key in decoded:
                raise _Refused(f"a saved dict has an invalid key {_short(key)}.")
            decoded[key] = _decode(pair[1])
        return decoded
    if keys == {"__ndarray__", "dtype", "shape"}:
        return _decode_array(value["__ndarray__"], value["dtype"], value["shape"])
    raise _Refused(f"unknown JSON object with keys {_short(sorted(keys))}.")


def _decode_array(items, dtype, shape):
    if not isinstance(items, list) or not all(isinstance(v, _SCALARS) for v in items):
        raise _Refused("a saved array must hold a flat list of plain values.")
    if (
        not isinstance(shape, list)
        or len(shape) > 32
        or not all(type(n) is int and n >= 0 for n in shape)
        or math.prod(shape) != len(items)
    ):
        raise _Refused(
            f"a saved array of {len(items)} values has the shape {_short(shape)}."
        )
    if dtype == "object":  # the items are scalars, so this array is flat
        return np.array(items, dtype=object).reshape(shape)
    if not isinstance(dtype, str) or not _PLAIN_DTYPE.fullmatch(dtype):
        raise _Refused(
            f"a saved array has the dtype {_short(dtype)}; only bool, int, uint, "
            "float and short strings are read."
        )
    dtype = np.dtype(dtype)
    if dtype.kind == "U" and dtype.itemsize // 4 > MAX_STRING_LENGTH:
        raise _Refused(
            f"a saved array holds strings of up to {dtype.itemsize // 4} "
            f"characters; at most {MAX_STRING_LENGTH} are read."
        )
    try:
        return np.array(items, dtype=dtype).reshape(shape)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _Refused(f"a saved array does not fit its dtype ({exc}).") from None
