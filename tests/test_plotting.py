"""sknn_estimators.plotting: the figures it returns, on the Agg backend."""

import io
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.metrics import confusion_matrix
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_estimators.plotting import (
    plot_confusion_matrix,
    plot_predictions,
    plot_training_curves,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

HISTORY = {
    "loss": [1.2, 0.6, 0.4, 0.3],
    "accuracy": [0.6, 0.8, 0.85, 0.9],
    "val_loss": [1.0, 0.7, 0.6, 0.65],
    "val_accuracy": [0.65, 0.75, 0.8, 0.79],
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def labels_of(ax):
    return [line.get_label() for line in ax.get_lines()]


def renders(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def iris_mlp():
    X, y = load_iris(return_X_y=True)
    clf = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=(8,), early_stopping=True, max_iter=300, random_state=0
        ),
    )
    return clf.fit(X, y)


# ---------------------------------------------------------- training curves
def test_training_curves_from_a_history_dict():
    fig = plot_training_curves(HISTORY)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    accuracy, loss = fig.axes
    assert accuracy.get_title() == "Training and validation accuracy"
    assert loss.get_title() == "Training and validation loss"
    assert labels_of(accuracy) == ["Training accuracy", "Validation accuracy"]
    assert labels_of(loss) == ["Training loss", "Validation loss"]
    train, val = loss.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(train.get_ydata(), HISTORY["loss"])
    np.testing.assert_array_equal(val.get_ydata(), HISTORY["val_loss"])
    # The tutorial's styles: training as blue dots, validation as a blue line.
    assert (train.get_marker(), train.get_linestyle()) == ("o", "None")
    assert (val.get_marker(), val.get_linestyle()) == ("None", "-")
    assert accuracy.get_xlabel() == "Epoch" and loss.get_ylabel() == "Loss"
    assert renders(fig)


def test_training_curves_without_validation_keys():
    fig = plot_training_curves({"loss": [0.9, 0.5], "accuracy": [0.5, 0.7]})
    assert labels_of(fig.axes[0]) == ["Training accuracy"]
    assert labels_of(fig.axes[1]) == ["Training loss"]
    assert fig.axes[0].get_legend() is not None
    assert renders(fig)


def test_training_curves_panel_without_any_curve_says_so():
    fig = plot_training_curves({"loss": [0.9, 0.5, 0.4]})
    accuracy, loss = fig.axes
    assert accuracy.get_lines() == [] and accuracy.get_legend() is None
    assert [t.get_text() for t in accuracy.texts] == ["no accuracy recorded"]
    assert labels_of(loss) == ["Training loss"]


def test_training_curves_of_one_epoch_show_the_validation_point():
    fig = plot_training_curves({"loss": [0.9], "val_loss": [0.8]})
    val = fig.axes[1].get_lines()[1]
    assert val.get_marker() == "x"  # a one-point line would be invisible
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["1"]


def test_training_curves_from_a_fitted_cnn(fitted_cnn):
    fig = plot_training_curves(fitted_cnn)
    assert labels_of(fig.axes[0]) == ["Training accuracy"]
    ydata = fig.axes[1].get_lines()[0].get_ydata()
    np.testing.assert_allclose(ydata, fitted_cnn.history_["loss"])


def test_training_curves_from_an_mlp_in_a_pipeline(iris_mlp):
    mlp = iris_mlp[-1]
    fig = plot_training_curves(iris_mlp)
    accuracy, loss = fig.axes
    assert labels_of(accuracy) == ["Validation accuracy"]
    assert labels_of(loss) == ["Training loss"]
    np.testing.assert_allclose(
        accuracy.get_lines()[0].get_ydata(), mlp.validation_scores_
    )
    assert len(loss.get_lines()[0].get_xdata()) == mlp.n_iter_


def test_training_curves_on_given_axes():
    fig, axes = plt.subplots(2, 1)
    assert plot_training_curves(HISTORY, ax=axes) is fig
    assert [len(a.get_lines()) for a in axes] == [2, 2]
    with pytest.raises(ValueError, match="two matplotlib Axes"):
        plot_training_curves(HISTORY, ax=axes[:1])


def test_training_curves_reject_what_has_no_history():
    with pytest.raises(ValueError, match="fit it first"):
        plot_training_curves(MLPClassifier())
    with pytest.raises(TypeError, match="dict of per-epoch values"):
        plot_training_curves([0.1, 0.2])
    with pytest.raises(ValueError, match="holds none of"):
        plot_training_curves({"lr": [0.1]})


# --------------------------------------------------------- confusion matrix
def test_confusion_matrix_counts_and_labels():
    y_true = [0, 1, 2, 2, 1, 0]
    y_pred = [0, 2, 2, 2, 1, 1]
    fig = plot_confusion_matrix(y_true, y_pred, display_labels=["a", "b", "c"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # matrix, colour bar
    ax = fig.axes[0]
    assert ax.get_title() == "Confusion matrix (4 of 6 correct)"
    assert ax.get_xlabel() == "Predicted label" and ax.get_ylabel() == "True label"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    np.testing.assert_array_equal(
        ax.images[0].get_array(), confusion_matrix(y_true, y_pred)
    )
    assert renders(fig)


def test_confusion_matrix_with_labels_normalize_and_ax():
    fig, ax = plt.subplots()
    result = plot_confusion_matrix(
        ["x", "y", "y"], ["x", "y", "x"], labels=["y", "x"], normalize="true", ax=ax
    )
    assert result is fig
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.5, 0.5], [0.0, 1.0]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["y", "x"]


def test_confusion_matrix_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        plot_confusion_matrix([0, 1], [0, 1, 1])


# ---------------------------------------------------------- predictions grid
def test_predictions_grid_titles_and_colours():
    rng = np.random.default_rng(0)
    images = rng.random((20, 28, 28))
    y_true = np.arange(20) % 3
    y_pred = y_true.copy()
    y_pred[[1, 5]] = (y_pred[[1, 5]] + 1) % 3
    names = ["zero", "one", "two"]
    fig = plot_predictions(images, y_true, y_pred, class_names=names)
    assert isinstance(fig, Figure) and len(fig.axes) == 16
    for i, ax in enumerate(fig.axes):
        assert ax.get_title() == f"pred: {names[y_pred[i]]}\ntrue: {names[y_true[i]]}"
        assert ax.title.get_color() == ("red" if i in (1, 5) else "green")
        assert ax.images[0].get_array().shape == (28, 28)
        assert not ax.axison
    assert renders(fig)


def test_predictions_grid_of_indices_and_flat_rows():
    X = np.arange(5 * 64, dtype=float).reshape(5, 64)  # digits-like rows
    fig = plot_predictions(X, [1, 2, 3, 4, 5], [1, 2, 0, 4, 5], indices=[2, 0], ncols=2)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == "pred: 0\ntrue: 3"
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), X[2].reshape(8, 8))


def test_predictions_grid_removes_unused_cells_and_reads_shapes():
    fig = plot_predictions(np.zeros((5, 6)), [0] * 5, [0] * 5, image_shape=(2, 3))
    assert len(fig.axes) == 5  # a 3x3 grid, four cells removed
    assert fig.axes[0].images[0].get_array().shape == (2, 3)
    fig = plot_predictions(np.zeros((2, 4, 4, 1)), [0, 1], [0, 1], class_names={0: "a"})
    assert [a.get_title() for a in fig.axes] == ["pred: a\ntrue: a", "pred: 1\ntrue: 1"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"images": np.zeros((3, 8, 8)), "y_true": [0, 1]}, "same length"),
        ({"images": np.zeros((3, 10))}, "not square"),
        ({"images": np.zeros((3, 10)), "image_shape": (3, 3)}, "holds 9 values"),
        ({"n": 0}, "`n` must be an int >= 1"),
        ({"indices": []}, "No image to plot"),
        ({"images": np.zeros((3, 2, 2, 2, 2))}, "2-D"),
    ],
)
def test_predictions_grid_errors(kwargs, message):
    args = {"images": np.zeros((3, 8, 8)), "y_true": [0, 1, 2], "y_pred": [0, 1, 2]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        plot_predictions(
            args.pop("images"), args.pop("y_true"), args.pop("y_pred"), **args
        )


# ------------------------------------------------------------------ imports
def test_import_does_not_import_matplotlib_or_tensorflow():
    code = (
        "import sys, sknn_estimators.plotting; "
        "print([m for m in ('matplotlib', 'tensorflow', 'keras') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
