"""The ``sknn-estimators`` command: the tutorial's workflow from a shell, one
module per command (``demo``, ``fashion``, ``grid``, ``presets``).

Exit codes: 0 on success, 1 for a failure at run time (missing data, an
estimator failing during training), printed as one ``error: ...`` line
(``--debug`` shows the traceback), 2 for a usage error (every argument, grid
values included, is checked before any training starts), 130 when interrupted
outside training (Ctrl-C during training stops within a few batches, keeps the
weights and goes on with the evaluation).
"""

from sknn_estimators._cli.app import main

__all__ = ["main"]
