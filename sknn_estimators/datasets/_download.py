"""Verified downloads through pooch: checksums, mirrors, a deadline, no leftovers.

pooch streams each file into a temporary file, checks its SHA-256 and only then
moves it into place; this module adds what pooch leaves to its callers: the
official size and MD5 (checked as the bytes arrive, so an oversized answer is
cut short), an overall deadline per file, ``file://`` mirrors, trying the next
mirror, and removing the unfinished files that a killed process leaves behind.
"""

import contextlib
import hashlib
import logging
import os
import shutil
import stat
import sys
import threading
import time
from typing import NamedTuple
from urllib.parse import urlparse
from urllib.request import url2pathname

from sknn_estimators.datasets._errors import DownloadFailure

logger = logging.getLogger(__name__)

#: Seconds a download may wait for the server: to connect, and for each read.
DOWNLOAD_TIMEOUT = 60
#: Seconds one file's download may take in all, from the request to the last
#: byte; a slower download is cut off and counts as failed.
DOWNLOAD_DEADLINE = 15 * 60
#: Hidden sub-folder of the download folder that holds unfinished downloads.
PARTIAL_FOLDER = ".part"
#: Unfinished downloads not modified for this many seconds belong to no live
#: download (each ends within its deadline) and are deleted before the next one.
STALE_AFTER = DOWNLOAD_DEADLINE + DOWNLOAD_TIMEOUT
NOT_TRIED = "not tried, the server was unreachable"
_CHUNK_SIZE = 1 << 16


class FileChecksum(NamedTuple):
    """What a downloaded file must match; ``None`` skips the size or MD5 check."""

    size: int | None
    md5: str | None
    sha256: str


def download_files(names, folder, base_urls, checksums, *, progress=None):
    """Download the ``names`` not yet in ``folder``; return the failures.

    Each file is tried from each base URL in turn; a base URL that cannot be
    reached is not tried again for the next files. Returns a tuple of
    ``DownloadFailure``, empty when all files are there. Folders created for
    the downloads are removed again if nothing arrived in them.
    """
    if progress is None:
        progress = sys.stderr is not None and sys.stderr.isatty()
    staging = os.path.join(folder, PARTIAL_FOLDER)
    created = _missing_folders(staging)
    remove_stale_partial_files(folder, checksums)
    unreachable = set()
    failures = []
    try:
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
                    _download(url, folder, name, checksums.get(name), progress)
                except (OSError, ValueError) as exc:
                    # requests' exceptions are OSErrors, pooch's hash check a
                    # ValueError.
                    tried.append(DownloadFailure(name, url, _describe_error(exc)))
                    if _is_unreachable(exc):
                        unreachable.add(base)
                else:
                    break
            else:
                failures += tried
    finally:
        for path in dict.fromkeys([staging, *created]):
            with contextlib.suppress(OSError):
                os.rmdir(path)  # only if empty
    return tuple(failures)


def remove_stale_partial_files(folder, names):
    """Delete the unfinished downloads in ``folder`` that no download still writes.

    They are the files in its hidden ``PARTIAL_FOLDER``, and the hidden
    ``.<name>.<random>.part`` files of earlier versions, that were not modified
    for ``STALE_AFTER`` seconds; a download killed with SIGKILL leaves them.
    """
    staging = os.path.join(folder, PARTIAL_FOLDER)
    candidates = [os.path.join(staging, entry) for entry in _list(staging)]
    prefixes = tuple(f".{name}." for name in names)
    candidates += [
        os.path.join(folder, entry)
        for entry in _list(folder)
        if entry.startswith(prefixes) and entry.endswith(".part")
    ]
    cutoff = time.time() - STALE_AFTER
    for path in candidates:
        with contextlib.suppress(OSError):
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                os.remove(path)
                logger.info("Removed the unfinished download %s", path)


def _list(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _missing_folders(path):
    """``path`` and those of its parents that do not exist, deepest first."""
    missing = []
    while path and not os.path.exists(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing


def _download(url, folder, name, expected, progress):
    """Download ``url`` to ``folder/name``, verified against ``expected``."""
    import pooch

    if expected is None or not expected.sha256:
        raise ValueError(f"no published checksum (SHA-256) for {name}; refusing")
    logger.info("Downloading %s from %s to %s", name, url, folder)
    # pooch announces each download on stderr through its own logger; ours
    # above follows the application's logging set-up instead.
    pooch_logger = pooch.get_logger()
    level = pooch_logger.level
    pooch_logger.setLevel(logging.WARNING)
    try:
        path = pooch.retrieve(
            url,
            known_hash=f"sha256:{expected.sha256}",
            fname=name,
            path=os.path.join(folder, PARTIAL_FOLDER),
            downloader=_VerifiedDownloader(name, expected, progress),
        )
    finally:
        pooch_logger.setLevel(level)
    os.replace(path, os.path.join(folder, name))


class _VerifiedDownloader:
    """A pooch downloader checking size, MD5 and the deadline as bytes arrive.

    http(s) goes through pooch's ``HTTPDownloader``; ``file://`` is a copy.
    """

    def __init__(self, name, expected, progress):
        self.name, self.expected, self.progress = name, expected, progress

    def __call__(self, url, output_file, pooch_instance):
        from tqdm import tqdm

        deadline = time.monotonic() + DOWNLOAD_DEADLINE
        with (
            open(output_file, "wb") as file,
            tqdm(
                total=self.expected.size,
                desc=self.name,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                disable=not self.progress,
                file=sys.stderr,
            ) as bar,
        ):
            sink = _CheckedFile(file, self.name, self.expected, deadline, bar)
            parsed = urlparse(url)
            if parsed.scheme == "file":
                with open(url2pathname(parsed.path), "rb") as source:
                    shutil.copyfileobj(source, sink, _CHUNK_SIZE)
            else:
                self._http(url, sink, pooch_instance, deadline)
            sink.verify()

    def _http(self, url, sink, pooch_instance, deadline):
        import pooch

        timers = []

        def cut_off_at_deadline(response, *args, **kwargs):
            # Shutting the socket down wakes a read that a slow server keeps
            # waiting (urllib3 >= 2.3); writes check the deadline too.
            shutdown = getattr(response.raw, "shutdown", None)
            if shutdown is not None:
                timer = threading.Timer(
                    max(0.0, deadline - time.monotonic()), _quietly, (shutdown,)
                )
                timer.daemon = True
                timer.start()
                timers.append(timer)
            return response

        download = pooch.HTTPDownloader(
            chunk_size=_CHUNK_SIZE,
            timeout=DOWNLOAD_TIMEOUT,
            hooks={"response": cut_off_at_deadline},
        )
        try:
            download(url, sink, pooch_instance)
        except OSError:
            if time.monotonic() >= deadline:
                raise _deadline_error() from None
            raise
        finally:
            for timer in timers:
                timer.cancel()


def _quietly(function):
    with contextlib.suppress(Exception):
        function()


def _deadline_error():
    return TimeoutError(
        f"not complete after DOWNLOAD_DEADLINE = {DOWNLOAD_DEADLINE:,} s; cut off"
    )


class _CheckedFile:
    """Writes to ``file`` while counting, hashing (MD5) and watching the time."""

    def __init__(self, file, name, expected, deadline, bar):
        self.file, self.name, self.expected = file, name, expected
        self.deadline, self.bar = deadline, bar
        self.size = 0
        self.md5 = hashlib.md5(usedforsecurity=False)

    def write(self, chunk):
        if time.monotonic() >= self.deadline:
            raise _deadline_error()
        self.size += len(chunk)
        if self.expected.size is not None and self.size > self.expected.size:
            raise ValueError(
                f"the server sent more than the {self.expected.size:,} bytes of "
                "the official file"
            )
        self.md5.update(chunk)
        self.file.write(chunk)
        self.bar.update(len(chunk))
        return len(chunk)

    def flush(self):
        self.file.flush()

    def verify(self):
        expected = self.expected
        if expected.size is not None and self.size != expected.size:
            raise ValueError(
                f"incomplete download: {self.size:,} of {expected.size:,} bytes of "
                f"{self.name}"
            )
        md5 = self.md5.hexdigest()
        if expected.md5 is not None and md5 != expected.md5:
            raise ValueError(
                f"MD5 checksum mismatch for {self.name}: got {md5}, expected "
                f"{expected.md5}"
            )
        self.file.flush()
        os.fsync(self.file.fileno())


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


def _is_unreachable(exc):
    import requests

    return isinstance(exc, requests.ConnectionError | requests.Timeout | TimeoutError)
