"""Figures of the tutorial: training curves, confusion matrix, predictions grid.

Each function draws with matplotlib and returns the :class:`matplotlib.figure.Figure`
it drew on (a new one from ``matplotlib.pyplot`` unless axes are given); close it
with ``matplotlib.pyplot.close(fig)`` when done. matplotlib is imported inside the
functions, so ``import sknn_estimators.plotting`` imports neither matplotlib nor
TensorFlow.
"""

import math
from collections.abc import Mapping

import numpy as np

__all__ = ["plot_confusion_matrix", "plot_predictions", "plot_training_curves"]


def plot_training_curves(estimator_or_history, *, ax=None):
    """Plot accuracy and loss per epoch, training against validation.

    Two panels as in the tutorial: "Training and validation accuracy" and
    "Training and validation loss", training values as blue dots and
    validation values as a blue line. Curves that were not recorded are left
    out (a panel with no curve at all says so).

    Parameters
    ----------
    estimator_or_history : estimator, Pipeline or dict of str to list of float
        Where the per-epoch values come from:

        - a fitted :class:`~sknn_estimators.FashionCNNClassifier` (its
          ``history_``), or a Keras ``History`` (its ``history``);
        - a fitted :class:`~sklearn.neural_network.MLPClassifier` (training
          loss from ``loss_curve_``, validation accuracy from
          ``validation_scores_`` when it was fitted with ``early_stopping``);
        - a fitted :class:`~sklearn.pipeline.Pipeline` ending in one of these;
        - a dict with any of the keys ``"loss"``, ``"accuracy"``,
          ``"val_loss"``, ``"val_accuracy"``.
    ax : sequence of two matplotlib Axes, default=None
        The axes of the accuracy and the loss panels. ``None`` makes a new
        figure with the two panels side by side.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the two panels (``fig.axes[0]``: accuracy,
        ``fig.axes[1]``: loss, when ``ax`` was None).

    Raises
    ------
    TypeError
        If ``estimator_or_history`` is none of the above.
    ValueError
        If it holds none of the four curves, or is not fitted.

    See Also
    --------
    plot_confusion_matrix : Confusion matrix of predictions.
    plot_predictions : Grid of images with predicted and true classes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sknn_estimators.plotting import plot_training_curves
    >>> history = {"loss": [0.9, 0.5, 0.3], "accuracy": [0.7, 0.85, 0.9],
    ...            "val_loss": [0.8, 0.6, 0.5], "val_accuracy": [0.75, 0.8, 0.82]}
    >>> fig = plot_training_curves(history)
    >>> [a.get_title() for a in fig.axes]
    ['Training and validation accuracy', 'Training and validation loss']
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['Training accuracy', 'Validation accuracy']
    >>> plt.close(fig)
    """
    from matplotlib.ticker import MaxNLocator

    history = _history_of(estimator_or_history)
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    else:
        ax = list(ax) if not hasattr(ax, "plot") else [ax]
        if len(ax) != 2:
            raise ValueError(
                "`ax` must be two matplotlib Axes (accuracy, loss) or None, got "
                f"{len(ax)} axes."
            )
        fig = ax[0].figure
    for axes, name in zip(ax, ("accuracy", "loss"), strict=True):
        n_epochs = 0
        for key, style, label in (
            (name, "bo", "Training"),
            (f"val_{name}", "b", "Validation"),
        ):
            values = history.get(key, ())
            if len(values) == 0:
                continue
            if len(values) == 1 and style == "b":
                style = "bx"  # a line through one point would be invisible
            epochs = np.arange(1, len(values) + 1)
            axes.plot(epochs, values, style, label=f"{label} {name}")
            n_epochs = max(n_epochs, len(values))
        axes.set_title(f"Training and validation {name}")
        axes.set_xlabel("Epoch")
        axes.set_ylabel(name.capitalize())
        if n_epochs:
            axes.legend()
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            if n_epochs == 1:
                axes.set_xlim(0.5, 1.5)
                axes.set_xticks([1])
        else:
            axes.text(
                0.5,
                0.5,
                f"no {name} recorded",
                ha="center",
                va="center",
                transform=axes.transAxes,
                color="grey",
            )
    return fig


def plot_confusion_matrix(
    y_true,
    y_pred,
    *,
    labels=None,
    display_labels=None,
    normalize=None,
    xticks_rotation="horizontal",
    ax=None,
):
    """Plot the confusion matrix of predictions, with scikit-learn's display.

    A thin layer over
    :meth:`sklearn.metrics.ConfusionMatrixDisplay.from_predictions` that
    returns the figure like the other functions here.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like of shape (n_classes,), default=None
        Labels to show, in order; ``None`` uses those in ``y_true`` or
        ``y_pred``, sorted.
    display_labels : array-like of shape (n_classes,), default=None
        Names shown on the axes instead of the labels (e.g. class names).
    normalize : {"true", "pred", "all"}, default=None
        Show shares of each true class, predicted class or of all samples
        instead of counts.
    xticks_rotation : {"vertical", "horizontal"} or float, default="horizontal"
        Rotation of the predicted-label names (45 suits long class names).
    ax : matplotlib Axes, default=None
        Where to draw; ``None`` makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure: ``fig.axes[0]`` is the matrix, ``fig.axes[1]`` its colour
        bar.

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : The display drawn here.
    plot_predictions : Grid of images with predicted and true classes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sknn_estimators.plotting import plot_confusion_matrix
    >>> fig = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2],
    ...                             display_labels=["cat", "dog", "cow"])
    >>> fig.axes[0].get_title()
    'Confusion matrix (3 of 4 correct)'
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['cat', 'dog', 'cow']
    >>> plt.close(fig)
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            "`y_true` and `y_pred` must be 1-D and of the same length, got shapes "
            f"{y_true.shape} and {y_pred.shape}."
        )
    display = ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        display_labels=display_labels,
        normalize=normalize,
        xticks_rotation=xticks_rotation,
        values_format=".2f" if normalize else "d",
        cmap="Blues",
        ax=ax,
        colorbar=True,
    )
    n_correct = int(np.sum(y_true == y_pred))
    display.ax_.set_title(f"Confusion matrix ({n_correct} of {len(y_true)} correct)")
    return display.figure_


def plot_predictions(
    images,
    y_true,
    y_pred,
    *,
    class_names=None,
    n=16,
    indices=None,
    image_shape=None,
    ncols=None,
):
    """Plot a grid of images titled with their predicted and true classes.

    Each image is titled "pred: X" over "true: Y", in green when the
    prediction is right and in red when it is wrong, as in the tutorial's
    figures of correct and incorrect labels.

    Parameters
    ----------
    images : array-like of shape (n_samples, height, width), \
(n_samples, height, width, channels) or (n_samples, n_pixels)
        The images, as given to the classifier or before scaling (each image
        is drawn with its own grey scale). Flattened rows are reshaped to
        ``image_shape``, or to squares when ``image_shape`` is None.
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    class_names : sequence of str or mapping, default=None
        Name of each label, indexed (or keyed) by label; ``None`` shows the
        labels themselves.
    n : int, default=16
        Number of images, when ``indices`` is None: the first ``n``.
    indices : array-like of int, default=None
        Which images to show, in order (e.g. a mix of right and wrong ones).
    image_shape : tuple of int, default=None
        ``(height, width)`` or ``(height, width, channels)`` of flattened rows.
    ncols : int, default=None
        Images per row; ``None`` makes the grid as square as possible.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, one axes per image (``len(fig.axes)`` is the number of
        images; unused grid cells are removed).

    See Also
    --------
    plot_confusion_matrix : Confusion matrix of predictions.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sknn_estimators.plotting import plot_predictions
    >>> images = np.random.default_rng(0).random((6, 8, 8))
    >>> fig = plot_predictions(images, [0, 1, 2, 0, 1, 2], [0, 1, 1, 0, 1, 2],
    ...                        class_names=["zero", "one", "two"], n=4)
    >>> len(fig.axes)
    4
    >>> title = fig.axes[2].get_title()
    >>> title, fig.axes[2].title.get_color()
    ('pred: one\\ntrue: two', 'red')
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    images = _as_images(np.asarray(images), image_shape)
    if not images.shape[0] == y_true.shape[0] == y_pred.shape[0]:
        raise ValueError(
            f"`images`, `y_true` and `y_pred` must have the same length, got "
            f"{images.shape[0]}, {y_true.shape[0]} and {y_pred.shape[0]}."
        )
    if indices is None:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"`n` must be an int >= 1, got {n!r}.")
        indices = np.arange(min(n, images.shape[0]))
    else:
        indices = np.asarray(indices, dtype=np.intp).ravel()
    if indices.size == 0:
        raise ValueError("No image to plot: `images` or `indices` is empty.")
    count = indices.size
    ncols = ncols or math.ceil(math.sqrt(count))
    nrows = math.ceil(count / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(2.0 * ncols, 2.3 * nrows),
        squeeze=False,
        layout="constrained",
    )
    axes = axes.ravel()
    for cell, index in zip(axes, indices, strict=False):
        image = images[index]
        cell.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray")
        cell.set_title(
            f"pred: {_name(class_names, y_pred[index])}\n"
            f"true: {_name(class_names, y_true[index])}",
            color="green" if y_true[index] == y_pred[index] else "red",
            fontsize=9,
        )
        cell.set_axis_off()
    for cell in axes[count:]:
        cell.remove()
    return fig


def _history_of(source):
    """The per-epoch values of ``source`` as a dict of str to list of float."""
    if hasattr(source, "steps") and hasattr(source, "named_steps"):
        source = source.steps[-1][1]  # a Pipeline: its classifier
    if isinstance(source, Mapping):
        history = dict(source)
    elif isinstance(getattr(source, "history_", None), Mapping):
        history = dict(source.history_)
    elif isinstance(getattr(source, "history", None), Mapping):  # keras History
        history = dict(source.history)
    elif hasattr(source, "loss_curve_"):  # MLPClassifier
        history = {"loss": source.loss_curve_}
        if getattr(source, "validation_scores_", None) is not None:
            history["val_accuracy"] = source.validation_scores_
    elif hasattr(source, "fit"):
        raise ValueError(
            f"This {type(source).__name__} has no training history: fit it first "
            "(it needs `history_`, or `loss_curve_` as MLPClassifier has)."
        )
    else:
        raise TypeError(
            "plot_training_curves needs a fitted estimator with `history_` or "
            "`loss_curve_`, a Pipeline ending in one, or a dict of per-epoch "
            f"values; got {type(source).__name__}."
        )
    keys = ("accuracy", "val_accuracy", "loss", "val_loss")
    curves = {key: history[key] for key in keys if history.get(key) is not None}
    if not curves:
        raise ValueError(
            "The history holds none of 'loss', 'accuracy', 'val_loss', "
            f"'val_accuracy'; its keys are {sorted(history)}."
        )
    return curves


def _as_images(images, image_shape):
    """``images`` as (n, height, width) or (n, height, width, channels)."""
    if images.ndim in (3, 4):
        return images
    if images.ndim != 2:
        raise ValueError(
            "`images` must be 2-D (one flattened image per row), 3-D or 4-D, got "
            f"shape {images.shape}."
        )
    if image_shape is None:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(
                f"Rows of {images.shape[1]} values are not square images; give "
                "`image_shape`."
            )
        image_shape = (side, side)
    if math.prod(image_shape) != images.shape[1]:
        raise ValueError(
            f"`image_shape`={tuple(image_shape)} holds {math.prod(image_shape)} "
            f"values, but the rows of `images` have {images.shape[1]}."
        )
    return images.reshape((images.shape[0], *image_shape))


def _name(class_names, label):
    try:  # a TypeError for class_names=None
        return str(class_names[label])
    except (KeyError, IndexError, TypeError):
        return str(label)
