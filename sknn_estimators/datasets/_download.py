"""Verified downloads through ``pooch.retrieve`` (a temporary file, moved into
place once its SHA-256 is checked; tqdm's progress bar). pooch takes one URL
and no ``file://``: this module adds the next mirror, ``file://`` mirrors and
the failures that ``DatasetNotFoundError`` reports."""

import contextlib
import os
import shutil
import sys
from urllib.parse import urlparse
from urllib.request import url2pathname

from sknn_estimators.datasets._errors import DownloadFailure

#: Seconds a download may wait for the server: to connect, and for each read.
DOWNLOAD_TIMEOUT = 60
NOT_TRIED = "not tried, the server was unreachable"


def download_files(names, folder, base_urls, sha256, *, progress=None):
    """Download the ``names`` not yet in ``folder``; a tuple of ``DownloadFailure``.

    ``sha256`` maps each name to its SHA-256. Each file is tried from each base
    URL in turn; a base URL that cannot be reached is not tried for the next.
    """
    if progress is None:
        progress = sys.stderr is not None and sys.stderr.isatty()
    created = []
    path = os.path.abspath(folder)
    while not os.path.exists(path):  # removed again below if nothing arrives
        created.append(path)
        path = os.path.dirname(path)
    try:
        failures = _download_each(names, folder, base_urls, sha256, progress)
    finally:
        for path in created:  # deepest first; only empty folders
            with contextlib.suppress(OSError):
                os.rmdir(path)
    return failures


def _download_each(names, folder, base_urls, sha256, progress):
    import requests

    unreachable, failures = set(), []
    for name in names:
        if os.path.exists(os.path.join(folder, name)):
            continue
        if not base_urls:
            failures.append(DownloadFailure(name, None, "no URL is configured"))
            continue
        tried = []
        for base in base_urls:
            url = (base if base.endswith("/") else base + "/") + name
            if base in unreachable:
                tried.append(DownloadFailure(name, url, NOT_TRIED))
                continue
            try:
                _retrieve(url, folder, name, sha256.get(name), progress)
            except (OSError, ValueError) as exc:  # requests' errors; a bad hash
                tried.append(DownloadFailure(name, url, _describe_error(exc)))
                if isinstance(exc, requests.ConnectionError | requests.Timeout):
                    unreachable.add(base)
            else:
                break
        else:
            failures += tried
    return tuple(failures)


def _retrieve(url, folder, name, sha256, progress):
    import pooch

    if not sha256:
        raise ValueError(f"no published checksum (SHA-256) for {name}; refusing")
    if urlparse(url).scheme == "file":
        downloader = _copy_file
    else:
        downloader = pooch.HTTPDownloader(
            progressbar=progress, timeout=DOWNLOAD_TIMEOUT
        )
    # pooch's logger announces the download on stderr.
    pooch.retrieve(url, f"sha256:{sha256}", name, folder, downloader=downloader)


def _copy_file(url, output_file, pooch_instance):
    """A pooch downloader for ``file://`` URLs (local mirrors)."""
    shutil.copyfile(url2pathname(urlparse(url).path), output_file)


def _describe_error(exc):
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP error {exc.response.status_code} ({exc.response.reason})"
    if isinstance(exc, requests.Timeout):
        return f"no answer within DOWNLOAD_TIMEOUT = {DOWNLOAD_TIMEOUT} s"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect ({_root_cause(exc)})"
    if isinstance(exc, requests.RequestException):
        return f"incomplete download, the connection broke ({_root_cause(exc)})"
    return str(exc) or type(exc).__name__


def _root_cause(exc):
    """The innermost error's own words, e.g. "Connection refused"."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = exc.__cause__ or exc.__context__ or getattr(exc, "reason", None)
        if not isinstance(inner, BaseException):
            break
        exc = inner
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
