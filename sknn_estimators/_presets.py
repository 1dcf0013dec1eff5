"""One registry of named estimator configurations: :data:`PRESETS`.

A preset is a name, an estimator class, the constructor parameters it sets and a
one-line description. The command line (``--model``, ``--estimator``,
``presets``), the documentation's preset tables and the benchmarks all read this
registry; none of them switches on the kind of estimator. Nothing here imports
TensorFlow.
"""

import types
from dataclasses import dataclass

from sknn_estimators._cnn import FashionCNNClassifier
from sknn_estimators._mlp import MLP_PRESET_CLASSES, MLP_PRESET_TABLE


@dataclass(frozen=True)
class Preset:
    """A named estimator configuration, as listed in :data:`PRESETS`.

    Parameters
    ----------
    name : str
        Short name of the preset, its key in ``PRESETS`` (and the
        ``--model`` / ``--estimator`` name of the command line).
    estimator : type
        The estimator class the preset configures.
    params : mapping of str to object
        The constructor parameters the preset sets, read-only.
    description : str
        One line saying what the preset is and why it exists.

    Examples
    --------
    >>> from sknn_estimators import PRESETS
    >>> PRESETS["cnn-regularised"].make(random_state=0).solver
    'sgd'
    >>> PRESETS["deep"].make(random_state=1).hidden_layer_sizes
    (256, 128, 64, 32)
    """

    name: str
    estimator: type
    params: types.MappingProxyType
    description: str

    def make(self, **params):
        """A new, unfitted estimator with the preset's parameters, ``params``
        overriding them.

        Parameters
        ----------
        **params : dict
            Any parameters of :attr:`estimator`, e.g. ``random_state=0``.

        Returns
        -------
        estimator : object
            An unfitted instance of :attr:`estimator`.
        """
        return self.estimator(**{**self.params, **params})


def _preset(name, estimator, params, description):
    return Preset(name, estimator, types.MappingProxyType(dict(params)), description)


_PRESET_LIST = (
    _preset(
        "cnn",
        FashionCNNClassifier,
        {},
        "The tutorial's network: Conv2D 32-64-128 + LeakyReLU + max-pooling, "
        "Dense(128), softmax; Adam 1e-3, batches of 64, 20 epochs.",
    ),
    _preset(
        "cnn-regularised",
        FashionCNNClassifier,
        {
            "dropout": (0.25, 0.25, 0.4, 0.3),
            "batch_normalization": "after_pooling",
            "solver": "sgd",
            "learning_rate": "cosine",
            "learning_rate_init": 0.1,
            "alpha": 0.03,
            "precision": "auto",
        },
        "The tutorial's network with dropout (0.25, 0.25, 0.4, 0.3), batch "
        "normalisation after each pooling, SGD (momentum 0.9, rate 0.1, cosine "
        "decay) with alpha=0.03, and bfloat16 where the CPU has it: 90.20% ± 0.66 "
        "accuracy in 5-fold cross-validation on the 8,517-image Fashion-MNIST "
        "subset (the tutorial's network: 88.43% ± 0.21), for 1.16x its fit time "
        "(python -m benchmarks.cross_validate).",
    ),
    *(
        _preset(
            spec.name,
            MLP_PRESET_CLASSES[spec.class_name],
            spec.params,
            spec.description,
        )
        for spec in MLP_PRESET_TABLE
    ),
)

#: Every named configuration, by name: read-only mapping of name to
#: :class:`Preset`. "cnn" is the tutorial's network; "cnn-regularised" adds
#: dropout, batch normalisation after pooling, SGD with weight decay and a
#: cosine schedule, chosen on validation parts of the training folds (``python
#: -m benchmarks.cross_validate --search``, benchmarks/results/cv_search.md)
#: and scored by 5-fold cross-validation (``python -m benchmarks.cross_validate``,
#: benchmarks/results/cross_validation.md); "deep", "fashion" and "small" are
#: the MLPClassifier presets (:class:`DeepMLPClassifier` and its siblings).
PRESETS = types.MappingProxyType({preset.name: preset for preset in _PRESET_LIST})


def describe_presets():
    """Table of the presets: name, class, parameters, description.

    Returns
    -------
    presets : pandas.DataFrame
        One row per preset, indexed by its name (the key in ``PRESETS``), with
        columns ``class`` (class name), ``params`` (the parameters the preset
        sets, as ``name=value`` text; empty for a class's defaults) and
        ``description`` (one line).

    See Also
    --------
    PRESETS : The same presets as a read-only mapping of :class:`Preset`.

    Examples
    --------
    >>> from sknn_estimators import describe_presets
    >>> table = describe_presets()
    >>> table.loc["deep", "class"]
    'DeepMLPClassifier'
    >>> table.loc["deep", "params"]
    "hidden_layer_sizes=(256, 128, 64, 32), activation='relu'"
    """
    import pandas as pd

    rows = [
        {
            "name": preset.name,
            "class": preset.estimator.__name__,
            "params": ", ".join(f"{k}={v!r}" for k, v in preset.params.items()),
            "description": preset.description,
        }
        for preset in PRESETS.values()
    ]
    return pd.DataFrame(rows).set_index("name")
