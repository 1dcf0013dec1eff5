"""Tests of sknn_estimators.datasets: IDX parsing, file lookup, download, loading.

Nothing here uses the network: downloads go to a local HTTP server on
127.0.0.1, a ``file://`` folder, or a closed port.
"""

import _thread
import gzip
import hashlib
import http.server
import os
import pickle
import socket
import subprocess
import sys
import textwrap
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sknn_estimators.datasets._fashion_mnist as fm
from sknn_estimators.datasets import (
    FASHION_MNIST_CLASSES,
    DatasetNotFoundError,
    get_data_home,
    load_fashion_mnist,
    read_idx,
)
from tests.conftest import SHARED_FASHION
from tests.idx_files import TEST, TRAIN, idx_bytes, write_gz, write_split

REAL_DATA = pytest.mark.skipif(
    not SHARED_FASHION.is_dir(),
    reason=f"real Fashion-MNIST subset not found at {SHARED_FASHION}",
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# ---------------------------------------------------------------- helpers
def checksums_of(folder, names):
    return {
        name: hashlib.sha256((Path(folder) / name).read_bytes()).hexdigest()
        for name in names
    }


def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def child_env():
    """The environment of a child Python that imports this checkout."""
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def files_in(folder):
    folder = Path(folder)
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test reads the user's data folders or reaches the internet."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv(fm.DATA_HOME_ENV, raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv(fm.URL_ENV, closed_port_url())
    return home


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        self.server.requests.append(name)
        body = self.server.files.get(name)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.mode in ("interrupt", "stall"):
            # Announce the whole file, send half of it, (stall until released,)
            # hang up.
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if self.server.mode == "stall":
                self.server.stalled.set()
                self.server.release.wait(timeout=20)
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server; set ``.files`` (name -> bytes) and ``.mode``."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.mode, httpd.requests = {}, "ok", []
    httpd.stalled, httpd.release = threading.Event(), threading.Event()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def served_train(tmp_path, server, monkeypatch):
    """Fake train files on the server, their checksums injected."""
    source = tmp_path / "source"
    images, labels = write_split(source, n=7, seed=3)
    server.files = {name: (source / name).read_bytes() for name in TRAIN}
    monkeypatch.setattr(fm, "FILE_SHA256", checksums_of(source, TRAIN))
    monkeypatch.setenv(fm.URL_ENV, server.url)
    return images, labels


# ----------------------------------------------------------------- read_idx
def test_read_idx_round_trip(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = write_gz(tmp_path / "a.gz", idx_bytes(array))
    result = read_idx(path)
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, array)
    empty = read_idx(write_gz(tmp_path / "e.gz", idx_bytes(np.zeros((0, 28, 28)))))
    assert empty.shape == (0, 28, 28)


def test_read_idx_reads_concatenated_gzip_members(tmp_path):
    payload = idx_bytes(np.arange(10))
    path = tmp_path / "multi.gz"
    path.write_bytes(gzip.compress(payload[:7]) + gzip.compress(payload[7:]))
    np.testing.assert_array_equal(read_idx(path), np.arange(10))


def _valid():
    return idx_bytes(np.arange(12).reshape(3, 4))


CORRUPTIONS = {
    "empty file": (b"", "empty (0 bytes)"),
    "not gzip": (_valid(), "not a gzip file"),
    "empty payload": (gzip.compress(b""), "decompressed file is empty"),
    "short header": (gzip.compress(b"\x00\x00\x08"), "truncated header"),
    "bad magic": (gzip.compress(b"\x01\x02" + _valid()[2:]), "wrong magic number"),
    "float type": (
        gzip.compress(idx_bytes(np.zeros(4), type_code=0x0D)),
        "only unsigned bytes",
    ),
    "zero dims": (gzip.compress(b"\x00\x00\x08\x00"), "declares 0 dimensions"),
    "too many dims": (gzip.compress(b"\x00\x00\x08\x40" + bytes(256)), "dimensions"),
    "truncated sizes": (gzip.compress(_valid()[:10]), "truncated header"),
    "truncated data": (gzip.compress(_valid()[:-1]), "truncated data"),
    "trailing data": (gzip.compress(_valid() + b"\x00"), "trailing data"),
    "absurd header": (
        gzip.compress(b"\x00\x00\x08\x03" + b"\xff" * 12 + bytes(100)),
        "cannot hold",
    ),
    "truncated gzip": (gzip.compress(_valid())[:-12], "corrupt or truncated gzip"),
    "bad crc": (
        gzip.compress(_valid())[:-8] + b"\x00" * 4 + gzip.compress(_valid())[-4:],
        "corrupt or truncated gzip",
    ),
    "garbage after gzip": (gzip.compress(_valid()) + b"garbage", "corrupt"),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_read_idx_corruption_raises_value_error_naming_file(tmp_path, kind):
    content, problem = CORRUPTIONS[kind]
    path = tmp_path / f"broken-{kind.replace(' ', '-')}.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError) as excinfo:
        read_idx(path)
    message = str(excinfo.value)
    assert path.name in message
    assert problem in message


def test_read_idx_absurd_header_allocates_nothing(tmp_path):
    # 2**32-1 images of 2**32-1 x 2**32-1 in a 40-byte file.
    path = write_gz(tmp_path / "huge.gz", b"\x00\x00\x08\x03" + b"\xff" * 12)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="cannot hold"):
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_read_idx_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")


# -------------------------------------------------------------- hypothesis
@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "fuzz.gz"


def _read_or_value_error(path, content):
    path.write_bytes(content)
    try:
        return read_idx(path)
    except ValueError as exc:
        assert path.name in str(exc)
        return None


@FUZZ
@given(content=st.binary(max_size=300))
def test_fuzz_random_bytes(fuzz_file, content):
    result = _read_or_value_error(fuzz_file, content)
    assert result is None or result.dtype == np.uint8


@FUZZ
@given(payload=st.binary(max_size=300))
def test_fuzz_random_gzipped_payload(fuzz_file, payload):
    """Any decompressed payload: a correct array exactly when it is valid IDX."""
    result = _read_or_value_error(fuzz_file, gzip.compress(payload))
    if result is not None:
        assert payload[:3] == b"\x00\x00\x08"
        assert len(payload) == 4 + 4 * result.ndim + result.size
        assert result.tobytes() == payload[4 + 4 * result.ndim :]


@FUZZ
@given(
    header=st.tuples(
        st.integers(0, 255), st.integers(0, 20), st.lists(st.integers(0, 2**32 - 1))
    ),
    tail=st.binary(max_size=64),
)
def test_fuzz_random_headers(fuzz_file, header, tail):
    type_code, ndim, sizes = header
    payload = bytes([0, 0, type_code, ndim]) + np.array(sizes, ">u4").tobytes() + tail
    result = _read_or_value_error(fuzz_file, gzip.compress(payload))
    if result is not None:
        assert result.shape == tuple(sizes[:ndim])


valid_arrays = st.lists(st.integers(0, 6), min_size=1, max_size=3).flatmap(
    lambda shape: st.binary(
        min_size=int(np.prod(shape)), max_size=int(np.prod(shape))
    ).map(lambda data: np.frombuffer(data, np.uint8).reshape(shape))
)


@FUZZ
@given(array=valid_arrays, data=st.data())
def test_fuzz_corrupted_valid_files(fuzz_file, array, data):
    """Flip, cut or extend a valid file: the array comes back intact or ValueError."""
    content = bytearray(gzip.compress(idx_bytes(array)))
    kind = data.draw(st.sampled_from(["flip", "truncate", "append"]))
    if kind == "flip":
        position = data.draw(st.integers(0, len(content) - 1))
        content[position] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        content = content[: data.draw(st.integers(0, len(content) - 1))]
    else:
        content += data.draw(st.binary(min_size=1, max_size=40))
    result = _read_or_value_error(fuzz_file, bytes(content))
    if result is not None:
        np.testing.assert_array_equal(result, array)


@FUZZ
@given(array=valid_arrays, data=st.data())
def test_fuzz_wrong_payload_length_always_raises(fuzz_file, array, data):
    payload = idx_bytes(array)
    if data.draw(st.booleans()):
        payload = payload[: data.draw(st.integers(0, len(payload) - 1))]
    else:
        payload += data.draw(st.binary(min_size=1, max_size=40))
    assert _read_or_value_error(fuzz_file, gzip.compress(payload)) is None


# ------------------------------------------------------------------ loading
def test_load_bunch(tmp_path):
    images, labels = write_split(tmp_path, n=6)
    bunch = load_fashion_mnist(data_home=tmp_path, download=False)
    assert bunch.data.shape == (6, 784)
    assert bunch.data.dtype == np.float32
    assert bunch.images.shape == (6, 28, 28)
    assert bunch.images.dtype == np.float32
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.data, images.reshape(6, -1))
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(bunch.target, labels)
    assert bunch.target_names.tolist() == list(FASHION_MNIST_CLASSES)
    assert bunch.target_names[0] == "T-shirt/top"
    assert bunch.target_names[9] == "Ankle boot"
    assert len(bunch.feature_names) == 784
    assert bunch.feature_names[:2] == ["pixel_0_0", "pixel_0_1"]
    assert bunch.feature_names[28 * 3 + 5] == "pixel_3_5"
    assert bunch.feature_names[-1] == "pixel_27_27"
    assert bunch.frame is None
    for text in ("Fashion-MNIST", "MIT", "Zalando", str(tmp_path), "6 images"):
        assert text in bunch.DESCR


@pytest.mark.parametrize("dtype", [np.uint8, np.float64, "float32", np.int64])
def test_load_dtype(tmp_path, dtype):
    images, _ = write_split(tmp_path)
    bunch = load_fashion_mnist(data_home=tmp_path, dtype=dtype)
    assert bunch.data.dtype == np.dtype(dtype)
    assert bunch.images.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(bunch.images, images)


@pytest.mark.parametrize("dtype", [np.int8, np.bool_, np.complex64, object, "nope"])
def test_load_rejects_bad_dtype(tmp_path, dtype):
    write_split(tmp_path)
    with pytest.raises(ValueError, match="`dtype` must be"):
        load_fashion_mnist(data_home=tmp_path, dtype=dtype)


def test_load_return_X_y(tmp_path):
    images, labels = write_split(tmp_path, n=4)
    X, y = load_fashion_mnist(data_home=tmp_path, return_X_y=True)
    assert isinstance(X, np.ndarray) and X.shape == (4, 784)
    np.testing.assert_array_equal(y, labels)


def test_load_as_frame(tmp_path):
    pd = pytest.importorskip("pandas")
    images, labels = write_split(tmp_path, n=5)
    bunch = load_fashion_mnist(data_home=tmp_path, as_frame=True, dtype=np.uint8)
    assert isinstance(bunch.frame, pd.DataFrame)
    assert bunch.frame.shape == (5, 785)
    assert list(bunch.frame.columns) == [*bunch.feature_names, "target"]
    assert isinstance(bunch.data, pd.DataFrame)
    assert list(bunch.data.columns) == bunch.feature_names
    assert isinstance(bunch.target, pd.Series) and bunch.target.name == "target"
    np.testing.assert_array_equal(bunch.data.to_numpy(), images.reshape(5, -1))
    np.testing.assert_array_equal(bunch.target.to_numpy(), labels)
    assert isinstance(bunch.images, np.ndarray)
    X, y = load_fashion_mnist(data_home=tmp_path, as_frame=True, return_X_y=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert X.shape == (5, 784) and y.shape == (5,)


def test_load_subsets(tmp_path):
    train_images, train_labels = write_split(tmp_path, TRAIN, n=5, seed=1)
    test_images, test_labels = write_split(tmp_path, TEST, n=3, seed=2)
    test = load_fashion_mnist(subset="test", data_home=tmp_path)
    np.testing.assert_array_equal(test.images, test_images)
    both = load_fashion_mnist(subset="all", data_home=tmp_path)
    np.testing.assert_array_equal(
        both.images, np.concatenate([train_images, test_images])
    )
    np.testing.assert_array_equal(
        both.target, np.concatenate([train_labels, test_labels])
    )
    assert "5 images" in both.DESCR and "3 images" in both.DESCR


@pytest.mark.parametrize("subset", ["training", "Train", None, "t10k"])
def test_load_rejects_bad_subset(tmp_path, subset):
    with pytest.raises(ValueError, match="'train', 'test', 'all'"):
        load_fashion_mnist(subset=subset, data_home=tmp_path)


@pytest.mark.parametrize("name", ["download", "return_X_y", "as_frame"])
def test_load_rejects_non_bool_flags(tmp_path, name):
    write_split(tmp_path)
    with pytest.raises(ValueError, match=f"`{name}` must be True or False"):
        load_fashion_mnist(data_home=tmp_path, **{name: "yes"})


def test_load_count_mismatch_names_both_files(tmp_path):
    write_split(tmp_path, n=6)
    write_gz(tmp_path / TRAIN[1], idx_bytes(np.zeros(5)))
    with pytest.raises(ValueError) as excinfo:
        load_fashion_mnist(data_home=tmp_path)
    message = str(excinfo.value)
    assert TRAIN[0] in message and TRAIN[1] in message
    assert "6 images" in message and "5 labels" in message


@pytest.mark.parametrize(
    "which, array, problem",
    [
        (0, np.zeros((2, 27, 28)), "28x28"),
        (0, np.zeros((2, 784)), "28x28"),
        (1, np.zeros((2, 1)), "one label per image"),
        (1, np.array([0, 10]), "label 10"),
        (0, np.zeros((0, 28, 28)), "images but label file"),
    ],
)
def test_load_inconsistent_files(tmp_path, which, array, problem):
    write_split(tmp_path, n=2)
    write_gz(tmp_path / TRAIN[which], idx_bytes(array))
    with pytest.raises(ValueError, match=problem) as excinfo:
        load_fashion_mnist(data_home=tmp_path)
    assert TRAIN[which] in str(excinfo.value)


def test_load_empty_files(tmp_path):
    write_gz(tmp_path / TRAIN[0], idx_bytes(np.zeros((0, 28, 28))))
    write_gz(tmp_path / TRAIN[1], idx_bytes(np.zeros(0)))
    with pytest.raises(ValueError, match="holds no labels"):
        load_fashion_mnist(data_home=tmp_path)


def test_load_corrupt_file_names_it(tmp_path):
    write_split(tmp_path)
    (tmp_path / TRAIN[0]).write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="not a gzip file") as excinfo:
        load_fashion_mnist(data_home=tmp_path, download=False)
    assert str(tmp_path / TRAIN[0]) in str(excinfo.value)


# ------------------------------------------------------------------- lookup
def test_get_data_home(tmp_path, monkeypatch, isolated):
    assert get_data_home() == str(isolated / "sknn_estimators_data")
    monkeypatch.setenv(fm.DATA_HOME_ENV, str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env")
    assert get_data_home(tmp_path / "arg") == str(tmp_path / "arg")
    assert get_data_home("~/x") == str(isolated / "x")
    assert not (tmp_path / "env").exists()


def test_lookup_default_folder(isolated):
    images, _ = write_split(isolated / "sknn_estimators_data" / "fashion-mnist")
    np.testing.assert_array_equal(load_fashion_mnist(download=False).images, images)


@pytest.mark.parametrize("subfolder", ["fashion-mnist", ""])
def test_lookup_env_var(tmp_path, monkeypatch, subfolder):
    images, _ = write_split(tmp_path / "env" / subfolder)
    monkeypatch.setenv(fm.DATA_HOME_ENV, str(tmp_path / "env"))
    bunch = load_fashion_mnist(download=False)
    np.testing.assert_array_equal(bunch.images, images)
    assert str(tmp_path / "env") in bunch.DESCR


def test_lookup_order(tmp_path, monkeypatch, isolated):
    arg_images, _ = write_split(tmp_path / "arg", seed=1)
    env_images, _ = write_split(tmp_path / "env", seed=2)
    keras_images, _ = write_split(isolated / ".keras/datasets/fashion-mnist", seed=3)
    # Keras' cache is read when nothing else has the files ...
    got = load_fashion_mnist(download=False).images
    np.testing.assert_array_equal(got, keras_images)
    # ... the environment variable's folder comes first ...
    monkeypatch.setenv(fm.DATA_HOME_ENV, str(tmp_path / "env"))
    np.testing.assert_array_equal(load_fashion_mnist().images, env_images)
    # ... and data_home wins over both.
    got = load_fashion_mnist(data_home=tmp_path / "arg").images
    np.testing.assert_array_equal(got, arg_images)
    # The sub-folder fashion-mnist wins over files directly in the folder.
    sub_images, _ = write_split(tmp_path / "arg" / "fashion-mnist", seed=4)
    got = load_fashion_mnist(data_home=tmp_path / "arg").images
    np.testing.assert_array_equal(got, sub_images)


def test_lookup_keras_home(tmp_path, monkeypatch):
    images, _ = write_split(tmp_path / "kh" / "datasets" / "fashion-mnist")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    np.testing.assert_array_equal(load_fashion_mnist(download=False).images, images)


def test_explicit_data_home_does_not_read_keras_cache(tmp_path, isolated):
    write_split(isolated / ".keras" / "datasets" / "fashion-mnist")
    with pytest.raises(FileNotFoundError) as excinfo:
        load_fashion_mnist(data_home=tmp_path / "empty", download=False)
    assert ".keras" not in str(excinfo.value)


def test_split_needs_both_files_in_one_folder(tmp_path):
    write_split(tmp_path)
    (tmp_path / TRAIN[1]).unlink()
    with pytest.raises(FileNotFoundError, match=TRAIN[1]):
        load_fashion_mnist(data_home=tmp_path, download=False)


def test_missing_files_message(tmp_path, isolated):
    write_split(tmp_path / "data", TRAIN)
    with pytest.raises(FileNotFoundError) as excinfo:
        load_fashion_mnist(subset="all", data_home=tmp_path / "data", download=False)
    message = str(excinfo.value)
    assert TEST[0] in message and TEST[1] in message
    assert TRAIN[0] not in message
    assert str(tmp_path / "data") in message
    assert str(tmp_path / "data" / "fashion-mnist") in message
    assert "download=False" in message
    assert "To place the files by hand" in message
    assert fm.DATA_HOME_ENV in message
    # Without data_home, Keras' cache is among the folders searched.
    with pytest.raises(FileNotFoundError) as excinfo:
        load_fashion_mnist(download=False)
    message = str(excinfo.value)
    assert str(isolated / ".keras" / "datasets" / "fashion-mnist") in message
    assert str(isolated / "sknn_estimators_data") in message


# ----------------------------------------------------------------- download
def test_download_from_local_server(tmp_path, served_train, server):
    images, labels = served_train
    bunch = load_fashion_mnist(data_home=tmp_path / "data", download=True)
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.target, labels)
    assert files_in(tmp_path / "data") == ["fashion-mnist", *sorted(TRAIN)]
    assert sorted(server.requests) == sorted(TRAIN)
    # A second load reads the cached files without asking the server.
    load_fashion_mnist(data_home=tmp_path / "data", download=True)
    assert len(server.requests) == 2


def test_download_only_missing_file(tmp_path, served_train, server):
    target = tmp_path / "data" / "fashion-mnist"
    target.mkdir(parents=True)
    (target / TRAIN[1]).write_bytes(server.files[TRAIN[1]])
    load_fashion_mnist(data_home=tmp_path / "data", download=True)
    assert server.requests == [TRAIN[0]]


def test_download_to_default_folder(tmp_path, served_train, isolated):
    load_fashion_mnist(download=True)
    assert files_in(isolated / "sknn_estimators_data" / "fashion-mnist") == sorted(
        TRAIN
    )


def test_download_file_url(tmp_path, served_train, monkeypatch):
    images, _ = served_train
    monkeypatch.setenv(fm.URL_ENV, (tmp_path / "source").as_uri())
    bunch = load_fashion_mnist(data_home=tmp_path / "data", download=True)
    np.testing.assert_array_equal(bunch.images, images)


def test_download_checksum_mismatch_leaves_no_file(tmp_path, served_train, monkeypatch):
    monkeypatch.setitem(fm.FILE_SHA256, TRAIN[0], "0" * 64)
    with pytest.raises(DatasetNotFoundError) as excinfo:
        load_fashion_mnist(data_home=tmp_path / "data", download=True)
    message = str(excinfo.value)
    assert "does not match the known" in message
    assert "The download failed" in message
    # The labels were fine and stay; no images file, no temporary file.
    assert files_in(tmp_path / "data" / "fashion-mnist") == [TRAIN[1]]


def test_download_without_checksum_is_refused(tmp_path, served_train, monkeypatch):
    monkeypatch.setattr(fm, "FILE_SHA256", {})
    with pytest.raises(FileNotFoundError, match="no published checksum"):
        load_fashion_mnist(data_home=tmp_path / "data", download=True)
    assert files_in(tmp_path / "data") == []


def test_download_404(tmp_path, served_train, server):
    server.files.pop(TRAIN[0])
    with pytest.raises(FileNotFoundError, match="HTTP error 404"):
        load_fashion_mnist(data_home=tmp_path / "data", download=True)
    assert files_in(tmp_path / "data" / "fashion-mnist") == [TRAIN[1]]


def test_download_connection_refused_is_clear(tmp_path):
    # The autouse fixture points the download URL at a closed port.
    with pytest.raises(FileNotFoundError) as excinfo:
        load_fashion_mnist(data_home=tmp_path / "data", download=True)
    message = str(excinfo.value)
    assert "cannot connect" in message and "refused" in message.lower()
    assert f"{TRAIN[1]}: not tried, no server was reachable" in message
    assert "To place the files by hand" in message
    assert not (tmp_path / "data").exists()  # not even an empty folder


def test_download_interrupted_leaves_no_file(tmp_path, served_train, server):
    server.mode = "interrupt"
    # urllib3 2 reports the short body; urllib3 1.26 (make test-min) does not,
    # and the SHA-256 check refuses the file instead.
    cut_short = "incomplete download|IncompleteRead|does not match the known hash"
    with pytest.raises(FileNotFoundError, match=cut_short):
        load_fashion_mnist(data_home=tmp_path / "data", download=True)
    assert files_in(tmp_path / "data" / "fashion-mnist") == []


def test_download_keyboard_interrupt_leaves_no_file(tmp_path, served_train, server):
    server.mode = "stall"

    def interrupt_when_half_sent():
        if server.stalled.wait(timeout=20):
            _thread.interrupt_main()  # Ctrl-C, seen when the next read returns
            server.release.set()

    helper = threading.Thread(target=interrupt_when_half_sent, daemon=True)
    helper.start()
    with pytest.raises(KeyboardInterrupt):
        fm._download_missing([TRAIN[0]], tmp_path / "data", base_urls=[server.url])
    helper.join()
    assert files_in(tmp_path / "data") == []


def test_download_falls_back_to_next_mirror(tmp_path, served_train, server):
    dead = closed_port_url()
    failures = fm._download_missing(
        list(TRAIN),
        tmp_path / "out",
        base_urls=[dead, server.url + "missing/", server.url],
    )
    assert failures == ()
    assert files_in(tmp_path / "out") == sorted(TRAIN)


def test_download_progress_bar(tmp_path, served_train, server, capsys):
    failures = fm._download_missing(
        [TRAIN[1]], tmp_path / "out", base_urls=[server.url], progress=True
    )
    assert failures == ()
    assert "100%" in capsys.readouterr().err  # tqdm's bar, through pooch


def test_download_with_no_url(tmp_path):
    failures = fm._download_missing([TRAIN[0]], tmp_path, base_urls=[])
    assert failures == ((TRAIN[0], None, "no URL is configured"),)


def test_official_checksum_table():
    assert set(fm.FILE_SHA256) == set(TRAIN + TEST)
    for sha256 in fm.FILE_SHA256.values():
        assert len(sha256) == 64 and set(sha256) <= set("0123456789abcdef")


# ------------------------------------------------------------------ imports
@pytest.mark.slow
def test_import_and_load_do_not_import_tensorflow(tmp_path):
    write_split(tmp_path)
    code = textwrap.dedent(
        f"""
        import sys
        import sknn_estimators.datasets
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules
        assert "sklearn" not in sys.modules and "pandas" not in sys.modules
        from sknn_estimators.datasets import load_fashion_mnist
        load_fashion_mnist(data_home={str(tmp_path)!r}, as_frame=True)
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env()
    )
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- real data
@REAL_DATA
def test_real_subset_loads():
    bunch = load_fashion_mnist(data_home=SHARED_FASHION, download=False)
    assert bunch.data.shape == (8517, 784)
    assert bunch.images.shape == (8517, 28, 28)
    assert np.bincount(bunch.target).tolist() == [
        794, 894, 865, 860, 817, 841, 866, 870, 851, 859
    ]  # fmt: skip
    assert bunch.data.min() == 0 and bunch.data.max() == 255
    assert "8,517 images of the official 60,000" in bunch.DESCR


@REAL_DATA
@pytest.mark.parametrize("download", [False, True])
def test_real_subset_has_no_test_files(download, tmp_path, monkeypatch):
    monkeypatch.setenv(fm.URL_ENV, closed_port_url())
    with pytest.raises(FileNotFoundError) as excinfo:
        load_fashion_mnist(subset="test", data_home=SHARED_FASHION, download=download)
    message = str(excinfo.value)
    assert TEST[0] in message and str(SHARED_FASHION) in message
    assert not (SHARED_FASHION / "fashion-mnist").exists()


@REAL_DATA
@pytest.mark.slow
def test_real_subset_cnn_accuracy():
    from sknn_estimators import FashionCNNClassifier

    X, y = load_fashion_mnist(data_home=SHARED_FASHION, return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:2000], order[2000:3000]
    clf = FashionCNNClassifier(epochs=2, random_state=0)
    clf.fit(X[train] / 255.0, y[train])
    score = clf.score(X[test] / 255.0, y[test])
    print(f"FashionCNNClassifier(epochs=2) on 2,000 real images: {score:.4f}")
    assert score > 0.75


# ------------------------------------------------- limits and the error type
def test_read_idx_max_values(tmp_path):
    path = write_gz(tmp_path / "a.gz", idx_bytes(np.arange(12).reshape(3, 4)))
    assert read_idx(path, max_values=12).shape == (3, 4)
    with pytest.raises(ValueError, match="12 values, more than max_values=11") as exc:
        read_idx(path, max_values=11)
    assert str(path) in str(exc.value)


@pytest.mark.parametrize("value", [-1, 2.5, "10", None, True])
def test_read_idx_rejects_bad_max_values(tmp_path, value):
    path = write_gz(tmp_path / "a.gz", idx_bytes(np.arange(3)))
    with pytest.raises(ValueError, match="`max_values` must be a non-negative integer"):
        read_idx(path, max_values=value)


def test_read_idx_refuses_a_folder(tmp_path):
    with pytest.raises(ValueError, match="not a regular file \\(it is a folder\\)"):
        read_idx(tmp_path)


def test_load_compares_headers_before_allocating_images(tmp_path):
    """60,000 declared images (47 MB) against a one-label file: refused from the
    two headers, without allocating the images."""
    write_split(tmp_path, n=6)
    images = tmp_path / TRAIN[0]
    payload = bytearray(gzip.decompress(images.read_bytes()))
    payload[4:8] = (60000).to_bytes(4, "big")
    padding = np.random.default_rng(0).bytes(50_000)
    images.write_bytes(
        gzip.compress(bytes(payload)) + gzip.compress(padding, compresslevel=0)
    )
    write_gz(tmp_path / TRAIN[1], idx_bytes(np.array([3])))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="declares 60,000 images but label"):
            load_fashion_mnist(data_home=tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_missing_files_error_attributes(tmp_path, isolated):
    write_split(tmp_path / "data", TRAIN)
    with pytest.raises(DatasetNotFoundError) as excinfo:
        load_fashion_mnist(subset="all", data_home=tmp_path / "data")
    error = excinfo.value
    assert isinstance(error, FileNotFoundError)
    assert (error.dataset, error.subset) == ("Fashion-MNIST", "all")
    assert error.missing_files == TEST
    assert error.searched_folders == (
        str(tmp_path / "data" / "fashion-mnist"),
        str(tmp_path / "data"),
    )
    assert error.failed_downloads == ()
    assert error.target_folder == str(tmp_path / "data" / "fashion-mnist")


def test_failed_downloads_are_attributes(tmp_path, served_train, server):
    server.files.pop(TRAIN[0])
    dead = closed_port_url()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fm, "FASHION_MNIST_URLS", (dead, server.url))
        patch.delenv(fm.URL_ENV)
        with pytest.raises(DatasetNotFoundError) as excinfo:
            load_fashion_mnist(data_home=tmp_path / "data", download=True)
    failures = excinfo.value.failed_downloads
    assert [(f.file, f.url) for f in failures] == [
        (TRAIN[0], dead + TRAIN[0]),
        (TRAIN[0], server.url + TRAIN[0]),
    ]
    assert failures[0].reason == "cannot connect (Connection refused)"
    assert failures[1].reason == "HTTP error 404 (Not Found)"
    assert f"{dead}{TRAIN[0]}: cannot connect" in str(excinfo.value)
    # The labels came from the server once the dead mirror was skipped.
    assert files_in(tmp_path / "data" / "fashion-mnist") == [TRAIN[1]]


def test_missing_files_error_pickles(tmp_path):
    with pytest.raises(DatasetNotFoundError) as excinfo:
        load_fashion_mnist(data_home=tmp_path)
    copy = pickle.loads(pickle.dumps(excinfo.value))
    assert str(copy) == str(excinfo.value)
    assert copy.missing_files == excinfo.value.missing_files
    assert copy.searched_folders == excinfo.value.searched_folders
