"""A strict reader of gzip-compressed IDX files (the format of (Fashion-)MNIST).

An IDX file is a big-endian header -- two zero bytes, a type code (0x08 for
unsigned bytes), the number of dimensions ``ndim`` and ``ndim`` 32-bit sizes --
followed by the values in C order. Every problem with a file is reported as a
``ValueError`` naming the file; nothing is allocated beyond what the file can
really hold.
"""

import gzip
import math
import numbers
import os
import stat
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
#: Default cap on the values ``read_idx`` allocates (see its ``max_values``).
MAX_VALUES = 2**28
#: DEFLATE cannot compress better than about 1032:1, so a gzip file of ``s`` bytes
#: never holds more than ``1032 * s`` bytes; a header claiming more is corrupt.
_MAX_DEFLATE_RATIO = 1032
_GZIP_MAGIC = b"\x1f\x8b"
#: What a path that is not a regular file is, for the error message.
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_idx(path, *, max_values=MAX_VALUES):
    """Read a gzip-compressed IDX file of unsigned bytes into an array.

    The file must be a regular file, and its header is checked before anything
    is allocated: the declared number of values must fit in the file (DEFLATE
    compresses at most about 1032:1) and in ``max_values``. The data must have
    exactly the length the header declares: a truncated file, trailing data, a
    corrupt gzip stream or an impossible header raise a ``ValueError``.

    Parameters
    ----------
    path : str or path-like
        The ``.gz`` file, e.g. ``"train-images-idx3-ubyte.gz"``.
    max_values : int, default=MAX_VALUES
        The most values (bytes) the header may declare. The default,
        ``MAX_VALUES`` = 2**28 = 268,435,456 (256 MiB), is about 5.7 times the
        largest official Fashion-MNIST file; pass a larger number to read a
        larger file deliberately.

    Returns
    -------
    array : ndarray of uint8
        The values, of the shape in the header: ``(n, 28, 28)`` for the
        Fashion-MNIST image files (magic number 0x00000803), ``(n,)`` for the
        label files (magic number 0x00000801).

    Raises
    ------
    ValueError
        If ``max_values`` is not a non-negative integer, or the file is not a
        regular file, is empty, not gzip-compressed, corrupt, truncated, has
        trailing data, a wrong magic number, a type other than unsigned bytes
        (0x08), more than ``MAX_NDIM`` dimensions or too many values for the
        file or ``max_values``, or its values cannot be allocated. The message
        names the file and the problem.
    OSError
        If the file cannot be opened (missing, not readable).

    See Also
    --------
    load_fashion_mnist : Load Fashion-MNIST from its four IDX files.

    Notes
    -----
    The format is described on http://yann.lecun.com/exdb/mnist/ (bottom of
    the page). Only unsigned bytes are supported, the type of (Fashion-)MNIST.
    The file is opened without blocking and checked on the open descriptor, so
    a FIFO is refused at once instead of waiting for a writer.

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
    >>> read_idx(path, max_values=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Cannot read IDX file '...': ... 3 values, more than max_values=2; ...
    >>> with gzip.open(path, "wb") as file:
    ...     _ = file.write(header + bytes([9, 0]))
    >>> read_idx(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Cannot read IDX file '...labels-idx1-ubyte.gz': truncated data: ...
    >>> folder.cleanup()
    """
    return _read(os.fspath(path), _check_max_values(max_values), header_only=False)


def read_idx_shape(path, *, max_values=MAX_VALUES):
    """The shape in the header of ``path``, checked as ``read_idx`` does."""
    return _read(os.fspath(path), _check_max_values(max_values), header_only=True)


def _read(path, max_values, *, header_only):
    with _open_regular_file(path) as raw:
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
                shape = _read_header(stream, path, compressed_size, max_values)
                return shape if header_only else _read_values(stream, path, shape)
        except (OSError, EOFError, zlib.error) as exc:
            raise _error(path, f"corrupt or truncated gzip data ({exc})") from None
        except MemoryError:
            raise _error(path, "not enough memory to decompress it") from None


def _check_max_values(max_values):
    if (
        not isinstance(max_values, numbers.Integral)
        or isinstance(max_values, bool)
        or max_values < 0
    ):
        raise ValueError(
            "`max_values` must be a non-negative integer (default MAX_VALUES = "
            f"{MAX_VALUES:,}), got {max_values!r}."
        )
    return int(max_values)


def _open_regular_file(path):
    """``path`` opened for binary reading; a ``ValueError`` unless a regular file
    (see read_idx's Notes)."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = next(
                (k for test, k in _FILE_KINDS if test(mode)), "not a regular file"
            )
            raise _error(
                path,
                f"not a regular file (it is {kind}); expected a "
                "gzip-compressed IDX file",
            )
        if nonblocking:
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _read_header(stream, path, compressed_size, max_values):
    """The shape in the header of the decompressed ``stream``, checked (a
    GzipFile's ``read(n)`` returns fewer than ``n`` bytes only at its end)."""
    head = stream.read(4)
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
    sizes = stream.read(4 * ndim)
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
    if total > max_values:
        raise _error(
            path,
            f"the header declares shape {shape}, {total:,} values, more than "
            f"max_values={max_values:,}; pass a larger max_values to read_idx to "
            "read so large a file deliberately",
        )
    return shape


def _read_values(stream, path, shape):
    """Exactly the ``math.prod(shape)`` values that follow the header."""
    total = math.prod(shape)
    try:
        data = np.empty(total, dtype=np.uint8)
    except (MemoryError, ValueError) as exc:
        raise _error(
            path,
            f"cannot allocate the {total:,} bytes that the header's shape {shape} "
            f"declares ({type(exc).__name__})",
        ) from None
    filled = stream.readinto(data)  # short only at the end of the stream
    if filled < total:
        raise _error(
            path,
            f"truncated data: the header declares shape {shape}, {total:,} "
            f"values, but the file holds only {filled:,}",
        )
    if stream.read(1):
        raise _error(
            path,
            f"trailing data after the {total:,} values the header declares "
            f"(shape {shape})",
        )
    return data.reshape(shape)  # a view: ``data`` holds exactly prod(shape)


def _error(path, problem):
    return ValueError(f"Cannot read IDX file '{path}': {problem}.")
