"""Fashion-MNIST from its four official IDX files: find, download, verify, load."""

import math
import os

import numpy as np

from sknn_estimators._validation import check_option
from sknn_estimators.datasets._download import NOT_TRIED, download_files
from sknn_estimators.datasets._errors import DatasetNotFoundError
from sknn_estimators.datasets._idx import read_idx, read_idx_shape

#: The ten classes, in label order (label ``i`` is ``FASHION_MNIST_CLASSES[i]``).
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Environment variable naming the data folder (see ``get_data_home``).
DATA_HOME_ENV = "SKNN_ESTIMATORS_DATA"
#: Data folder when neither ``data_home`` nor ``$SKNN_ESTIMATORS_DATA`` is set.
DEFAULT_DATA_HOME = os.path.join("~", "sknn_estimators_data")
#: Sub-folder of the data folder that holds (and receives) the Fashion-MNIST files.
FASHION_MNIST_FOLDER = "fashion-mnist"

#: Environment variable replacing ``FASHION_MNIST_URLS`` by one base URL.
URL_ENV = "SKNN_ESTIMATORS_FASHION_MNIST_URL"
#: Base URLs tried in order; a file's URL is the base URL + its official name.
FASHION_MNIST_URLS = (
    # Zalando Research's repository, which publishes the files and checksums.
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/"
    "fashion/",
    # The mirror keras.datasets.fashion_mnist downloads from.
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    # Zalando Research's own web site (plain HTTP; the checksums still apply).
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)
#: The SHA-256 of each official file (Zalando Research publishes their MD5s).
FILE_SHA256 = {
    "train-images-idx3-ubyte.gz": (
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
    ),
    "train-labels-idx1-ubyte.gz": (
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
    ),
}

#: (images file, labels file, official number of images) of each split.
_SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000),
}
_SUBSETS = {"train": ("train",), "test": ("test",), "all": ("train", "test")}
_IMAGE_SHAPE = (28, 28)
_HOME_PAGE = "https://github.com/zalandoresearch/fashion-mnist"


def get_data_home(data_home=None):
    """Return the folder where sknn-estimators keeps its data sets.

    Like :func:`sklearn.datasets.get_data_home`: ``data_home`` when given,
    else the folder in the environment variable ``SKNN_ESTIMATORS_DATA``, else
    ``~/sknn_estimators_data``. ``~`` is expanded. The folder is not created
    here; a download creates it when it first writes a file.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use instead of the environment variable or the default.

    Returns
    -------
    data_home : str
        The path of the data folder.

    See Also
    --------
    load_fashion_mnist : Load Fashion-MNIST, looking for its files there.

    Examples
    --------
    >>> import os
    >>> from sknn_estimators.datasets import get_data_home
    >>> get_data_home("~/my_data") == os.path.expanduser("~/my_data")
    True
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or DEFAULT_DATA_HOME
    return os.path.expanduser(os.fspath(data_home))


def load_fashion_mnist(
    *,
    subset="train",
    data_home=None,
    download=False,
    return_X_y=False,
    as_frame=False,
    dtype=np.float32,
):
    """Load the Fashion-MNIST data set (classification), from its official files.

    Zalando Research's 70,000 grey images of 28x28 pixels of clothes, shoes and
    bags in 10 classes: 60,000 for training and 10,000 for test, as the four
    official gzip-compressed IDX files. They are looked for, in this order, in

    1. ``data_home`` (when given) or else the folder in the environment
       variable ``SKNN_ESTIMATORS_DATA`` or else ``~/sknn_estimators_data``
       (see :func:`get_data_home`): first its sub-folder ``fashion-mnist``,
       then the folder itself;
    2. unless ``data_home`` is given, the folder where Keras caches the same
       files, ``~/.keras/datasets/fashion-mnist`` (``$KERAS_HOME/datasets/
       fashion-mnist`` first when ``KERAS_HOME`` is set); it is only read.

    Nothing is downloaded by default (as the command line without
    ``--download``); with ``download=True`` missing files are downloaded into
    ``<data folder>/fashion-mnist`` and verified (see Notes).

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which files to load: the official training files
        (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``), the
        test files (``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``)
        or both, training images first.
    data_home : str or path-like, default=None
        Folder holding the files and receiving downloads, searched as above;
        ``None`` also reads Keras' cache.
    download : bool, default=False
        Download the missing files (about 30 MB); otherwise, or when the
        download fails, missing files raise :class:`DatasetNotFoundError`.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` as a pandas DataFrame (columns ``feature_names``) and
        ``target`` as a Series named "target", and add ``frame``, a DataFrame
        with both.
    dtype : dtype, default=np.float32
        Type of ``data`` and ``images``. The raw pixel values 0..255 are kept
        (scale them in your pipeline, e.g. divide by 255); ``np.uint8`` gives
        the compact form (a quarter of the memory of float32). Any float type,
        or an integer type that holds 0..255.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : {ndarray, DataFrame} of shape (n_samples, 784)
            One flattened image per row, pixel values 0..255 as ``dtype``,
            row by row (column ``28 * i + j`` is pixel ``(i, j)``).
        images : ndarray of shape (n_samples, 28, 28)
            The same images as ``dtype``; a view of ``data`` when ``data`` is
            an ndarray.
        target : {ndarray, Series} of shape (n_samples,)
            The labels, int64 from 0 to 9.
        target_names : ndarray of shape (10,)
            The class names, ``target_names[label]``, from
            ``FASHION_MNIST_CLASSES``: "T-shirt/top", "Trouser", ..., "Ankle boot".
        feature_names : list of str
            ``"pixel_<row>_<column>"``, row and column from 0 to 27, in the
            order of ``data``'s columns: ``"pixel_0_0"``, ``"pixel_0_1"``, ...,
            ``"pixel_27_27"``.
        frame : DataFrame of shape (n_samples, 785)
            Only when ``as_frame=True``: the pixel columns and "target".
        sources : dict of str to str
            The folder each split was read from, e.g. ``{"train": folder}``.
        DESCR : str
            Description of the data set, its licence and the files read.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as above.

    Raises
    ------
    DatasetNotFoundError
        If files are missing and were not, or could not be, downloaded: a
        ``FileNotFoundError`` whose message says how to place them by hand and
        whose attributes say what happened.
    ValueError
        If a parameter is invalid, or a file is not a regular file, corrupt or
        inconsistent: a header declaring another shape, counts of images and
        labels that differ, or more images than the official file (the message
        names the file and the problem). Both headers are compared before any
        image is allocated.

    See Also
    --------
    get_data_home : The folder searched (and written) by default.
    DatasetNotFoundError : The error raised when files are missing.
    read_idx : Read one IDX file.
    sklearn.datasets.fetch_openml : Fashion-MNIST is also OpenML data set 40996.

    Notes
    -----
    Fashion-MNIST is copyright Zalando SE and distributed under the MIT licence
    (https://github.com/zalandoresearch/fashion-mnist). Reference: H. Xiao,
    K. Rasul and R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
    Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017.

    Partial files load fine when their headers agree with their length (the
    first ``n`` images of a split with ``n`` in the header). Files already on
    disk are not checksummed again: a partial copy is legitimate, and the
    header checks of :func:`read_idx` catch damage.

    Downloads go through `pooch <https://www.fatiando.org/pooch>`_'s
    ``retrieve``: a temporary file is given its name only once complete and
    checked against its published SHA-256. The server must answer within 60
    seconds (``DOWNLOAD_TIMEOUT``). The base URLs are in ``FASHION_MNIST_URLS``;
    the environment variable ``SKNN_ESTIMATORS_FASHION_MNIST_URL`` replaces
    them with one base URL (a mirror, or a ``file://`` folder). A progress bar
    is shown when the standard error is a terminal. TensorFlow is never imported.

    Examples
    --------
    Four images in the official format, in a folder of their own:

    >>> import gzip, os, tempfile
    >>> import numpy as np
    >>> from sknn_estimators.datasets import load_fashion_mnist
    >>> folder = tempfile.TemporaryDirectory()
    >>> images = np.arange(4 * 28 * 28).reshape(4, 28, 28) % 256
    >>> files = {
    ...     "train-images-idx3-ubyte.gz": (0x0803, images),
    ...     "train-labels-idx1-ubyte.gz": (0x0801, np.array([9, 0, 0, 3])),
    ... }
    >>> for name, (magic, values) in files.items():
    ...     header = np.array((magic, *values.shape), dtype=">u4").tobytes()
    ...     with gzip.open(os.path.join(folder.name, name), "wb") as file:
    ...         _ = file.write(header + values.astype(np.uint8).tobytes())
    >>> fashion = load_fashion_mnist(data_home=folder.name, download=False)
    >>> fashion.data.shape, fashion.data.dtype, fashion.images.shape
    ((4, 784), dtype('float32'), (4, 28, 28))
    >>> fashion.target
    array([9, 0, 0, 3])
    >>> fashion.target_names[fashion.target].tolist()
    ['Ankle boot', 'T-shirt/top', 'T-shirt/top', 'Dress']
    >>> X, y = load_fashion_mnist(data_home=folder.name, return_X_y=True,
    ...                           dtype=np.uint8)
    >>> X.dtype, int(X.max())
    (dtype('uint8'), 255)
    >>> folder.cleanup()

    With the real files (downloaded on first use):

    >>> X_train, y_train = load_fashion_mnist(
    ...     download=True, return_X_y=True)  # doctest: +SKIP
    >>> X_train.shape  # doctest: +SKIP
    (60000, 784)
    """
    subset = check_option("subset", subset, tuple(_SUBSETS))
    flags = {"download": download, "return_X_y": return_X_y, "as_frame": as_frame}
    for name, value in flags.items():
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"`{name}` must be True or False, got {value!r}.")
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or not (resolved.kind in "fiu" and np.can_cast("u1", resolved)):
        raise ValueError(
            "`dtype` must be a float type (default np.float32) or an integer type "
            f"that holds 0..255 (e.g. np.uint8), got {dtype!r}."
        )
    home = get_data_home(data_home)
    folders = _search_folders(home, with_keras=data_home is None)
    target_folder = os.path.join(home, FASHION_MNIST_FOLDER)

    splits = _SUBSETS[subset]
    located = {split: _locate(split, folders) for split in splits}
    missing = [split for split, folder in located.items() if folder is None]
    if missing:
        names = tuple(name for split in missing for name in _SPLITS[split][:2])
        failures = _download_missing(names, target_folder) if download else ()
        if not download or failures:
            raise DatasetNotFoundError(
                _missing_message(subset, names, folders, target_folder, failures),
                dataset="Fashion-MNIST",
                subset=subset,
                missing_files=names,
                searched_folders=folders,
                failed_downloads=failures,
                target_folder=target_folder,
            )
        for split in missing:
            located[split] = target_folder

    parts = [_read_split(located[split], split) for split in splits]
    images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    labels = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
    data = images.reshape(images.shape[0], -1).astype(resolved, copy=False)
    target = labels.astype(np.int64)
    feature_names = [f"pixel_{i}_{j}" for i in range(28) for j in range(28)]

    frame = None
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame(data, columns=feature_names)
        frame["target"] = target
        data_out, target_out = frame[feature_names], frame["target"]
    else:
        data_out, target_out = data, target
    if return_X_y:
        return data_out, target_out

    from sklearn.utils import Bunch

    return Bunch(
        data=data_out,
        images=data.reshape(-1, *_IMAGE_SHAPE),
        target=target_out,
        target_names=np.array(FASHION_MNIST_CLASSES),
        feature_names=feature_names,
        frame=frame,
        sources={split: located[split] for split in splits},
        DESCR=_describe(subset, splits, located, parts),
    )


def _search_folders(home, *, with_keras):
    folders = [os.path.join(home, FASHION_MNIST_FOLDER), home]
    if with_keras:
        user_keras = os.path.join(os.path.expanduser("~"), ".keras")
        keras_homes = (os.environ.get("KERAS_HOME"), user_keras)
        folders += [
            os.path.join(keras_home, "datasets", FASHION_MNIST_FOLDER)
            for keras_home in keras_homes
            if keras_home
        ]
    unique = {}
    for folder in folders:
        unique.setdefault(os.path.abspath(folder), folder)
    return list(unique.values())


def _locate(split, folders):
    """The first folder holding both files of ``split``, or None.

    Any kind of file counts, so that a FIFO or folder in a file's place is
    refused by ``read_idx`` with a clear error instead of being skipped.
    """
    names = _SPLITS[split][:2]
    for folder in folders:
        if all(os.path.exists(os.path.join(folder, name)) for name in names):
            return folder
    return None


def _read_split(folder, split):
    """Images (n, 28, 28) and labels (n,) of one split, checked against each other.

    Both headers are compared first: nothing is allocated for a file whose shape
    or count is wrong, and the reads are capped at the declared counts."""
    images_name, labels_name, official = _SPLITS[split]
    images_path = os.path.join(folder, images_name)
    labels_path = os.path.join(folder, labels_name)
    labels_shape = read_idx_shape(labels_path)
    images_shape = read_idx_shape(images_path)
    _check_shapes(images_path, images_shape, labels_path, labels_shape, official)
    n_images = images_shape[0]
    labels = read_idx(labels_path, max_values=n_images)
    images = read_idx(images_path, max_values=n_images * math.prod(_IMAGE_SHAPE))
    # Read again: the files may have been replaced since their headers were.
    _check_shapes(images_path, images.shape, labels_path, labels.shape, official)
    if labels.shape[0] == 0:
        raise ValueError(f"Fashion-MNIST label file '{labels_path}' holds no labels.")
    if labels.max() >= len(FASHION_MNIST_CLASSES):
        raise ValueError(
            f"Fashion-MNIST label file '{labels_path}' holds label "
            f"{int(labels.max())}; labels go from 0 to 9."
        )
    return images, labels, (images_path, labels_path)


def _check_shapes(images_path, images_shape, labels_path, labels_shape, official):
    if len(images_shape) != 3 or tuple(images_shape[1:]) != _IMAGE_SHAPE:
        raise ValueError(
            f"Fashion-MNIST image file '{images_path}' declares shape "
            f"{tuple(images_shape)}; expected images of 28x28 pixels, shape "
            "(n, 28, 28) (magic number 0x00000803)."
        )
    if len(labels_shape) != 1:
        raise ValueError(
            f"Fashion-MNIST label file '{labels_path}' declares shape "
            f"{tuple(labels_shape)}; expected one label per image, shape (n,) "
            "(magic number 0x00000801)."
        )
    if images_shape[0] != labels_shape[0]:
        raise ValueError(
            f"Fashion-MNIST image file '{images_path}' declares {images_shape[0]:,} "
            f"images but label file '{labels_path}' declares {labels_shape[0]:,} "
            "labels; the two files must come from the same split and copy."
        )
    if images_shape[0] > official:
        raise ValueError(
            f"Fashion-MNIST image file '{images_path}' declares "
            f"{images_shape[0]:,} images, more than the {official:,} of the official "
            "file; a copy may hold fewer images, never more."
        )


def _base_urls():
    override = os.environ.get(URL_ENV)
    return (override,) if override else tuple(FASHION_MNIST_URLS)


def _download_missing(names, folder, *, base_urls=None, progress=None):
    """Download the ``names`` not yet in ``folder``; a tuple of the failures."""
    urls = _base_urls() if base_urls is None else base_urls
    return download_files(names, folder, urls, FILE_SHA256, progress=progress)


def _missing_message(subset, names, folders, target_folder, failures):
    lines = [
        f"Fashion-MNIST files for subset={subset!r} not found: {', '.join(names)}.",
        "Folders searched, in order:",
        *(f"  {folder}" for folder in folders),
    ]
    if not failures:
        lines.append("Nothing was downloaded (download=False).")
    else:
        lines.append("The download failed:")
        for name in dict.fromkeys(failure.file for failure in failures):
            tries = [failure for failure in failures if failure.file == name]
            if all(failure.reason == NOT_TRIED for failure in tries):
                lines.append(f"  {name}: not tried, no server was reachable")
            else:
                lines.append(f"  {name}:")
                lines.extend(
                    f"    {failure.url or '(no URL)'}: {failure.reason}"
                    for failure in tries
                )
    urls = " or ".join(_base_urls()) or _HOME_PAGE
    lines += [
        "To place the files by hand: download them from "
        f"{urls} (see {_HOME_PAGE}), keep their official names and gzip "
        f"compression, and put them in {target_folder} (or in any folder "
        "searched); or pass data_home=<folder> (or set the environment variable "
        f"{DATA_HOME_ENV}=<folder>) for a folder that holds them.",
    ]
    return "\n".join(lines)


_DESCR = """.. _fashion_mnist_dataset:

Fashion-MNIST dataset
---------------------

**Data Set Characteristics:**

:Number of Instances: {n_total:,} (subset={subset!r})
:Number of Attributes: 784 (28x28 grey pixels, 0 background to 255)
:Classes: {classes}
:Creator: Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf)
:Source: {home_page}
:Licence: MIT, copyright (c) 2017 Zalando SE
:Date: 2017

Fashion-MNIST is a data set of Zalando's article images: 60,000 training and
10,000 test images of 28x28 grey pixels, each labelled with one of 10
classes. It was made as a drop-in replacement for MNIST: same image size,
same file format (IDX), same split sizes, but harder to classify.

Files read:
{files}

.. topic:: References

  - Han Xiao, Kashif Rasul, Roland Vollgraf. Fashion-MNIST: a Novel Image
    Dataset for Benchmarking Machine Learning Algorithms. arXiv:1708.07747,
    2017.
"""


def _describe(subset, splits, located, parts):
    files = []
    for split, (images, _, paths) in zip(splits, parts, strict=True):
        official = _SPLITS[split][2]
        note = "" if images.shape[0] == official else f" of the official {official:,}"
        files.append(
            f"- {split}: {images.shape[0]:,} images{note}, from {located[split]}"
        )
        files.extend(f"    {os.path.basename(path)}" for path in paths)
    return _DESCR.format(
        n_total=sum(p[1].shape[0] for p in parts),
        subset=subset,
        classes=", ".join(f"{i} {c}" for i, c in enumerate(FASHION_MNIST_CLASSES)),
        home_page=_HOME_PAGE,
        files="\n".join(files),
    )
