"""Hostile IDX files against ``read_idx`` and the Fashion-MNIST loader.

Each case mutates genuine files written by the tests (so the suite follows the
format) and runs in a child process with an address-space limit, its own
TMPDIR and a timeout (``tests/hostile.py``). Every case must end in one
``ValueError`` naming the file, with a bounded peak memory, nothing left in
TMPDIR and no hang.
"""

import gzip
import os
import zlib

import numpy as np
import pytest

from tests.hostile import run_in_child
from tests.idx_files import TRAIN, write_split

pytestmark = pytest.mark.slow

#: Peak resident memory a case may reach (the issue's bound).
MAX_RSS = 1.5e9
#: 6,250,000 images of 28x28: 4.9e9 values, in a file of about 4.8 MB.
HUGE_COUNT = 6_250_000


def set_count(path, count, *, padding=0):
    """Rewrite the genuine IDX file ``path`` with its first size set to
    ``count``, followed by a stored (uncompressed) gzip member of ``padding``
    random bytes, so that the file is large enough to pass the reader's
    compression-ratio check."""
    payload = bytearray(gzip.decompress(path.read_bytes()))
    payload[4:8] = count.to_bytes(4, "big")
    content = gzip.compress(bytes(payload))
    if padding:
        noise = np.random.default_rng(0).bytes(padding)
        content += gzip.compress(noise, compresslevel=0)
    path.write_bytes(content)
    return path


def set_labels(path, count):
    """Rewrite the genuine label file ``path`` to hold ``count`` labels: its own
    first ones, then zeros."""
    payload = gzip.decompress(path.read_bytes())
    labels = (payload[8:] + bytes(count))[:count]
    path.write_bytes(gzip.compress(payload[:4] + count.to_bytes(4, "big") + labels))
    return path


def read_idx_call(path, **kwargs):
    arguments = "".join(f", {key}={value!r}" for key, value in kwargs.items())
    return (
        "from sknn_estimators.datasets import read_idx\n"
        f"read_idx({str(path)!r}{arguments})"
    )


def load_call(folder):
    return (
        "from sknn_estimators.datasets import load_fashion_mnist\n"
        f"load_fashion_mnist(data_home={str(folder)!r}, download=False)"
    )


def check_refused(result, path):
    assert not result.timed_out, "the case hung"
    assert result.raised_value_error_naming(path), result.output
    assert result.max_rss_bytes < MAX_RSS, result.max_rss_bytes
    assert result.tmp_leftovers == []


@pytest.fixture
def genuine(tmp_path):
    """A genuine train split of 6 images; the folder holding it."""
    folder = tmp_path / "data"
    write_split(folder, n=6)
    return folder


def test_huge_declared_count(genuine, tmp_path):
    """A 4.8 MB gzip declaring 4.9e9 values: refused before any allocation."""
    images = set_count(genuine / TRAIN[0], HUGE_COUNT, padding=4_800_000)
    assert 4.7e6 < images.stat().st_size < 4.9e6
    result = run_in_child(read_idx_call(images), tmp_path)
    check_refused(result, images)
    assert "max_values" in result.message


def test_huge_declared_count_in_the_loader(genuine, tmp_path):
    images = set_count(genuine / TRAIN[0], HUGE_COUNT, padding=4_800_000)
    result = run_in_child(load_call(genuine), tmp_path)
    check_refused(result, images)


def test_raised_cap_turns_a_failed_allocation_into_a_value_error(genuine, tmp_path):
    """With the cap raised deliberately, the 4.9e9-byte allocation fails under
    the address-space limit: a ValueError naming the file, not a MemoryError."""
    images = set_count(genuine / TRAIN[0], HUGE_COUNT, padding=4_800_000)
    result = run_in_child(read_idx_call(images, max_values=2**40), tmp_path)
    check_refused(result, images)
    assert "cannot allocate" in result.message


def test_label_count_read_before_images_are_allocated(genuine, tmp_path):
    """Images declaring 342,000 images (just under MAX_VALUES) and a label file
    of one label: the counts differ, refused from the headers alone."""
    images = set_count(genuine / TRAIN[0], 342_000, padding=300_000)
    labels = set_labels(genuine / TRAIN[1], 1)
    result = run_in_child(load_call(genuine), tmp_path)
    check_refused(result, images)
    assert str(labels) in result.message and "declares 1 labels" in result.message


def test_more_images_than_the_official_file(genuine, tmp_path):
    """Matching counts of 342,000, more than the official 60,000: refused from
    the headers, so the float32 conversion is never attempted."""
    images = set_count(genuine / TRAIN[0], 342_000, padding=300_000)
    set_labels(genuine / TRAIN[1], 342_000)
    result = run_in_child(load_call(genuine), tmp_path)
    check_refused(result, images)
    assert "more than the 60,000" in result.message


def test_largest_allowed_declared_size_is_read_within_bounds(genuine, tmp_path):
    """Just under MAX_VALUES, with too little data: allocated, then truncated."""
    images = set_count(genuine / TRAIN[0], 342_000, padding=300_000)
    result = run_in_child(read_idx_call(images), tmp_path)
    check_refused(result, images)
    assert "truncated data" in result.message


@pytest.mark.parametrize("which", [0, 1])
def test_fifo_in_place_of_a_file(genuine, tmp_path, which):
    path = genuine / TRAIN[which]
    path.unlink()
    os.mkfifo(path)
    for case, code in enumerate([read_idx_call(path), load_call(genuine)]):
        result = run_in_child(code, tmp_path / f"case{case}")
        check_refused(result, path)
        assert "FIFO" in result.message


def test_the_child_reports_hangs_and_success(tmp_path):
    """The runner itself: a hang is reported as such, a clean run raises nothing."""
    hung = run_in_child("import time; time.sleep(30)", tmp_path / "a", timeout=1)
    assert hung.timed_out and hung.raised is None
    fine = run_in_child("import tempfile; tempfile.mkstemp()", tmp_path / "b")
    assert not fine.timed_out and fine.raised is None and fine.returncode == 0
    assert len(fine.tmp_leftovers) == 1  # the leftover in its TMPDIR is seen
    assert 0 < fine.max_rss_bytes < MAX_RSS


def test_set_count_keeps_a_genuine_file_readable(genuine):
    """The mutation helper writes what it says: the header's count, the data."""
    path = set_count(genuine / TRAIN[1], 6)
    payload = zlib.decompress(path.read_bytes(), wbits=31)
    assert payload[4:8] == (6).to_bytes(4, "big") and len(payload) == 8 + 6
