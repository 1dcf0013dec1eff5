"""What the commands print and write: headings, tables, evaluation reports,
figures, warnings and error lines."""

import sys

import numpy as np

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
    from sknn_estimators._cli.errors import CommandError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create the output folder {folder}: {exc}") from None
    return folder


def pyplot():
    """matplotlib's pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path):
    fig.savefig(path, dpi=DPI)
    pyplot().close(fig)
    return path


def prediction_indices(y_true, y_pred, n=16):
    """Up to ``n // 4`` wrong predictions and the rest right ones, in test order."""
    wrong = np.flatnonzero(y_true != y_pred)[: n // 4]
    right = np.flatnonzero(y_true == y_pred)[: n - len(wrong)]
    return np.sort(np.concatenate([wrong, right]))


def evaluate(y_true, y_pred, target_names):
    """Accuracy, the report text and dict, the counts of right and wrong labels."""
    from sklearn.metrics import accuracy_score, classification_report

    labels = np.arange(len(target_names))
    report = classification_report(
        y_true, y_pred, labels=labels, target_names=target_names, zero_division=0
    )
    report_dict = classification_report(
        y_true,
        y_pred,
        labels=labels,
        target_names=target_names,
        zero_division=0,
        output_dict=True,
    )
    n_correct = int(np.sum(y_true == y_pred))
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "report": report,
        "report_dict": report_dict,
        "n_correct": n_correct,
        "n_incorrect": int(len(y_true) - n_correct),
    }


def print_evaluation(result):
    print(f"Accuracy: {result['accuracy']:.4f}")
    print(result["report"])
    print(f"Found {result['n_correct']} correct labels")
    print(f"Found {result['n_incorrect']} incorrect labels", flush=True)


def describe_training(clf, seconds, noun):
    """One line: how many ``noun``s (epochs, iterations) it took, the last
    epoch's metrics when the estimator records a per-epoch ``history_``."""
    history = getattr(clf, "history_", None) or {}
    last = ", ".join(f"{k}={v[-1]:.4f}" for k, v in history.items() if v)
    line = f"Trained {plural(clf.n_iter_, noun)} in {seconds:.1f} s"
    print(f"{line}; last epoch: {last}" if last else line)
