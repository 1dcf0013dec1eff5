"""What the commands print and write: headings, tables, evaluation reports,
figures, warnings and error lines."""

import sys

import numpy as np

from sknn_estimators._cli.errors import CommandError

#: Widest line of the presets' descriptions.
TABLE_WIDTH = 100
#: Resolution of the saved figures.
DPI = 110


def one_line(exc):
    """``exc`` (or a warning message) as one line: whitespace runs become spaces."""
    return " ".join(str(exc).split()) or type(exc).__name__


class WarningPrinter:
    """``warnings.showwarning`` of the command: each message once, on one line."""

    def __init__(self):
        self.seen = set()

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        text = one_line(message)
        if text not in self.seen:
            self.seen.add(text)
            print(f"warning: {text}", file=sys.stderr, flush=True)


def heading(text):
    print(f"\n{text}\n{'=' * len(text)}", flush=True)


def plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def format_table(frame):
    """A DataFrame as left-aligned text through pandas, without its index.

    Examples
    --------
    >>> import pandas as pd
    >>> print(format_table(pd.DataFrame({"a": ["x", "long"], "bb": [1, 22]})))
    a    bb
    x    1
    long 22
    """
    frame = frame.astype(str)
    formatters = {
        column: f"{{:<{frame[column].str.len().max()}}}".format
        for column in frame.columns
    }
    text = frame.to_string(index=False, justify="left", formatters=formatters)
    return "\n".join(line.rstrip() for line in text.splitlines())


def print_written(paths):
    print("\nWrote:")
    for path in paths:
        print(f"  {path}")


def make_folder(folder):
    """Create ``folder`` (and its parents); a CommandError if that fails."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create the output folder {folder}: {exc}") from None
    return folder


def save_figures(
    out,
    clf,
    images,
    y_true,
    y_pred,
    class_names,
    *,
    titles,
    figsize,
    xticks_rotation="horizontal",
):
    """Write the figures of a fitted classifier into ``out``; return their paths.

    The training curves (``titles[0]``), the confusion matrix (on a figure of
    ``figsize``) and 16 test images (``titles[1]``), up to 4 of them wrongly
    classified and the rest right ones, in test order.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sknn_estimators.plotting import (
        plot_confusion_matrix,
        plot_predictions,
        plot_training_curves,
    )

    def save(fig, name):
        fig.savefig(out / name, dpi=DPI)
        plt.close(fig)
        return out / name

    fig = plot_training_curves(clf)
    fig.suptitle(titles[0])
    paths = [save(fig, "training_curves.png")]
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    plot_confusion_matrix(
        y_true,
        y_pred,
        labels=np.arange(len(class_names)),
        display_labels=class_names,
        xticks_rotation=xticks_rotation,
        ax=ax,
    )
    paths.append(save(fig, "confusion_matrix.png"))
    wrong = np.flatnonzero(y_true != y_pred)[:4]
    right = np.flatnonzero(y_true == y_pred)[: 16 - len(wrong)]
    indices = np.sort(np.concatenate([wrong, right]))
    fig = plot_predictions(
        images, y_true, y_pred, class_names=class_names, indices=indices
    )
    fig.suptitle(titles[1])
    paths.append(save(fig, "predictions.png"))
    return paths


def evaluate(y_true, y_pred, target_names):
    """Print and return the accuracy, the report (text and dict) and the counts
    of right and wrong labels."""
    from sklearn.metrics import accuracy_score, classification_report

    labels = np.arange(len(target_names))
    options = {"labels": labels, "target_names": target_names, "zero_division": 0}
    n_correct = int(np.sum(y_true == y_pred))
    result = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "report": classification_report(y_true, y_pred, **options),
        "report_dict": classification_report(
            y_true, y_pred, **options, output_dict=True
        ),
        "n_correct": n_correct,
        "n_incorrect": int(len(y_true) - n_correct),
    }
    print(f"Accuracy: {result['accuracy']:.4f}")
    print(result["report"])
    print(f"Found {result['n_correct']} correct labels")
    print(f"Found {result['n_incorrect']} incorrect labels", flush=True)
    return result
