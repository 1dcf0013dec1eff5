"""Data set loaders: Fashion-MNIST from its official IDX files.

``import sknn_estimators.datasets`` only needs NumPy; scikit-learn, pandas and
tqdm are imported when a loader needs them (pooch when it downloads), TensorFlow
never.
"""

from sknn_estimators.datasets._errors import DatasetNotFoundError
from sknn_estimators.datasets._fashion_mnist import (
    FASHION_MNIST_CLASSES,
    get_data_home,
    load_fashion_mnist,
)
from sknn_estimators.datasets._idx import read_idx

__all__ = [
    "DatasetNotFoundError",
    "FASHION_MNIST_CLASSES",
    "get_data_home",
    "load_fashion_mnist",
    "read_idx",
]
