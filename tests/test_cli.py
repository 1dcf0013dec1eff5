"""The ``sknn-estimators`` command: subprocess runs of each subcommand, exit codes.

Runs that train a CNN start TensorFlow in a subprocess (about 5 s each) and are
marked slow; argument errors and the runs that need no TensorFlow go through
``main`` in this process.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sknn_estimators
import sknn_estimators.datasets._fashion_mnist as fm
from sknn_estimators import PRESETS
from sknn_estimators._cli import main
from sknn_estimators._cli.arguments import parse_value
from sknn_estimators._cli.output import format_table
from sknn_estimators.datasets._errors import DownloadFailure
from tests.conftest import SHARED_FASHION

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
COMMANDS = ("demo", "fashion", "grid", "presets")
FIGURES = ("training_curves.png", "confusion_matrix.png", "predictions.png")
TRAIN = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


# ---------------------------------------------------------------- helpers
def this_checkout_env():
    """The environment, with this checkout's package first on the import path.

    A subprocess started in another folder would otherwise import the
    installed ``sknn_estimators``, which need not be the one under test (an
    editable install of another checkout, another worktree).
    """
    root = str(Path(sknn_estimators.__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root if not path else f"{root}:{path}"}


def run_cli(*args, cwd, timeout=300):
    """``python -m sknn_estimators ARGS`` in ``cwd``; the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "sknn_estimators", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=this_checkout_env(),
    )


def own_stderr(stderr):
    """The lines the command wrote, without TensorFlow's start-up log lines."""
    noise = ("WARNING: All log messages before absl", "I0000 ", "W0000 ", "E0000 ")
    return [line for line in stderr.splitlines() if not line.startswith(noise)]


def write_idx(path, array):
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim])
    header += np.array(array.shape, dtype=">u4").tobytes()
    with gzip.open(path, "wb") as file:
        file.write(header + array.tobytes())


def write_fashion(folder, names, n, seed):
    """``n`` random 28x28 images in the official IDX format, labels 0..9."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / names[0], rng.integers(0, 256, size=(n, 28, 28)))
    write_idx(folder / names[1], np.arange(n) % 10)
    return folder


def assert_png(path):
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"
    import matplotlib.image

    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) > 200


def assert_fashion_outputs(out, stdout):
    for name in FIGURES:
        assert_png(out / name)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_correct"] + metrics["n_incorrect"] == metrics["n_test"]
    assert 0 <= metrics["accuracy"] <= 1
    report = (out / "report.txt").read_text()
    assert f"Found {metrics['n_correct']} correct labels" in report
    assert f"Found {metrics['n_incorrect']} incorrect labels" in report
    assert f"Found {metrics['n_correct']} correct labels" in stdout
    assert "precision    recall  f1-score   support" in stdout
    return metrics


@pytest.fixture(scope="module")
def train_only_home(tmp_path_factory):
    """The real Fashion-MNIST subset when present, else 300 random images."""
    if SHARED_FASHION.is_dir():
        return SHARED_FASHION
    return write_fashion(tmp_path_factory.mktemp("fashion"), TRAIN, 300, seed=0)


@pytest.fixture(scope="module")
def train_and_test_home(tmp_path_factory):
    """Random training and test files (200 and 60 images)."""
    folder = tmp_path_factory.mktemp("fashion-both")
    write_fashion(folder, TRAIN, 200, seed=1)
    return write_fashion(folder, TEST, 60, seed=2)


# ------------------------------------------------------------ subprocesses
@pytest.mark.slow
def test_demo_prints_the_notebook_accuracy_and_writes_the_figures(tmp_path):
    result = run_cli("demo", "--out", "figs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Accuracy: 0.9667" in result.stdout  # the notebook's iris figure
    digits_part = result.stdout.split("Digits")[1]
    accuracy = float(digits_part.split("Accuracy: ")[1].split()[0])
    assert accuracy > 0.9
    assert digits_part.count("precision    recall") == 1
    for name in FIGURES:
        assert_png(tmp_path / "figs" / name)
    assert [line for line in own_stderr(result.stderr) if line.strip()] == []
    # TensorFlow's start-up notices are not printed at all, not only filtered.
    for notice in ("absl::InitializeLog", "oneDNN", "cuda drivers", "cudart"):
        assert notice not in result.stderr


@pytest.mark.slow
def test_fashion_limit_on_training_files_only(tmp_path, train_only_home):
    from sknn_estimators import load_model
    from sknn_estimators.datasets import load_fashion_mnist

    result = run_cli(
        "fashion",
        "--data-home",
        train_only_home,
        "--limit",
        600,
        "--epochs",
        1,
        "--out",
        "run",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "run"
    metrics = assert_fashion_outputs(out, result.stdout)
    assert "No test files (t10k-*) found" in result.stdout
    assert "held out from the training files" in metrics["evaluated_on"]
    n_used = min(600, 8517 if train_only_home == SHARED_FASHION else 300)
    assert metrics["n_test"] == round(0.15 * n_used)
    assert "Epoch 1/1" in result.stdout or "val_accuracy:" in result.stdout
    assert "Total params" in result.stdout  # the Keras summary
    X, _ = load_fashion_mnist(
        data_home=train_only_home, download=False, return_X_y=True
    )
    model = load_model(out / "model.sknn")
    assert model.predict(X[:5] / 255.0).shape == (5,)


@pytest.mark.slow
def test_fashion_evaluates_on_the_test_files_when_present(
    tmp_path, train_and_test_home
):
    result = run_cli(
        "fashion",
        "--data-home",
        train_and_test_home,
        "--epochs",
        2,
        "--batch-size",
        32,
        "--out",
        tmp_path / "run",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    metrics = assert_fashion_outputs(tmp_path / "run", result.stdout)
    assert metrics["n_test"] == 60
    assert metrics["evaluated_on"].startswith("the test files")
    assert (metrics["n_train"], metrics["n_validation"]) == (160, 40)
    assert "No test files" not in result.stdout
    assert len(metrics["history"]["val_accuracy"]) == 2
    assert (tmp_path / "run" / "model.sknn").is_file()


def test_fashion_with_an_mlp_preset_saves_it_with_joblib(tmp_path, train_only_home):
    import joblib

    result = run_cli(
        "fashion",
        "--model",
        "deep",
        "--data-home",
        train_only_home,
        "--limit",
        300,
        "--epochs",
        3,
        "--out",
        tmp_path / "mlp",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "mlp"
    assert_fashion_outputs(out, result.stdout)
    assert "DeepMLPClassifier(max_iter=3" in result.stdout
    assert "Iteration 3, loss" in result.stdout  # MLPClassifier's own display
    assert not (out / "model.sknn").exists()
    model = joblib.load(out / "model.joblib")
    assert model.n_iter_ == 3


def test_missing_data_is_one_readable_error_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("fashion", "--data-home", empty, cwd=tmp_path)
    assert result.returncode == 1
    lines = [line for line in own_stderr(result.stderr) if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: Fashion-MNIST files for subset='train' not")
    assert str(empty) in lines[0] and "--download" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "sknn-output").exists()  # nothing written


def test_debug_shows_the_traceback(tmp_path):
    result = run_cli("fashion", "--data-home", tmp_path, "--debug", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "DatasetNotFoundError" in result.stderr


@pytest.mark.slow
def test_grid_prints_the_results_table_and_best_parameters(tmp_path):
    result = run_cli(
        "grid",
        "--estimator",
        "cnn",
        "--data",
        "digits",
        "--limit",
        300,
        "--set",
        "conv_filters=4/",
        "--set",
        "dense_units=8/",
        "--param",
        "epochs=1,3",
        "--cv",
        2,
        "--out",
        "grid",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["rank", "epochs"])
    rows = lines[lines.index(header) + 1 : lines.index(header) + 3]
    assert [row.split()[0] for row in rows] == ["1", "2"]  # sorted by rank
    assert "Best parameters: {'epochs': " in result.stdout
    assert "conv_filters=(4,)" in result.stdout
    assert (tmp_path / "grid" / "cv_results.csv").is_file()


def test_console_script_is_installed(tmp_path):
    script = shutil.which("sknn-estimators", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the package is not installed in this environment")
    result = subprocess.run(
        [script, "--help"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: sknn-estimators")
    for command in ("demo", "fashion", "grid", "presets"):
        assert command in result.stdout


def test_the_command_line_does_not_import_tensorflow_until_training(tmp_path):
    code = (
        "import sys; from sknn_estimators._cli import main; "
        "assert main(['presets']) == 0; "
        "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=this_checkout_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


# ------------------------------------------------------------- in-process
@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["bogus"],
        ["fashion", "--epochs", "0"],
        ["fashion", "--epochs", "two"],
        ["fashion", "--limit", "-3"],
        ["fashion", "--batch-size", "0"],
        ["fashion", "--model", "no-such-preset"],
        ["fashion", "--test-size", "1.5"],
        ["fashion", "--random-state", "-1"],
        ["fashion", "--unknown-option"],
        ["demo", "--out"],
        ["grid", "--data", "mnist"],
        ["grid", "--param", "epochs"],
        ["grid", "--param", "epochs=1,"],
        ["grid", "--param", "no_such_parameter=1,2"],
        ["grid", "--set", "epochs=1,2"],
        ["grid", "--set", "epochs=1", "--param", "epochs=2,3"],
        ["grid", "--cv", "1"],
        ["grid", "--n-jobs", "0"],
        ["grid", "--estimator", "deep", "--param", "epochs=1,2"],
        ["presets", "extra"],
    ],
)
def test_bad_arguments_exit_2_with_a_usage_message(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    command = argv[0] if argv and argv[0] in COMMANDS else None
    usage = (
        f"usage: sknn-estimators {command} " if command else "usage: sknn-estimators"
    )
    assert err.startswith(usage), err  # the command's own usage, not the top level
    assert "error: " in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["fashion", "--modle", "cnn"],
        ["grid", "--estimater", "deep"],
        ["demo", "--outt", "figs"],
        ["presets", "--verbose"],
    ],
)
def test_an_unknown_option_of_a_command_prints_that_commands_usage(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: sknn-estimators {argv[0]} [-h]"), err
    assert f"sknn-estimators {argv[0]}: error: unrecognized arguments: {argv[1]}" in err


def test_unknown_grid_parameter_lists_the_valid_ones(capsys):
    assert main(["grid", "--estimator", "deep", "--param", "epochs=1,2"]) == 2
    err = capsys.readouterr().err
    assert "DeepMLPClassifier has no parameter 'epochs'" in err
    assert "max_iter" in err


@pytest.mark.parametrize("argv", [["--help"], ["fashion", "--help"], ["--version"]])
def test_help_and_version_exit_0(argv, capsys):
    assert main(argv) == 0
    assert "sknn-estimators" in capsys.readouterr().out


def test_help_of_each_command_documents_its_options(capsys):
    for command, words in {
        "demo": ["--out"],
        "fashion": [
            "--epochs",
            "--batch-size",
            "--limit",
            "--out",
            "--model",
            "--random-state",
            "--data-home",
            "--download",
            "cnn",
            "deep",
        ],
        "grid": [
            "--estimator",
            "--data",
            "--param",
            "--set",
            "--cv",
            "--n-jobs",
            "16/32",
        ],
        "presets": [],
    }.items():
        assert main([command, "--help"]) == 0
        out = capsys.readouterr().out
        for word in words:
            assert word in out, (command, word)


def test_missing_data_does_not_download_unless_asked(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_download(names, folder, **kwargs):
        calls.append(list(names))
        return tuple(
            DownloadFailure(name, None, "offline in this test") for name in names
        )

    monkeypatch.setattr(fm, "_download_missing", fake_download)
    argv = ["fashion", "--data-home", str(tmp_path), "--out", str(tmp_path / "o")]
    assert main(argv) == 1
    assert calls == []
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: ")
    assert "or pass --download to fetch them" in err
    assert main([*argv, "--download"]) == 1
    assert calls == [list(TRAIN)]
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "the download failed" in err


def test_presets_lists_the_registry_within_100_columns(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    table, descriptions = out.split("\n\n")[1:3]
    lines = table.splitlines()
    assert lines[0].split() == ["name", "class", "parameter", "value"]
    rows, name = {}, None
    for line in lines[1:]:  # a preset's name and class on its first row only
        if line[0] != " ":
            name, cls, line = line.split(maxsplit=2)
            assert cls == PRESETS[name].estimator.__name__
            rows[name] = []
        rows[name].append(" ".join(line.split(maxsplit=1)))
    assert list(rows) == list(PRESETS)
    for name, preset in PRESETS.items():
        expected = [f"{k} {v!r}" for k, v in preset.params.items()] or ["(defaults)"]
        assert rows[name] == expected
        assert f"{name}: {preset.description}" in " ".join(descriptions.split("\n"))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_with_an_mlp_preset_in_process(capsys):
    argv = [
        "grid",
        "--estimator",
        "deep",
        "--data",
        "iris",
        "--cv",
        "2",
        "--set",
        "max_iter=30",
        "--param",
        "hidden_layer_sizes=8/,(16, 8)",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2 candidates x 2 folds = 4 fits" in out
    assert "(16, 8)" in out and "(8,)" in out
    assert "Best parameters: {'hidden_layer_sizes': (" in out
    assert "Best score: " in out


@pytest.fixture
def fit_calls(monkeypatch):
    """The estimator classes of the presets, their ``fit`` recording each call."""
    calls = []

    def recording_fit(self, *args, **kwargs):
        calls.append(type(self).__name__)
        raise AssertionError("fit was called")

    for preset in PRESETS.values():
        monkeypatch.setattr(preset.estimator, "fit", recording_fit)
    return calls


@pytest.mark.parametrize(
    "argv, words",
    [
        (
            ["--param", "max_iter=3,x"],
            ["--param: The 'max_iter' parameter of DeepMLPClassifier", "'x'"],
        ),
        (
            ["--param", "activation=relu,no-such-activation"],
            ["--param: The 'activation' parameter", "'relu'", "no-such-activation"],
        ),
        (
            ["--set", "alpha=-1", "--param", "max_iter=2,3"],
            ["--set: The 'alpha' parameter of DeepMLPClassifier", "-1"],
        ),
        (
            ["--param", "hidden_layer_sizes=8/,oops", "--param", "max_iter=2,3"],
            ["--param: The 'hidden_layer_sizes' parameter", "'oops'"],
        ),
    ],
)
def test_bad_grid_values_exit_2_before_any_training(argv, words, capsys, fit_calls):
    argv = ["grid", "--estimator", "deep", "--data", "iris", "--cv", "2", *argv]
    assert main(argv) == 2
    assert fit_calls == []
    captured = capsys.readouterr()
    assert "GridSearchCV:" not in captured.out  # stopped before the search
    err = captured.err.splitlines()
    assert err[0].startswith("usage: sknn-estimators grid ")
    assert err[-1].startswith("sknn-estimators grid: error: --")
    for word in words:
        assert word in err[-1], (word, err[-1])


def test_bad_grid_values_of_the_cnn_exit_2_before_any_training(capsys, fit_calls):
    assert main(["grid", "--param", "epochs=3,x"]) == 2
    assert fit_calls == []
    err = capsys.readouterr().err
    assert "--param: The 'epochs' parameter of FashionCNNClassifier" in err


def test_grid_missing_data_is_a_runtime_error_exit_1(tmp_path, capsys):
    argv = ["grid", "--estimator", "small", "--data", "fashion"]
    assert main([*argv, "--data-home", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Fashion-MNIST files")
    assert str(tmp_path) in err[0] and "--download" in err[0]


@pytest.mark.parametrize("name", list(PRESETS))
def test_epochs_and_verbose_go_to_each_presets_own_parameters(name):
    from sknn_estimators._cli.estimators import make_estimator

    default = PRESETS[name].make()
    own = default.get_params()
    estimator = make_estimator(name, epochs=3, verbose=2, random_state=0)
    params = estimator.get_params()
    iterations = "epochs" if "epochs" in own else "max_iter"  # asked, not typed
    assert params[iterations] == 3 and type(params[iterations]) is int
    assert params["verbose"] == (True if own["verbose"] is False else 2)
    changed = {k for k in params if params[k] != own[k]}
    assert changed == {iterations, "verbose", "random_state"}


@pytest.mark.parametrize(
    "text, value",
    [
        ("3", 3),
        ("-2", -2),
        ("0.5", 0.5),
        ("1e-3", 0.001),
        ("True", True),
        ("false", False),
        ("None", None),
        ("adam", "adam"),
        ("16/32", (16, 32)),
        ("64/", (64,)),
        ("/", ()),
        ("(16, 32)", (16, 32)),
        ("[8]", (8,)),
        ("0.25/0.5", (0.25, 0.5)),
    ],
)
def test_parse_value(text, value):
    parsed = parse_value(text)
    assert parsed == value and type(parsed) is type(value)


def test_format_table_aligns_columns_to_the_left():
    import pandas as pd

    text = format_table(pd.DataFrame({"a": ["x", "long"], "bb": [1, 22]}))
    assert text.splitlines() == ["a    bb", "x    1", "long 22"]
