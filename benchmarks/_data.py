"""The data of the benchmarks: the real Fashion-MNIST subset when present, else
scikit-learn's digits; the fixed split; synthetic images for the memory test.

NumPy and scikit-learn only: the orchestrator imports this without TensorFlow.
"""

import math
import os
from pathlib import Path

import numpy as np

from benchmarks._configs import (
    CV_FOLDS,
    CV_SEED,
    INNER_VALIDATION_SIZE,
    SPLIT_SEED,
    TEST_SIZE,
)

#: ``../shared/fashion-mnist-subset`` next to the repository, where the machines
#: of this project keep 8,517 real Fashion-MNIST training images.
DEFAULT_DATA_HOME = (
    Path(__file__).resolve().parents[2] / "shared" / ("fashion-mnist-subset")
)
_IMAGES_FILE = "train-images-idx3-ubyte.gz"


def resolve_data_home(data_home):
    """The folder of the Fashion-MNIST files, or None to use digits.

    ``data_home`` None means the default folder when it holds the files;
    ``"digits"`` forces digits; any other value must hold the files.
    """
    if data_home == "digits":
        return None
    if data_home is None:
        home = DEFAULT_DATA_HOME
        return str(home) if (home / _IMAGES_FILE).is_file() else None
    home = Path(data_home).expanduser()
    if not ((home / _IMAGES_FILE).is_file() or (home / "fashion-mnist").is_dir()):
        raise FileNotFoundError(
            f"--data-home {data_home}: no {_IMAGES_FILE} there (or in a "
            "fashion-mnist sub-folder); pass --data-home digits to use digits."
        )
    return str(home)


def load(data_home):
    """``(X, y, info)``: pixels scaled to [0, 1] as float32, labels, a description.

    ``data_home`` is a folder from :func:`resolve_data_home`, or None for digits.
    """
    if data_home is None:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        info = {"name": "digits", "source": "sklearn.datasets.load_digits"}
    else:
        from sknn_estimators.datasets import load_fashion_mnist

        X, y = load_fashion_mnist(
            subset="train", data_home=data_home, download=False, return_X_y=True
        )
        X /= 255.0  # in place: float32 stays float32
        info = {"name": "fashion-mnist-subset", "source": os.path.abspath(data_home)}
    side = math.isqrt(X.shape[1])
    info.update(
        n_samples=int(X.shape[0]),
        n_features=int(X.shape[1]),
        image_shape=[side, side, 1],
        n_classes=int(np.unique(y).shape[0]),
        scaling="pixels / 255" if data_home is not None else "pixels / 16",
    )
    return X, y, info


def split(X, y):
    """The fixed stratified split: ``X_train, X_test, y_train, y_test``."""
    from sklearn.model_selection import train_test_split

    return train_test_split(
        X, y, test_size=TEST_SIZE, stratify=y, random_state=SPLIT_SEED
    )


def cv_split(X, y, fold, *, inner=False):
    """Fold ``fold`` of the cross-validation protocol: ``X_train, X_test,
    y_train, y_test``.

    The folds are ``StratifiedKFold(CV_FOLDS, shuffle=True,
    random_state=CV_SEED)``: the test part is fold ``fold``, the training part
    the other folds. With ``inner``, the training part is split again
    (stratified, ``INNER_VALIDATION_SIZE``, ``random_state=CV_SEED``) and the
    validation part is returned as the test part, so that a choice scored on it
    never sees fold ``fold``'s test images.
    """
    from sklearn.model_selection import StratifiedKFold, train_test_split

    folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=CV_SEED)
    train, test = list(folds.split(X, y))[fold]
    if inner:
        train, test = train_test_split(
            train,
            test_size=INNER_VALIDATION_SIZE,
            stratify=y[train],
            random_state=CV_SEED,
        )
    return X[train], X[test], y[train], y[test]


def synthetic_images(n_samples, n_features=784, n_classes=10, seed=0):
    """Random uint8-like pixels scaled to [0, 1], float32, and random labels.

    Filled in chunks, so that making ``X`` never holds more than ``X`` itself
    and one small chunk (the memory benchmark's peak must be the fit's).
    """
    rng = np.random.default_rng(seed)
    X = np.empty((n_samples, n_features), dtype=np.float32)
    for start in range(0, n_samples, 4096):
        stop = min(start + 4096, n_samples)
        chunk = rng.integers(0, 256, size=(stop - start, n_features), dtype=np.uint8)
        np.divide(chunk, 255.0, out=X[start:stop], dtype=np.float32)
    y = rng.integers(0, n_classes, size=n_samples)
    return X, y
