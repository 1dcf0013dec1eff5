"""What the commands print and write: headings, tables, evaluation reports,
figures, warnings and error lines."""

import re
import sys
import textwrap

import numpy as np

#: Widest line of a printed table.
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


def format_table(frame, width=TABLE_WIDTH):
    """A DataFrame as a left-aligned text table of at most ``width`` columns.

    Every cell is shown as text. While the table is too wide, the widest column
    is narrowed; cells are then wrapped at spaces onto more lines (a single word
    longer than its column stays whole).

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to show; the index is not shown.
    width : int, default=100
        Widest line.

    Returns
    -------
    table : str

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"name": ["a", "bb"], "text": ["one two three", "x"]})
    >>> print(format_table(frame, width=14))
    name  text
    a     one two
          three
    bb    x
    """
    import pandas as pd

    frame = frame.astype(str)
    columns = [str(column) for column in frame.columns]
    widths = [
        max(len(column), *frame.iloc[:, i].str.len(), 1)
        for i, column in enumerate(columns)
    ]
    # Columns shrink first down to their longest word (cells wrap at spaces
    # and after "=", as in "name=value"), then, if the table is still too
    # wide, down to their header or 8 characters, breaking longer words.
    words = [
        max(
            len(column), 8, *(len(w) for cell in frame.iloc[:, i] for w in _words(cell))
        )
        for i, column in enumerate(columns)
    ]
    separators = 2 * (len(columns) - 1)
    for floors in (words, [max(len(column), 8) for column in columns]):
        while sum(widths) + separators > width:
            shrinkable = [i for i in range(len(columns)) if widths[i] > floors[i]]
            if not shrinkable:
                break  # as narrow as this pass lets it get
            widths[max(shrinkable, key=lambda i: widths[i])] -= 1
    lines = []
    for row in frame.itertuples(index=False):
        cells = [
            _CellWrapper(w, break_long_words=w < longest).wrap(cell) or [""]
            for cell, w, longest in zip(row, widths, words, strict=True)
        ]
        for k in range(max(map(len, cells))):
            lines.append([cell[k] if k < len(cell) else "" for cell in cells])
    wrapped = pd.DataFrame(lines, columns=columns)
    pads = [w + 1 for w in widths[:-1]] + [widths[-1]]  # to_string adds one space
    text = wrapped.to_string(
        index=False,
        justify="left",
        formatters={
            column: f"{{:<{pad}}}".format
            for column, pad in zip(columns, pads, strict=True)
        },
    )
    return "\n".join(line.rstrip() for line in text.splitlines())


def _chunks(text):
    """``text`` cut at whitespace (kept as chunks) and after each "=", as in
    ``name=value`` pairs; never at hyphens."""
    return [chunk for chunk in re.split(r"(\s+)|(?<==)", text) if chunk]


class _CellWrapper(textwrap.TextWrapper):
    """Wraps between the :func:`_chunks` of a cell."""

    def _split(self, text):
        return _chunks(text)


def _words(text):
    """The pieces :class:`_CellWrapper` never breaks, unless they are too long."""
    return [chunk for chunk in _chunks(text) if not chunk.isspace()]


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
