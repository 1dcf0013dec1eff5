"""The ``sknn-estimators`` command: the tutorial's workflow from a shell.

Subcommands, one module each:

- ``demo``: the iris MLP and a small CNN on scikit-learn's 8x8 digits, offline,
  with the digits figures;
- ``fashion``: the Fashion-MNIST run of the tutorial: load, train with a
  per-epoch display, evaluate, report, save figures and the model;
- ``grid``: a ``GridSearchCV`` over a small grid, printed as a table;
- ``presets``: the models ``--model`` and ``--estimator`` accept.

``parser`` builds the argument parser from shared parent parsers and each
command's own options; ``output`` formats what the commands print and write;
``estimators`` asks an estimator what it can do (which parameter counts epochs,
whether it can ``save``) instead of switching on its type.

Exit codes: 0 on success, 1 for a failure at run time (missing data, an
estimator failing during training), printed as one ``error: ...`` line
(``--debug`` shows the traceback), 2 for a usage error (every argument, grid
values included, is checked before any training starts), 130 when interrupted
outside training (Ctrl-C during training stops within a few batches, keeps the
weights and goes on with the evaluation).
"""

from sknn_estimators._cli.app import main

__all__ = ["main"]
