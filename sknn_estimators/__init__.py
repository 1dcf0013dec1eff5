"""scikit-learn compatible neural-network estimators.

``import sknn_estimators`` is cheap: each public name is imported from its
module on first use (PEP 562), and TensorFlow only when a Keras model is built
or loaded.
"""

import importlib

__version__ = "0.1.0.dev0"

_LAZY = {
    "CNNRegressor": "sknn_estimators._cnn",
    "FashionCNNClassifier": "sknn_estimators._cnn",
    "DeepMLPClassifier": "sknn_estimators._mlp",
    "FashionMLPClassifier": "sknn_estimators._mlp",
    "SmallMLPClassifier": "sknn_estimators._mlp",
    "PRESETS": "sknn_estimators._presets",
    "Preset": "sknn_estimators._presets",
    "describe_presets": "sknn_estimators._presets",
    "load_model": "sknn_estimators._persistence",
    "export_pipeline": "sknn_estimators._export",
    "NotExportableError": "sknn_estimators._export",
    "config_context": "sknn_estimators._config",
    "get_config": "sknn_estimators._config",
    "set_config": "sknn_estimators._config",
    "clear_compiled_cache": "sknn_estimators._config",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sknn_estimators' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
