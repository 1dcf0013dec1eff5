"""Saving and loading without pickle: round trips, atomic writes, damaged files."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

from sknn_estimators import FashionCNNClassifier, load_model
from tests.conftest import small_cnn


@pytest.fixture(scope="module")
def saved(tmp_path_factory, fitted_cnn):
    path = tmp_path_factory.mktemp("saved") / "digits.sknn"
    fitted_cnn.save(path)
    return path


def test_round_trip_predicts_identically(saved, fitted_cnn, digits):
    twin = load_model(saved)
    assert isinstance(twin, FashionCNNClassifier)
    np.testing.assert_array_equal(
        twin.predict_proba(digits[1]), fitted_cnn.predict_proba(digits[1])
    )
    assert twin.get_params() == fitted_cnn.get_params()
    for name in ("classes_", "n_features_in_", "image_shape_", "n_iter_", "history_"):
        np.testing.assert_equal(getattr(twin, name), getattr(fitted_cnn, name))


def test_string_labels_class_weight_and_feature_names_survive(tmp_path, digits):
    import pandas as pd

    X, _, y, _ = digits
    columns = [f"px{i}" for i in range(64)]
    labels = np.array(["cat", "dog", "eel"])[y % 3]
    clf = small_cnn(epochs=1, class_weight={"eel": 3.0}, dropout=(0.1, 0.2))
    clf.fit(pd.DataFrame(X, columns=columns), labels)
    clf.save(tmp_path / "m.sknn")
    twin = load_model(tmp_path / "m.sknn")
    assert twin.classes_.tolist() == ["cat", "dog", "eel"]
    assert twin.feature_names_in_.tolist() == columns
    assert twin.get_params()["class_weight"] == {"eel": 3.0}
    assert twin.get_params()["dropout"] == (0.1, 0.2)
    frame = pd.DataFrame(X[:20], columns=columns)
    np.testing.assert_array_equal(twin.predict(frame), clf.predict(frame))


def test_loaded_model_keeps_training(saved, fitted_cnn, digits):
    twin = load_model(saved).set_params(warm_start=True, epochs=1)
    twin.fit(digits[0], digits[2])
    assert twin.n_iter_ == fitted_cnn.n_iter_ + 1


def test_unfitted_estimator_cannot_be_saved(tmp_path):
    with pytest.raises(Exception, match="not fitted"):
        small_cnn().save(tmp_path / "x.sknn")
    assert not (tmp_path / "x.sknn").exists()


def test_saving_into_a_missing_folder_is_a_clear_error(fitted_cnn, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fitted_cnn.save(tmp_path / "nowhere" / "m.sknn")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No saved estimator"):
        load_model(tmp_path / "absent.sknn")


def _rewrite(source, target, manifest=None, model=None):
    with zipfile.ZipFile(source) as archive:
        manifest_text = archive.read("estimator.json").decode()
        model_bytes = archive.read("model.keras")
    if manifest is not None:
        manifest_text = json.dumps(manifest(json.loads(manifest_text)))
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("estimator.json", manifest_text)
        archive.writestr("model.keras", model if model is not None else model_bytes)


@pytest.mark.parametrize(
    "damage, message",
    [
        ("truncated", "truncated or corrupted"),
        ("random", "truncated or corrupted"),
        ("empty", "truncated or corrupted"),
        ("foreign_zip", "not an sknn-estimators file"),
        ("foreign_format", "not an sknn-estimators file"),
        ("newer_version", "format version 99"),
        ("broken_model", "Keras model inside cannot be loaded"),
        ("unknown_class", "unknown estimator class"),
    ],
)
def test_damaged_or_foreign_files_name_the_file(saved, tmp_path, damage, message):
    target = tmp_path / f"{damage}.sknn"
    data = saved.read_bytes()
    if damage == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "random":
        target.write_bytes(np.random.RandomState(0).bytes(4000))
    elif damage == "empty":
        target.write_bytes(b"")
    elif damage == "foreign_zip":
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr("something.txt", "hello")
    elif damage == "foreign_format":
        _rewrite(saved, target, manifest=lambda m: {**m, "format": "other"})
    elif damage == "newer_version":
        _rewrite(saved, target, manifest=lambda m: {**m, "format_version": 99})
    elif damage == "broken_model":
        _rewrite(saved, target, model=b"not a keras archive")
    elif damage == "unknown_class":
        _rewrite(saved, target, manifest=lambda m: {**m, "class": "os.system"})
    with pytest.raises(ValueError, match=message) as info:
        load_model(target)
    assert str(target) in str(info.value)


def test_a_save_killed_midway_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "model.sknn"
    expected = tmp_path / "expected.npy"
    script = textwrap.dedent(
        f"""
        import sys, time, zipfile
        import numpy as np
        from sklearn.datasets import load_digits
        from sknn_estimators import FashionCNNClassifier

        X, y = load_digits(return_X_y=True)
        small = dict(conv_filters=(4,), dense_units=(8,), epochs=1, random_state=0)
        first = FashionCNNClassifier(**small).fit(X, y)
        first.save({str(path)!r})
        np.save({str(expected)!r}, first.predict_proba(X))
        second = FashionCNNClassifier(**{{**small, "dense_units": (16,)}}).fit(X, y)

        original = zipfile.ZipFile.writestr
        def slow_writestr(self, name, data, *args, **kwargs):
            original(self, name, data, *args, **kwargs)
            print("WRITING", name, flush=True)
            time.sleep(120)
        zipfile.ZipFile.writestr = slow_writestr
        second.save({str(path)!r})
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            line = proc.stdout.readline()
            assert line.startswith("WRITING"), line
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True)
    twin = load_model(path)
    np.testing.assert_array_equal(twin.predict_proba(X), np.load(expected))
    assert twin.get_params()["dense_units"] == (8,)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert all(name.startswith(".model.sknn.") for name in leftovers)
    assert os.path.getsize(path) > 0


def test_pickle_still_works_next_to_save(fitted_cnn, digits):
    import pickle

    twin = pickle.loads(pickle.dumps(fitted_cnn))
    np.testing.assert_array_equal(
        twin.predict_proba(digits[1]), fitted_cnn.predict_proba(digits[1])
    )


@pytest.mark.parametrize(
    "cls, params",
    [
        (
            "FashionCNNClassifier",
            dict(
                solver="sgd",
                learning_rate="cosine",
                alpha=0.01,
                batch_normalization=True,
                augmentation=True,
                dropout=0.2,
                early_stopping=True,
                input_scale=1 / 255,
                label_smoothing=0.1,
                precision="auto",
            ),
        ),
        (
            "CNNRegressor",
            dict(
                solver="rmsprop",
                precision="mixed_bfloat16",
                batch_normalization="after_pooling",
                ema_momentum=0.99,
                augmentation="shifts",
            ),
        ),
        ("CNNRegressor", dict(precision="float64")),
    ],
)
def test_every_layer_and_optimizer_the_estimators_build_loads(tmp_path, cls, params):
    """load_model refuses Keras classes an estimator never builds; every
    option's network must still load (and predict as the saved one)."""
    import sknn_estimators
    from sknn_estimators._keras_runtime import bfloat16_supported

    X = np.random.RandomState(0).rand(40, 16)
    y = np.arange(40) % 2 if cls == "FashionCNNClassifier" else X[:, :2]
    model = getattr(sknn_estimators, cls)(
        conv_filters=(4,), dense_units=(8,), epochs=2, random_state=0, **params
    )
    if params.get("precision") == "mixed_bfloat16" and not bfloat16_supported():
        with pytest.warns(UserWarning, match="trained in float32"):
            model.fit(X, y)
    else:
        model.fit(X, y)
    model.save(tmp_path / "m.sknn")
    twin = load_model(tmp_path / "m.sknn")
    np.testing.assert_array_equal(twin.predict(X), model.predict(X))


def test_limits_are_keyword_arguments_that_a_caller_can_raise(saved):
    with pytest.raises(ValueError, match="max_manifest_bytes") as info:
        load_model(saved, max_manifest_bytes=100)
    assert str(saved) in str(info.value)
    assert load_model(saved, max_manifest_bytes=10**8, max_model_bytes=10**9)


def test_a_directory_is_not_a_saved_estimator(tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        load_model(tmp_path)


def test_a_corrupted_deflate_stream_names_the_file(saved, tmp_path):
    """Flipped bytes inside a compressed member: zlib's error becomes the
    ValueError naming the file."""
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("model.keras")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 10, start + 400, 7):
        data[offset] ^= 0xFF
    target = tmp_path / "flipped.sknn"
    target.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="truncated or corrupted") as info:
        load_model(target)
    assert str(target) in str(info.value)
