"""The commands' data: the notebook's validation split, and Fashion-MNIST
(loading, and a one-line error when the files are missing)."""

import numpy as np

from sknn_estimators._cli.errors import CommandError

#: The notebook's validation split of the training images (80/20, seed 13).
VALIDATION_SIZE = 0.2
VALIDATION_SEED = 13


def load_fashion(data_home, download, subset):
    """Fashion-MNIST ``subset`` as float32 rows 0..255 and labels, and its origin.

    Missing files raise the loader's FileNotFoundError (``fashion`` falls back on
    a held-out part when the test files are missing).
    """
    from sknn_estimators.datasets import load_fashion_mnist

    bunch = load_fashion_mnist(
        subset=subset, data_home=data_home, download=download, dtype=np.float32
    )
    origin = [
        line[2:] for line in bunch.DESCR.splitlines() if line.startswith(f"- {subset}:")
    ]
    return bunch.data, bunch.target, (origin[0] if origin else subset)


def load_training_files(data_home, download):
    """The training images and labels, and their origin; CommandError if missing."""
    try:
        return load_fashion(data_home, download, "train")
    except FileNotFoundError as exc:
        raise _missing_data_error(exc, data_home, download) from exc


def _missing_data_error(exc, data_home, download):
    """A one-line CommandError from the loader's (multi-line) FileNotFoundError."""
    lines = str(exc).splitlines()
    folders = _indented_after(lines, "Folders searched")
    message = lines[0].rstrip(".") if lines else "Fashion-MNIST files not found"
    if folders:
        message += f" (searched: {', '.join(folders)})"
    if download:
        reasons = [
            line
            for line in _indented_after(lines, "The download failed")
            if "//" in line
        ]
        failure = f" ({reasons[0]})" if reasons else ""
        return CommandError(
            f"{message}; the download failed{failure}. Put the official .gz files in "
            "a folder and pass it as --data-home."
        )
    hint = (
        "pass --data-home DIR for a folder that holds them"
        if data_home is None
        else "put the official .gz files there"
    )
    return CommandError(f"{message}; {hint}, or pass --download to fetch them.")


def _indented_after(lines, heading):
    """The stripped indented lines that follow the line starting with ``heading``."""
    found = []
    for index, line in enumerate(lines):
        if line.startswith(heading):
            for item in lines[index + 1 :]:
                if not item.startswith("  "):
                    break
                found.append(item.strip())
            break
    return found
