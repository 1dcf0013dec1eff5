"""Export of a fitted estimator, or of a pipeline of affine scalers ending in
one, as one graph: ONNX or a TensorFlow SavedModel.

The graph is a Keras model built around the estimator's network: 2-D float32
rows in (the rows ``predict`` takes), the scalers' scale and offset, the
reshape the estimator does, the network, and what ``predict_proba`` (a
classifier) or ``predict`` (a regressor) makes of its output. Keras' own
``Model.export`` writes it (through tf2onnx for ONNX); nothing here rewrites a
graph. The class labels and the input description go beside it: into the ONNX
file's ``metadata_props`` and into ``assets.extra/sknn_estimators.json`` of a
SavedModel, as JSON.

Nothing here imports TensorFlow, Keras or ONNX at module level.
"""

import json
import os
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils.validation import check_is_fitted

from sknn_estimators._keras_runtime import import_keras

FORMATS = ("onnx", "tf_saved_model")
#: The key of the description in ONNX ``metadata_props``, and the name of the
#: JSON file in a SavedModel's ``assets.extra``.
METADATA_KEY = "sknn_estimators"
_SAVED_MODEL_DESCRIPTION = f"assets.extra/{METADATA_KEY}.json"
INPUT_NAME = "X"
#: The scikit-learn preprocessing steps a pipeline export folds into the graph.
AFFINE_STEPS = ("StandardScaler", "MinMaxScaler", "MaxAbsScaler")


class NotExportableError(ValueError):
    """An estimator or pipeline that cannot be exported as one graph.

    Attributes
    ----------
    names : list of str
        What stands in the way: pipeline steps, or the estimator's parts.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.pipeline import make_pipeline
    >>> from sknn_estimators import (
    ...     FashionCNNClassifier, NotExportableError, export_pipeline)
    >>> pipeline = make_pipeline(PCA(), FashionCNNClassifier())
    >>> try:
    ...     export_pipeline(pipeline, "model.onnx")
    ... except NotExportableError as error:
    ...     print(error.names)
    ['pca']
    """

    def __init__(self, message, names=()):
        super().__init__(message)
        self.names = list(names)


def export(estimator, path, *, format="onnx", preprocessing=(), feature_names=None):
    """Write the serving graph of ``estimator`` to ``path``; return its
    description (the dict written beside it). ``preprocessing`` is a list of
    ``(name, scaler)`` applied to the rows first."""
    if format not in FORMATS:
        raise ValueError(
            f"format must be one of {', '.join(map(repr, FORMATS))}; got {format!r}."
        )
    if format == "tf_saved_model" and import_keras().backend.backend() == "torch":
        raise ValueError(
            "format='tf_saved_model' exports from Keras' TensorFlow or JAX "
            "backend; on its PyTorch backend, export format='onnx'."
        )
    check_is_fitted(estimator)
    scale, offset, clip = _fold_affine(preprocessing, estimator.n_features_in_)
    model = serving_model(estimator, scale=scale, offset=offset, clip=clip)
    path = os.fspath(path)
    with warnings.catch_warnings():
        # Keras' tf2onnx patch for NumPy 2 reads np.object, which NumPy 2
        # warns about; on PyTorch, its tracer notes the Python values of
        # Keras' own shape checks, fixed for the exported input shape. Keras'
        # to fix, nothing a user can act on.
        warnings.filterwarnings(
            "ignore", message=r"In the future `np\.object`", category=FutureWarning
        )
        warnings.filterwarnings("ignore", message=r"Converting a tensor to a Python")
        model.export(path, format=format, verbose=False)
    steps = [name for name, _ in preprocessing]
    if format == "tf_saved_model":
        description = _description(estimator, format, "output_0", steps, feature_names)
        file = Path(path, _SAVED_MODEL_DESCRIPTION)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(description, indent=2))
        return description
    import onnx

    onnx_model = onnx.load(path)
    output_name = onnx_model.graph.output[0].name
    description = _description(estimator, format, output_name, steps, feature_names)
    entry = onnx_model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(description, indent=2)
    onnx.save(onnx_model, path)
    return description


def export_pipeline(pipeline, path, *, format="onnx"):
    """Export a :class:`~sklearn.pipeline.Pipeline` of affine scalers followed
    by one of our estimators as one graph.

    The scalers (``StandardScaler``, ``MinMaxScaler``, ``MaxAbsScaler``) are
    folded into one scale and offset applied to the rows before the network, so
    that the deployed graph needs neither scikit-learn nor this package.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline: affine scalers, then a Keras-backed estimator of
        this package (a CNN or a wrapper of :mod:`sknn_estimators.wrappers`).
    path : str or path-like
        Where to write: an ``.onnx`` file, or a SavedModel directory.
    format : {"onnx", "tf_saved_model"}, default="onnx"
        The format of the graph.

    Returns
    -------
    description : dict
        The input and output description written beside the graph (see
        :meth:`~sknn_estimators.FashionCNNClassifier.export`).

    Raises
    ------
    NotExportableError
        When a step is not one of the affine scalers, naming the steps.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknn_estimators import FashionCNNClassifier, export_pipeline
    >>> X, y = load_digits(return_X_y=True)
    >>> pipeline = make_pipeline(
    ...     StandardScaler(),
    ...     FashionCNNClassifier(conv_filters=(4,), dense_units=(8,), epochs=1,
    ...                          random_state=0),
    ... ).fit(X[:100], y[:100])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     description = export_pipeline(
    ...         pipeline, os.path.join(folder, "digits"), format="tf_saved_model")
    >>> description["preprocessing"], description["input"]["image_shape"]
    (['standardscaler'], [8, 8, 1])
    """
    *preprocessing, (last_name, estimator) = pipeline.steps
    kept = [(n, s) for n, s in preprocessing if s not in ("passthrough", None)]
    refused = [(n, s) for n, s in kept if type(s).__name__ not in AFFINE_STEPS]
    if refused:
        listed = ", ".join(f"{n} ({type(s).__name__})" for n, s in refused)
        raise NotExportableError(
            f"export_pipeline folds only {', '.join(AFFINE_STEPS)} into the graph; "
            f"the pipeline also has {listed}. Export the estimator alone and run "
            "these steps before the exported graph.",
            names=[n for n, _ in refused],
        )
    if not hasattr(estimator, "_export_problems"):
        raise NotExportableError(
            "export_pipeline takes a pipeline ending in a Keras-backed estimator "
            f"of sknn_estimators; the last step is {type(estimator).__name__}.",
            names=[last_name],
        )
    return export(
        estimator,
        path,
        format=format,
        preprocessing=kept,
        feature_names=getattr(pipeline, "feature_names_in_", None),
    )


def _fold_affine(preprocessing, n_features):
    """The scalers as one ``x * scale + offset`` (float64 arrays or None), and
    the ``(low, high)`` clip of a last ``MinMaxScaler(clip=True)``, or None."""
    scale = np.ones(n_features)
    offset = np.zeros(n_features)
    clip = None
    for name, step in preprocessing:
        check_is_fitted(step)
        kind = type(step).__name__
        if clip is not None:
            raise NotExportableError(
                "a MinMaxScaler with clip=True must be the last scaler of an "
                f"exported pipeline; {name} follows it.",
                names=[name],
            )
        if kind == "StandardScaler":
            # mean_ is set even with with_mean=False, which transform ignores
            step_scale = 1 / step.scale_ if step.with_std else 1.0
            step_offset = -step.mean_ * step_scale if step.with_mean else 0.0
        elif kind == "MinMaxScaler":
            step_scale, step_offset = step.scale_, step.min_
            if step.clip:
                clip = tuple(float(v) for v in step.feature_range)
        else:  # MaxAbsScaler
            step_scale, step_offset = 1 / step.scale_, np.zeros(n_features)
        scale, offset = scale * step_scale, offset * step_scale + step_offset
    if not preprocessing:
        return None, None, None
    return scale, offset, clip


def serving_model(estimator, *, scale=None, offset=None, clip=None):
    """A Keras model from 2-D float32 rows to what ``predict_proba`` (a
    classifier) or ``predict`` (a regressor) returns, built around the fitted
    network of ``estimator`` (whose weights it shares)."""
    keras = import_keras()
    ops = keras.ops
    problems = estimator._export_problems()
    if problems:
        raise NotExportableError(
            f"{type(estimator).__name__} exports a model of one input and one "
            "output with the default feature and target encoders; this one "
            f"has its own {', '.join(problems)}.",
            names=problems,
        )
    network = estimator.model_
    inputs = keras.Input((estimator.n_features_in_,), dtype="float32", name=INPUT_NAME)
    x = inputs
    if scale is not None:
        scale32 = scale.astype(np.float32)
        offset32 = offset.astype(np.float32)

        def affine(rows):
            rows = rows * scale32 + offset32
            return rows if clip is None else ops.clip(rows, *clip)

        x = keras.layers.Lambda(affine, name="preprocessing")(x)
    shape = tuple(network.input_shape[1:])
    dtype = network.inputs[0].dtype

    def to_network(rows):
        return ops.cast(ops.reshape(rows, (-1, *shape)), dtype)

    x = keras.layers.Lambda(to_network, name="network_input")(x)

    def to_output(out):
        return estimator._serving_output(ops, ops.cast(out, "float32"))

    outputs = keras.layers.Lambda(to_output, name="output")(network(x))
    model = keras.Model(inputs, outputs, name="serving")
    model(np.zeros((2, estimator.n_features_in_), np.float32))  # export needs a call
    return model


def _description(estimator, format, output_name, preprocessing, feature_names):
    from sklearn.base import is_classifier

    classifier = is_classifier(estimator)
    names = feature_names
    if names is None:
        names = getattr(estimator, "feature_names_in_", None)
    image_shape = getattr(estimator, "image_shape_", None)
    description = {
        "estimator": type(estimator).__name__,
        "format": format,
        "input": {
            "name": INPUT_NAME,
            "dtype": "float32",
            "shape": [None, int(estimator.n_features_in_)],
            "n_features_in": int(estimator.n_features_in_),
            "image_shape": None if image_shape is None else list(image_shape),
            "feature_names_in": None if names is None else [str(n) for n in names],
        },
        "output": {
            "name": output_name,
            "signature": "serving_default" if format == "tf_saved_model" else None,
            "returns": "predict_proba" if classifier else "predict",
        },
        "preprocessing": list(preprocessing),
    }
    if classifier:
        description["classes"] = [_json_value(c) for c in estimator.classes_]
    return description


def _json_value(value):
    value = value.item() if isinstance(value, np.generic) else value
    return value if isinstance(value, int | float | str | bool) else str(value)


def read_description(path):
    """The description written beside an export (an ``.onnx`` file or a
    SavedModel directory), as a dict."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return json.loads(Path(path, _SAVED_MODEL_DESCRIPTION).read_text())
    import onnx

    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    return json.loads(props[METADATA_KEY])
