"""Genuine IDX files in the official Fashion-MNIST format, written by the tests."""

import gzip
from pathlib import Path

import numpy as np

TRAIN = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def idx_bytes(array, *, type_code=0x08):
    """The uncompressed IDX encoding of a uint8 ``array``."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, type_code, array.ndim])
    header += np.array(array.shape, dtype=">u4").tobytes()
    return header + array.tobytes()


def write_gz(path, payload):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as file:
        file.write(payload)
    return path


def write_split(folder, names=TRAIN, n=6, seed=0):
    """Random images and labels in the official format; returns them."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) + seed) % 10
    write_gz(Path(folder) / names[0], idx_bytes(images))
    write_gz(Path(folder) / names[1], idx_bytes(labels))
    return images, labels
