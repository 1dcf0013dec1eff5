"""A strict reader of gzip-compressed IDX files (the format of (Fashion-)MNIST).

An IDX file is a big-endian header -- two zero bytes, a type code (0x08 for
unsigned bytes), the number of dimensions ``ndim`` and ``ndim`` 32-bit sizes --
followed by the values in C order. Every problem with a file is reported as a
``ValueError`` naming the file; nothing is allocated beyond what the file can
really hold.
"""

import gzip
import math
import os
import struct
import zlib

import numpy as np

#: Type code of unsigned bytes, the only one Fashion-MNIST uses.
IDX_UBYTE = 0x08
_TYPE_NAMES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "short",
    0x0C: "int",
    0x0D: "float",
    0x0E: "double",
}
#: More dimensions than any real IDX file has; a larger count is a corrupt header.
MAX_NDIM = 16
#: DEFLATE cannot compress better than about 1032:1, so a gzip file of ``s`` bytes
#: never holds more than ``1032 * s`` bytes; a header claiming more is corrupt.
_MAX_DEFLATE_RATIO = 1032
_CHUNK_SIZE = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path):
    """Read a gzip-compressed IDX file of unsigned bytes into an array.

    The header is checked before anything is allocated, and the data must have
    exactly the length the header declares: a truncated file, trailing data,
    a corrupt gzip stream or an impossible header raise a ``ValueError``.

    Parameters
    ----------
    path : str or path-like
        The ``.gz`` file, e.g. ``"train-images-idx3-ubyte.gz"``.

    Returns
    -------
    array : ndarray of uint8
        The values, of the shape in the header: ``(n, 28, 28)`` for the
        Fashion-MNIST image files (magic number 0x00000803), ``(n,)`` for the
        label files (magic number 0x00000801).

    Raises
    ------
    ValueError
        If the file is empty, not gzip-compressed, corrupt or truncated, has a
        wrong magic number, a type other than unsigned bytes (0x08), more than
        ``MAX_NDIM`` dimensions, a header declaring more values than the file
        can hold, or data after the declared values. The message names the file
        and the problem.
    OSError
        If the file cannot be opened (missing, not readable).

    See Also
    --------
    load_fashion_mnist : Load Fashion-MNIST from its four IDX files.

    Notes
    -----
    The format is described on http://yann.lecun.com/exdb/mnist/ (bottom of
    the page). Only unsigned bytes are supported, the type of (Fashion-)MNIST.

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> from sknn_estimators.datasets import read_idx
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "labels-idx1-ubyte.gz")
    >>> header = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big")
    >>> with gzip.open(path, "wb") as file:
    ...     _ = file.write(header + bytes([9, 0, 3]))
    >>> read_idx(path)
    array([9, 0, 3], dtype=uint8)
    >>> with gzip.open(path, "wb") as file:
    ...     _ = file.write(header + bytes([9, 0]))
    >>> read_idx(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Cannot read IDX file '...labels-idx1-ubyte.gz': truncated data: ...
    >>> folder.cleanup()
    """
    path = os.fspath(path)
    with open(path, "rb") as raw:
        compressed_size = os.fstat(raw.fileno()).st_size
        if compressed_size == 0:
            raise _error(path, "the file is empty (0 bytes)")
        start = raw.read(2)
        if start != _GZIP_MAGIC:
            raise _error(
                path,
                f"not a gzip file (it starts with bytes 0x{start.hex()}, gzip files "
                "start with 0x1f8b); the official files are gzip-compressed, "
                "keep them as downloaded",
            )
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return _read_stream(stream, path, compressed_size)
        except (OSError, EOFError, zlib.error) as exc:
            raise _error(path, f"corrupt or truncated gzip data ({exc})") from None


def _read_stream(stream, path, compressed_size):
    """Parse the decompressed ``stream``: header, then exactly the declared data."""
    head = _read_exact(stream, 4)
    if not head:
        raise _error(path, "the decompressed file is empty (no IDX header)")
    if len(head) < 4:
        raise _error(path, f"truncated header: {len(head)} of 4 bytes")
    magic = int.from_bytes(head, "big")
    if head[0] or head[1]:
        raise _error(
            path,
            f"wrong magic number 0x{magic:08X}; an IDX file starts with two zero "
            "bytes (0x00000803 for images, 0x00000801 for labels)",
        )
    type_code, ndim = head[2], head[3]
    if type_code != IDX_UBYTE:
        kind = _TYPE_NAMES.get(type_code, "unknown type")
        raise _error(
            path,
            f"magic number 0x{magic:08X} declares type 0x{type_code:02X} ({kind}); "
            "only unsigned bytes (0x08) are supported",
        )
    if not 1 <= ndim <= MAX_NDIM:
        raise _error(
            path,
            f"magic number 0x{magic:08X} declares {ndim} dimensions; expected 1 "
            f"to {MAX_NDIM}",
        )
    sizes = _read_exact(stream, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise _error(
            path,
            f"truncated header: {4 + len(sizes)} of {4 + 4 * ndim} bytes "
            f"({ndim} dimension sizes)",
        )
    shape = struct.unpack(f">{ndim}I", sizes)
    total = math.prod(shape)
    capacity = _MAX_DEFLATE_RATIO * compressed_size
    if total > capacity:
        raise _error(
            path,
            f"the header declares shape {shape}, {total:,} values, but a gzip "
            f"file of {compressed_size:,} bytes cannot hold more than "
            f"{capacity:,}; the header is corrupt",
        )
    data = np.empty(total, dtype=np.uint8)
    view = memoryview(data)
    filled = 0
    while filled < total:
        n_read = stream.readinto(view[filled : filled + _CHUNK_SIZE])
        if not n_read:
            raise _error(
                path,
                f"truncated data: the header declares shape {shape}, {total:,} "
                f"values, but the file holds only {filled:,}",
            )
        filled += n_read
    if stream.read(1):
        raise _error(
            path,
            f"trailing data after the {total:,} values the header declares "
            f"(shape {shape})",
        )
    return data.reshape(shape)


def _read_exact(stream, size):
    """Up to ``size`` bytes; fewer only at the end of the stream."""
    parts = []
    remaining = size
    while remaining:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _error(path, problem):
    return ValueError(f"Cannot read IDX file '{path}': {problem}.")
