"""The commands' data: the notebook's validation split, and Fashion-MNIST
(loading, and a one-line error when the files are missing)."""

import numpy as np

from sknn_estimators._cli.errors import CommandError

#: The notebook's validation split of the training images (80/20, seed 13).
VALIDATION_SIZE = 0.2
VALIDATION_SEED = 13


def load_fashion(data_home, download, subset):
    """Fashion-MNIST ``subset`` as float32 rows 0..255 and labels, and its origin.

    Missing files raise a one-line CommandError (``fashion`` falls back on a
    held-out part when the test files are missing).
    """
    from sknn_estimators.datasets import load_fashion_mnist

    try:
        bunch = load_fashion_mnist(
            subset=subset, data_home=data_home, download=download, dtype=np.float32
        )
    except FileNotFoundError as exc:
        raise CommandError(_missing_data_message(exc, data_home, download)) from exc
    origin = f"{subset}: {len(bunch.target):,} images, from {bunch.sources[subset]}"
    return bunch.data, bunch.target, origin


def _missing_data_message(exc, data_home, download):
    """One line from the attributes of the loader's error."""
    from sknn_estimators.datasets import DatasetNotFoundError

    if not isinstance(exc, DatasetNotFoundError):
        return str(exc)
    message = (
        f"{exc.dataset} files for subset={exc.subset!r} not found: "
        f"{', '.join(exc.missing_files)}"
    )
    if exc.searched_folders:
        message += f" (searched: {', '.join(exc.searched_folders)})"
    if download:
        tried = [failure for failure in exc.failed_downloads if failure.url]
        failure = f" ({tried[0].url}: {tried[0].reason})" if tried else ""
        return (
            f"{message}; the download failed{failure}. Put the official .gz files in "
            "a folder and pass it as --data-home."
        )
    hint = (
        "pass --data-home DIR for a folder that holds them"
        if data_home is None
        else "put the official .gz files there"
    )
    return f"{message}; {hint}, or pass --download to fetch them."
