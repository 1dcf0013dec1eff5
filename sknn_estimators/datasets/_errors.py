"""The structured error of the data set loaders."""

from typing import NamedTuple


class DownloadFailure(NamedTuple):
    """One failed download: the file, the URL tried (None if none) and why."""

    file: str
    url: str | None
    reason: str


class DatasetNotFoundError(FileNotFoundError):
    """A data set's files are missing and were not, or could not be, downloaded.

    A :class:`FileNotFoundError` (so ``except FileNotFoundError`` still
    catches it) whose message is written for people and whose attributes are
    for programs: read the attributes, never parse the message.

    Parameters
    ----------
    message : str
        The readable message: the missing files, the folders searched, each
        failed download and how to place the files by hand.
    dataset, subset, missing_files, searched_folders, failed_downloads, \
target_folder
        Keyword-only, default None or ``()``: stored as the attributes below.

    Attributes
    ----------
    dataset : str or None
        The data set's name.
    subset : str or None
        The part of the data set that was asked for.
    missing_files : tuple of str
        The official names of the files not found.
    searched_folders : tuple of str
        The folders searched, in order.
    failed_downloads : tuple of DownloadFailure
        ``(file, url, reason)`` of each failed download; empty when no
        download was tried (``download=False``).
    target_folder : str or None
        The folder downloads go to.

    See Also
    --------
    load_fashion_mnist : Raises it when files are missing.

    Examples
    --------
    >>> import tempfile
    >>> from sknn_estimators.datasets import DatasetNotFoundError, load_fashion_mnist
    >>> folder = tempfile.TemporaryDirectory()
    >>> try:
    ...     load_fashion_mnist(data_home=folder.name, download=False)
    ... except DatasetNotFoundError as exc:
    ...     error = exc
    >>> error.missing_files
    ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz')
    >>> len(error.searched_folders), error.failed_downloads
    (2, ())
    >>> isinstance(error, FileNotFoundError)
    True
    >>> folder.cleanup()
    """

    def __init__(
        self,
        message,
        *,
        dataset=None,
        subset=None,
        missing_files=(),
        searched_folders=(),
        failed_downloads=(),
        target_folder=None,
    ):
        super().__init__(message)
        self.dataset = dataset
        self.subset = subset
        self.missing_files = tuple(missing_files)
        self.searched_folders = tuple(searched_folders)
        self.failed_downloads = tuple(failed_downloads)
        self.target_folder = target_folder
