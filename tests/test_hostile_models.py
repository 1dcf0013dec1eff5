"""Hostile saved estimators against ``load_model``.

Each case mutates a genuine file written by ``save`` (so the suite follows the
format as it changes) and runs ``load_model`` in a child process with an
address-space limit, its own TMPDIR and a timeout (``tests/hostile.py``).
Every case must end in one ``ValueError`` naming the file, with no code from
the file run (no marker file), a bounded peak memory and nothing left in
TMPDIR.
"""

import io
import json
import struct
import warnings
import zipfile
import zlib
from unittest import mock

import numpy as np
import pytest
from sklearn.datasets import load_iris

from sknn_estimators import FashionCNNClassifier
from tests.hostile import run_in_child

pytestmark = pytest.mark.slow

#: Peak resident memory a case may reach (the issue's bound).
MAX_RSS = 1.5e9
_MiB = 2**20


@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    """A genuine saved FashionCNNClassifier (2 classes of iris, 2x2 images)."""
    X, y = load_iris(return_X_y=True)
    rows = np.r_[0:20, 50:70]
    clf = FashionCNNClassifier(
        conv_filters=(4,), dense_units=(8,), epochs=1, random_state=0
    ).fit(X[rows], y[rows])
    path = tmp_path_factory.mktemp("genuine") / "genuine.sknn"
    clf.save(path)
    return path


def members_of(path):
    """The (name, bytes) members of a zip file, in order."""
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def write_zip(path, members):
    """Write (name, bytes-or-callable) members; a callable writes its member
    itself, given the open archive and the member's name."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                if callable(data):
                    data(archive, name)
                else:
                    archive.writestr(name, data)
    return path


def mutate(genuine, target, *, manifest=None, config=None, inner=None, outer=None):
    """Rewrite ``genuine`` into ``target``: ``manifest`` and ``config`` map the
    parsed estimator.json and the Keras config.json to new values (or to JSON
    text), ``inner`` and ``outer`` map the member lists of the Keras archive
    and of the file."""
    members = dict(members_of(genuine))
    keras_members = members_of(io.BytesIO(members["model.keras"]))
    if config is not None:
        keras_members = [
            (name, _json_bytes(config(json.loads(data))))
            if name == "config.json"
            else (name, data)
            for name, data in keras_members
        ]
    if inner is not None:
        keras_members = inner(keras_members)
    model = io.BytesIO()
    write_zip(model, keras_members)
    members["model.keras"] = model.getvalue()
    if manifest is not None:
        members["estimator.json"] = _json_bytes(
            manifest(json.loads(members["estimator.json"]))
        )
    members = list(members.items())
    if outer is not None:
        members = outer(members)
    return write_zip(target, members)


def _json_bytes(value):
    return (value if isinstance(value, str) else json.dumps(value)).encode()


def fitted_entry(manifest, key, value):
    """Set fitted attribute ``key`` of a manifest to the encoded ``value``."""
    pairs = manifest["fitted"]["__dict__"]
    for pair in pairs:
        if pair[0] == key:
            pair[1] = value
            return manifest
    pairs.append([key, value])
    return manifest


def zeros_inflating_to(size):
    """A member writer: ``size`` zero bytes as a deflate stream of about
    size / 1000 bytes, written without compressing ``size`` bytes (one fully
    flushed block of 1 MiB of zeros, repeated)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(_MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()

    class Repeat:
        def compress(self, data):
            return block

        def flush(self):
            return end

    def write(archive, name):
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        chunk = bytes(_MiB)
        with mock.patch.object(zipfile, "_get_compressor", lambda *a: Repeat()):
            with archive.open(info, "w", force_zip64=True) as member:
                for _ in range(size // _MiB):
                    member.write(chunk)

    return write


def patch_header(path, name, *, flag=None, method=None):
    """Set a flag bit or the compression method of member ``name`` in both
    its local header and the central directory."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data = bytearray(path.read_bytes())
    local = info.header_offset
    central = data.index(b"PK\x01\x02")
    while not data[central + 46 :].startswith(name.encode()):
        central = data.index(b"PK\x01\x02", central + 4)
    for offset, flags_at, method_at in ((local, 6, 8), (central, 8, 10)):
        if flag is not None:
            (flags,) = struct.unpack_from("<H", data, offset + flags_at)
            struct.pack_into("<H", data, offset + flags_at, flags | flag)
        if method is not None:
            struct.pack_into("<H", data, offset + method_at, method)
    path.write_bytes(bytes(data))
    return path


def lambda_layer(marker):
    """A serialized Keras Lambda layer whose function writes ``marker``."""
    import keras

    source = f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]"
    layer = keras.layers.Lambda(eval(source))  # noqa: S307 - the test's payload
    return keras.saving.serialize_keras_object(layer)


def with_lambda(marker):
    def add(config):
        config["config"]["layers"].insert(1, lambda_layer(marker))
        return config

    return add


def load_call(path, *, unsafe_first=False):
    code = "from sknn_estimators import load_model\n"
    if unsafe_first:
        code = "import keras\nkeras.config.enable_unsafe_deserialization()\n" + code
    return code + f"load_model({str(path)!r})"


def check_refused(result, path, marker=None):
    assert not result.timed_out, "the case hung"
    assert result.raised_value_error_naming(path), result.output
    assert result.max_rss_bytes < MAX_RSS, result.max_rss_bytes
    assert result.tmp_leftovers == []
    if marker is not None:
        assert not marker.exists(), "code from the file ran"


def test_genuine_file_loads_in_the_child(genuine, tmp_path):
    """The baseline: the unmutated file loads under the same limits."""
    result = run_in_child(load_call(genuine, unsafe_first=True), tmp_path)
    assert result.raised is None, result.output
    assert result.max_rss_bytes < MAX_RSS and result.tmp_leftovers == []


def test_lambda_after_unsafe_deserialization_was_enabled(genuine, tmp_path):
    """A Lambda layer whose code writes a marker, loaded after the process
    enabled unsafe deserialization: refused, and the code never runs. The
    control shows the payload is live: plain Keras, unsafe, runs it."""
    marker = tmp_path / "marker"
    path = mutate(genuine, tmp_path / "lambda.sknn", config=with_lambda(marker))
    result = run_in_child(load_call(path, unsafe_first=True), tmp_path / "case")
    check_refused(result, path, marker)
    assert "Lambda" in result.message
    model = tmp_path / "lambda.keras"
    model.write_bytes(dict(members_of(path))["model.keras"])
    control = run_in_child(
        "import keras\nkeras.config.enable_unsafe_deserialization()\n"
        f"keras.saving.load_model({str(model)!r})",
        tmp_path / "control",
    )
    assert control.raised is None and marker.exists(), control.output


# Each case: (what it is, the mutation as keyword arguments of ``mutate``, or a
# function of (genuine, target) for raw zip damage; a part of the message).
def _manifest(change):
    return {"manifest": change}


def _fitted(key, value):
    return _manifest(lambda m: fitted_entry(m, key, value))


def _nested(m):
    text = json.dumps({**m, "params": "NESTED"})
    return text.replace('"NESTED"', "[" * 100_000 + "]" * 100_000)


def _registered(config, class_name, registered_name):
    for layer in config["config"]["layers"]:
        if layer["class_name"] == class_name:
            layer["registered_name"] = registered_name
    return config


def _units(config, units):
    """Set the first hidden Dense layer of a Keras config to ``units``."""
    next(x for x in config["config"]["layers"] if x["class_name"] == "Dense")["config"][
        "units"
    ] = units
    return config


def _weights(change):
    """An ``inner`` mutation: ``change(h5)`` on the weights file's first
    dense kernel (``layers/dense/vars/0``), given the open file and its data."""

    def mutate_members(members):
        import h5py

        out = []
        for name, data in members:
            if name == "model.weights.h5":
                buffer = io.BytesIO(data)
                with h5py.File(buffer, "r+") as h5:
                    kernel = h5["layers/dense/vars/0"][()]
                    del h5["layers/dense/vars/0"]
                    change(h5, "layers/dense/vars/0", kernel)
                data = buffer.getvalue()
            out.append((name, data))
        return out

    return mutate_members


def _huge_int(m):
    text = json.dumps(m)
    return text.replace('["epochs", 1]', '["epochs", ' + "9" * 5000 + "]")


CASES = {
    "manifest_inflates_to_5GB": (
        {
            "outer": lambda ms: [
                (n, zeros_inflating_to(5000 * _MiB) if n == "estimator.json" else d)
                for n, d in ms
            ]
        },
        "more than the limit",
    ),
    "model_inflates_to_5GB": (
        {
            "outer": lambda ms: [
                (n, zeros_inflating_to(5000 * _MiB) if n == "model.keras" else d)
                for n, d in ms
            ]
        },
        "more than the limit",
    ),
    "eight_250MiB_padding_members_in_the_model": (
        {
            "inner": lambda ms: (
                ms + [(f"pad{i}", zeros_inflating_to(250 * _MiB)) for i in range(8)]
            )
        },
        "unexpected member 'pad0'",
    ),
    "oversized_weights_in_the_model": (
        {
            "inner": lambda ms: [
                (n, zeros_inflating_to(300 * _MiB) if n == "model.weights.h5" else d)
                for n, d in ms
            ]
        },
        "model.weights.h5",
    ),
    "subarray_dtype": (
        _fitted(
            "classes_",
            {"__ndarray__": [0, 1], "dtype": "(2000,1000,1000)u1", "shape": [2]},
        ),
        "only bool, int, uint, float",
    ),
    "structured_dtype": (
        _fitted(
            "classes_",
            {"__ndarray__": [0, 1], "dtype": "[('a', '<i8')]", "shape": [2]},
        ),
        "only bool, int, uint, float",
    ),
    "shape_larger_than_the_items": (
        _fitted("classes_", {"__ndarray__": [0, 1], "dtype": "<i8", "shape": [10**9]}),
        "has the shape",
    ),
    "lists_nested_100000_deep": (_manifest(_nested), "nested"),
    "class_as_a_list": (_manifest(lambda m: {**m, "class": ["os", "system"]}), "class"),
    "5000_digit_integer": (_manifest(_huge_int), "digits"),
    "fitted_is_a_number": (_manifest(lambda m: {**m, "fitted": 5}), "fitted"),
    "negative_n_features_in_": (_fitted("n_features_in_", -1), "n_features_in_"),
    "classes_as_a_string": (_fitted("classes_", "ab"), "classes_"),
    "negative_image_shape_": (
        _fitted("image_shape_", {"__tuple__": [-8, -8, 1]}),
        "image_shape_",
    ),
    "image_shape_unlike_the_model": (
        _fitted("image_shape_", {"__tuple__": [1, 4, 1]}),
        "does not match the estimator",
    ),
    "classes_unlike_the_model": (
        _fitted("classes_", {"__ndarray__": [0, 1, 2], "dtype": "<i8", "shape": [3]}),
        "n_classes_ does not match classes_",
    ),
    "extra_fitted_key_predict": (_fitted("predict", "gotcha"), "predict"),
    "callbacks_set_in_the_file": (
        _manifest(
            lambda m: json.loads(
                json.dumps(m).replace('["callbacks", null]', '["callbacks", ["x"]]')
            )
        ),
        "callbacks",
    ),
    "keras_class_under_a_registered_name": (
        {"config": lambda c: _registered(c, "Flatten", "my>Flatten")},
        "never builds",
    ),
    "billion_dense_units_in_the_keras_config": (
        {"config": lambda c: _units(c, 10**9)},
        "does not match the estimator",
    ),
    "billion_dense_units_in_config_and_params": (
        {
            "config": lambda c: _units(c, 10**9),
            "manifest": lambda m: json.loads(
                json.dumps(m).replace(
                    '["dense_units", {"__tuple__": [8]}]',
                    '["dense_units", {"__tuple__": [1000000000]}]',
                )
            ),
        },
        "weights are more than max_model_bytes",
    ),
    "weights_dataset_declaring_4GB_unwritten": (
        {
            "inner": _weights(
                lambda h5, name, kernel: h5.create_dataset(
                    name, shape=(10**9,), dtype="f4", chunks=(2**16,)
                )
            )
        },
        "declares 4,000,",
    ),
    "weights_dataset_compressed": (
        {
            "inner": _weights(
                lambda h5, name, kernel: h5.create_dataset(
                    name, data=kernel, compression="gzip"
                )
            )
        },
        "compression gzip",
    ),
    "extra_manifest_key": (_manifest(lambda m: {**m, "extra": 1}), "keys"),
    "parameter_of_the_wrong_type": (
        _manifest(
            lambda m: json.loads(
                json.dumps(m).replace('["solver", "adam"]', '["solver", 5]')
            )
        ),
        "solver",
    ),
    "duplicate_member_names": (
        {"outer": lambda ms: ms + [ms[0]]},
        "appears twice",
    ),
    "unexpected_member": (
        {"outer": lambda ms: ms + [("payload.pkl", b"\x80\x04.")]},
        "unexpected member",
    ),
    "encrypted_flag": (
        lambda genuine, target: patch_header(
            mutate(genuine, target), "estimator.json", flag=0x1
        ),
        "encrypted",
    ),
    "unknown_compression_method": (
        lambda genuine, target: patch_header(
            mutate(genuine, target), "model.keras", method=99
        ),
        "compression method 99",
    ),
    "keras_config_names_a_foreign_class": (
        {
            "config": lambda c: {
                **c,
                "compile_config": {
                    **c["compile_config"],
                    "loss": {"module": "os", "class_name": "system", "config": {}},
                },
            }
        },
        "never builds",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_is_refused(genuine, tmp_path, case):
    mutation, message = CASES[case]
    target = tmp_path / f"{case}.sknn"
    if callable(mutation):
        mutation(genuine, target)
    else:
        mutate(genuine, target, **mutation)
    assert target.stat().st_size < 10 * _MiB
    result = run_in_child(load_call(target), tmp_path / "case")
    check_refused(result, target)
    assert message in result.message, result.message


def test_safe_mode_scope_holds_for_a_plain_keras_file(genuine, tmp_path):
    """The layer under load_model's allow-list, which wrappers of user models
    rely on alone: Keras' safe mode, even after unsafe deserialization was
    enabled for the process."""
    marker = tmp_path / "marker"
    path = mutate(genuine, tmp_path / "lambda.sknn", config=with_lambda(marker))
    model = tmp_path / "lambda.keras"
    model.write_bytes(dict(members_of(path))["model.keras"])
    code = (
        "import keras\nkeras.config.enable_unsafe_deserialization()\n"
        "from sknn_estimators._keras_runtime import model_from_file\n"
        f"model_from_file({str(model)!r})"
    )
    result = run_in_child(code, tmp_path / "case")
    assert result.raised is not None and "safe_mode" in result.message, result.output
    assert not marker.exists()


def test_a_raised_limit_reads_a_larger_model(genuine, tmp_path):
    """The limits are the caller's to raise: a model over a lowered limit is
    refused, and loads when the limit is passed explicitly."""
    code = (
        "from sknn_estimators import load_model\n"
        "try:\n"
        f"    load_model({str(genuine)!r}, max_model_bytes=1000)\n"
        "except ValueError as exc:\n"
        "    assert 'max_model_bytes' in str(exc), exc\n"
        "else:\n"
        "    raise AssertionError('not refused')\n"
        f"load_model({str(genuine)!r}, max_model_bytes=10**9)\n"
    )
    result = run_in_child(code, tmp_path)
    assert result.raised is None, result.output
