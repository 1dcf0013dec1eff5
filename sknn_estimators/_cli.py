"""The ``sknn-estimators`` command: the tutorial's workflow from a shell.

Subcommands:

- ``demo``: the iris MLP and a small CNN on scikit-learn's 8x8 digits, offline,
  with the digits figures;
- ``fashion``: the Fashion-MNIST run of the tutorial: load, train with a
  per-epoch display, evaluate, report, save figures and the model;
- ``grid``: a ``GridSearchCV`` over a small grid, printed as a table;
- ``presets``: the models ``--model`` and ``--estimator`` accept.

Exit codes: 0 on success, 1 for a failure at run time (missing data, an
estimator refusing a parameter), printed as one ``error: ...`` line (``--debug``
shows the traceback), 2 for a usage error, 130 when interrupted outside
training (Ctrl-C during training stops within a few batches, keeps the weights and
goes on with the evaluation).
"""

import argparse
import ast
import json
import math
import sys
import textwrap
import time
import traceback
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

PROG = "sknn-estimators"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: The notebook's validation split of the training images (80/20, seed 13).
VALIDATION_SIZE = 0.2
VALIDATION_SEED = 13
#: Seed of the stratified held-out test part when there are no test files.
HOLDOUT_SEED = 0
#: Resolution of the saved figures.
DPI = 110


#: The digits CNN of ``demo``: about 3 s of training on two cores.
DEMO_CNN_PARAMS = {
    "conv_filters": (32,),
    "dense_units": (64,),
    "learning_rate_init": 0.002,
    "batch_size": 32,
    "epochs": 10,
    "image_shape": (8, 8, 1),
}

#: Grids of ``grid`` when no ``--param`` is given, by kind of model.
DEFAULT_GRIDS = {
    "cnn": {"epochs": [5, 10]},
    "mlp": {"alpha": [0.0001, 0.01]},
}


class CommandError(Exception):
    """A failure at run time, reported as one ``error: ...`` line (exit 1)."""


class _UsageError(Exception):
    """A bad argument found after parsing (exit 2, with the usage line)."""


class ModelSpec(NamedTuple):
    """One model of ``--model``/``--estimator``."""

    name: str
    kind: str  # "cnn" (FashionCNNClassifier) or "mlp" (an MLPClassifier preset)
    description: str
    params: dict


# ------------------------------------------------------------------ models
def model_specs():
    """The models the command knows, by name: ``sknn_estimators.PRESETS``."""
    from sknn_estimators import PRESETS, FashionCNNClassifier

    return {
        name: ModelSpec(
            name,
            "cnn" if issubclass(preset.estimator, FashionCNNClassifier) else "mlp",
            f"{preset.estimator.__name__}: {preset.description}",
            dict(preset.params),
        )
        for name, preset in PRESETS.items()
    }


def make_model(spec, *, epochs=None, batch_size=None, random_state=None, verbose=0):
    """A new estimator of ``spec``; ``epochs`` is ``max_iter`` for the MLPs."""
    if spec.kind == "cnn":
        from sknn_estimators import FashionCNNClassifier

        params = dict(spec.params, random_state=random_state, verbose=verbose)
        if epochs is not None:
            params["epochs"] = epochs
        if batch_size is not None:
            params["batch_size"] = batch_size
        return FashionCNNClassifier(**params)
    from sknn_estimators import PRESETS

    params = {"random_state": random_state, "verbose": verbose > 0}
    if epochs is not None:
        params["max_iter"] = epochs
    if batch_size is not None:
        params["batch_size"] = batch_size
    return PRESETS[spec.name].make(**params)


# ------------------------------------------------------- argument parsing
def _int_at_least(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be an integer >= {minimum}, got {text!r}"
            )
        return value

    parse.__name__ = f"int >= {minimum}"
    return parse


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"must be a non-zero integer (-1 for all cores), got {text!r}"
        )
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a number between 0 and 1 (exclusive), got {text!r}"
        )
    return value


def parse_value(text):
    """One value of ``--param``/``--set``: bool, None, int, float, tuple or str.

    >>> [parse_value(t) for t in ("3", "0.5", "1e-3", "true", "none", "adam")]
    [3, 0.5, 0.001, True, None, 'adam']
    >>> parse_value("16/32"), parse_value("64/"), parse_value("/")
    ((16, 32), (64,), ())
    >>> parse_value("(16, 32)")
    (16, 32)
    """
    text = text.strip()
    if text[:1] in "([":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise argparse.ArgumentTypeError(f"cannot read {text!r}") from None
        return tuple(value) if isinstance(value, list | tuple) else value
    if "/" in text:
        return tuple(parse_value(part) for part in text.split("/") if part.strip())
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _split_top_level(text):
    """Split ``text`` at the commas that are not inside brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _param_list(text):
    """``NAME=V1,V2,...`` -> ``(NAME, [V1, V2, ...])``."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE[,VALUE...], got {text!r}"
        )
    parts = _split_top_level(values)
    if any(not part.strip() for part in parts):
        raise argparse.ArgumentTypeError(f"empty value in {text!r}")
    return name, [parse_value(part) for part in parts]


def _param_single(text):
    """``NAME=VALUE`` -> ``(NAME, VALUE)``."""
    name, values = _param_list(text)
    if len(values) != 1:
        raise argparse.ArgumentTypeError(
            f"--set takes one value, got {len(values)} in {text!r} (use --param "
            "for a list of values to search)"
        )
    return name, values[0]


_VALUE_SYNTAX = """\
values: NAME=V1,V2,... gives the values of one parameter, separated by commas.
  Each value is read as: true/false -> bool, none -> None, 3 -> int, 0.5 or 1e-3
  -> float, 16/32 -> the tuple (16, 32) (64/ is (64,), a lone / is ()), "(16, 32)"
  -> a tuple too (quote it for the shell), anything else -> a string.
  NAME is a parameter of the estimator's constructor, e.g. epochs, conv_filters,
  dense_units, dropout, learning_rate_init, batch_size for the CNN;
  hidden_layer_sizes, alpha, max_iter, learning_rate_init for an MLP preset."""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Raw descriptions; option help wrapped at 88 columns, never at hyphens."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=32, width=88)

    def _split_lines(self, text, width):
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def build_parser():
    """The argument parser of ``sknn-estimators``."""
    from sknn_estimators import __version__

    specs = model_specs()
    models_help = "\n".join(
        textwrap.fill(
            spec.description,
            width=86,
            initial_indent=f"  {spec.name:<8} ",
            subsequent_indent=" " * 11,
            break_on_hyphens=False,
        )
        for spec in specs.values()
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )

    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_HelpFormatter,
        description=(
            "The Fashion-MNIST tutorial's workflow with scikit-learn compatible "
            "neural networks:\ntrain, evaluate, report and plot."
        ),
        epilog=(
            "Run 'sknn-estimators COMMAND --help' for the options of a command.\n"
            "Exit codes: 0 success, 1 failure (e.g. missing data), 2 usage error."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    # demo ---------------------------------------------------------------
    demo = sub.add_parser(
        "demo",
        parents=[common],
        formatter_class=_HelpFormatter,
        help="the iris MLP and a CNN on the 8x8 digits (offline, under a minute)",
        description=(
            "Offline demo on data that ships with scikit-learn:\n"
            "1. iris as in the notebook: train_test_split(random_state=1, "
            "test_size=0.2),\n   StandardScaler, DeepMLPClassifier(random_state=1); "
            "accuracy and report;\n"
            "2. the 8x8 digits with StandardScaler and a small "
            "FashionCNNClassifier\n   (validation split 80/20, random_state=13, "
            "as the notebook); accuracy,\n   report, and the figures "
            "training_curves.png, confusion_matrix.png and\n   predictions.png in "
            "--out."
        ),
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("sknn-output/demo"),
        metavar="DIR",
        help="folder for the figures (created; default: %(default)s)",
    )
    demo.set_defaults(func=run_demo, parser=demo)

    # fashion ------------------------------------------------------------
    fashion = sub.add_parser(
        "fashion",
        parents=[common],
        formatter_class=_HelpFormatter,
        help="the tutorial's Fashion-MNIST run: train, evaluate, plot, save",
        description=(
            "The tutorial's Fashion-MNIST run. Pixels are divided by 255; 20% of "
            "the\ntraining images are held out for validation (random_state=13, "
            "as the\nnotebook) and drawn in the training curves. The test files "
            "are used for\nthe evaluation when present; otherwise a stratified "
            "--test-size part of\nthe training files is held out (random_state="
            f"{HOLDOUT_SEED}) and the output says so.\n\n"
            "Writes into --out: training_curves.png, confusion_matrix.png,\n"
            "predictions.png, report.txt, metrics.json and the fitted model "
            "(model.sknn\nfor a CNN, load it with sknn_estimators.load_model; "
            "model.joblib for an\nMLP preset, load it with joblib.load).\n\n"
            "The CNN's summary is printed after training: the network is built "
            "inside\nfit, from the shape of the data.\n\n"
            f"models (--model):\n{models_help}"
        ),
    )
    fashion.add_argument(
        "--model",
        choices=list(specs),
        default="cnn",
        help="which network (default: %(default)s; see below)",
    )
    fashion.add_argument(
        "--data-home",
        type=Path,
        metavar="DIR",
        help=(
            "folder holding the Fashion-MNIST .gz files (directly or in "
            "fashion-mnist/); default: $SKNN_ESTIMATORS_DATA, "
            "~/sknn_estimators_data, then Keras' cache"
        ),
    )
    fashion.add_argument(
        "--download",
        action="store_true",
        help="download missing files (default: only use files already there)",
    )
    fashion.add_argument(
        "--epochs",
        type=_int_at_least(1),
        metavar="N",
        help="training epochs (max_iter for an MLP; default: the model's, 20 for cnn)",
    )
    fashion.add_argument(
        "--batch-size",
        type=_int_at_least(1),
        metavar="N",
        help="images per gradient step (default: the model's, 64 for cnn)",
    )
    fashion.add_argument(
        "--limit",
        type=_int_at_least(1),
        metavar="N",
        help="use only the first N training images (quick runs)",
    )
    fashion.add_argument(
        "--test-size",
        type=_fraction,
        default=0.15,
        metavar="F",
        help="share held out for the evaluation when there are no test files "
        "(default: %(default)s)",
    )
    fashion.add_argument(
        "--random-state",
        type=_int_at_least(0),
        default=0,
        metavar="SEED",
        help="seed of the network (weights, shuffling; default: %(default)s)",
    )
    fashion.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=2,
        help="training display: 0 none, 1 progress bar, 2 one line per epoch "
        "(default: %(default)s)",
    )
    fashion.add_argument(
        "--out",
        type=Path,
        default=Path("sknn-output/fashion"),
        metavar="DIR",
        help="folder for figures, report and model (default: %(default)s)",
    )
    fashion.set_defaults(func=run_fashion, parser=fashion)

    # grid ---------------------------------------------------------------
    grid = sub.add_parser(
        "grid",
        parents=[common],
        formatter_class=_HelpFormatter,
        help="GridSearchCV over a small grid, printed as a table",
        description=(
            "GridSearchCV (stratified k-fold, accuracy) of one estimator on one "
            "data set.\niris and digits go through StandardScaler in a Pipeline; "
            "fashion pixels are\ndivided by 255. Without --param the grid is "
            + "; ".join(
                f"{kind}: "
                + " ".join(f"{k}={','.join(map(str, v))}" for k, v in default.items())
                for kind, default in DEFAULT_GRIDS.items()
            )
            + ".\n\n"
            + _VALUE_SYNTAX
            + "\n\nexample:\n  sknn-estimators grid --estimator cnn --data digits "
            "--set conv_filters=16/ \\\n"
            "      --param epochs=3,6 --param dense_units=16/,32/ --cv 3\n\n"
            f"estimators (--estimator):\n{models_help}"
        ),
    )
    grid.add_argument(
        "--estimator",
        choices=list(specs),
        default="cnn",
        help="the estimator to tune (default: %(default)s)",
    )
    grid.add_argument(
        "--data",
        choices=("digits", "iris", "fashion"),
        default="digits",
        help="data set (default: %(default)s)",
    )
    grid.add_argument(
        "--param",
        type=_param_list,
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="values to search for one parameter (repeat for more parameters)",
    )
    grid.add_argument(
        "--set",
        type=_param_single,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a fixed parameter of the estimator (repeatable)",
    )
    grid.add_argument(
        "--cv", type=_int_at_least(2), default=3, metavar="K", help="folds (default: 3)"
    )
    grid.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="parallel fits, -1 for all cores (default: 1)",
    )
    grid.add_argument(
        "--limit",
        type=_int_at_least(1),
        metavar="N",
        help="use only the first N samples",
    )
    grid.add_argument(
        "--data-home",
        type=Path,
        metavar="DIR",
        help="Fashion-MNIST folder, for --data fashion",
    )
    grid.add_argument(
        "--download", action="store_true", help="download missing Fashion-MNIST files"
    )
    grid.add_argument(
        "--random-state",
        type=_int_at_least(0),
        default=0,
        metavar="SEED",
        help="seed of the estimator, unless set by --set/--param (default: 0)",
    )
    grid.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="also write cv_results.csv into this folder",
    )
    grid.set_defaults(func=run_grid, parser=grid)

    # presets ------------------------------------------------------------
    presets = sub.add_parser(
        "presets",
        parents=[common],
        formatter_class=_HelpFormatter,
        help="list the presets (CNN and MLP models) with their parameters",
        description="List the models of --model/--estimator: the presets\n"
        "(sknn_estimators.PRESETS).",
    )
    presets.set_defaults(func=run_presets, parser=presets)
    return parser


# ------------------------------------------------------------------ main
def main(argv=None):
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    code : int
        0 on success, 1 for a failure at run time, 2 for a usage error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    with warnings.catch_warnings():
        warnings.showwarning = _WarningPrinter()
        try:
            return args.func(args) or EXIT_OK
        except _UsageError as exc:
            args.parser.print_usage(sys.stderr)
            print(f"{args.parser.prog}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            if args.debug:
                traceback.print_exc()
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_FAILURE


def _one_line(exc):
    """``exc`` (or a warning message) as one line: whitespace runs become spaces."""
    return " ".join(str(exc).split()) or type(exc).__name__


class _WarningPrinter:
    """``warnings.showwarning`` of the command: each message once, on one line."""

    def __init__(self):
        self.seen = set()

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        text = _one_line(message)
        if text not in self.seen:
            self.seen.add(text)
            print(f"warning: {text}", file=sys.stderr, flush=True)


def _pyplot():
    """matplotlib's pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    plt = _pyplot()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _heading(text):
    print(f"\n{text}\n{'=' * len(text)}", flush=True)


def _prediction_indices(y_true, y_pred, n=16):
    """Up to ``n // 4`` wrong predictions and the rest right ones, in test order."""
    wrong = np.flatnonzero(y_true != y_pred)[: n // 4]
    right = np.flatnonzero(y_true == y_pred)[: n - len(wrong)]
    return np.sort(np.concatenate([wrong, right]))


def _evaluate(y_true, y_pred, target_names):
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


def _print_evaluation(result):
    print(f"Accuracy: {result['accuracy']:.4f}")
    print(result["report"])
    print(f"Found {result['n_correct']} correct labels")
    print(f"Found {result['n_incorrect']} incorrect labels", flush=True)


def _plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _describe_history(clf, seconds):
    history = getattr(clf, "history_", None) or {}
    last = ", ".join(f"{k}={v[-1]:.4f}" for k, v in history.items() if v)
    epochs = getattr(clf, "n_iter_", None)
    print(f"Trained {_plural(epochs, 'epoch')} in {seconds:.1f} s; last epoch: {last}")


# ------------------------------------------------------------------ demo
def run_demo(args):
    """The ``demo`` command."""
    from sklearn.datasets import load_digits, load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from sknn_estimators import DeepMLPClassifier, FashionCNNClassifier
    from sknn_estimators.plotting import (
        plot_confusion_matrix,
        plot_predictions,
        plot_training_curves,
    )

    start = time.perf_counter()
    out = _make_folder(args.out)

    _heading("Iris: DeepMLPClassifier (hidden layers 256-128-64-32, ReLU)")
    iris = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        iris.data, iris.target, random_state=1, test_size=0.2
    )
    scaler = StandardScaler().fit(X_train)
    mlp = DeepMLPClassifier(random_state=1)
    mlp.fit(scaler.transform(X_train), y_train)
    print(f"{len(X_train)} training and {len(X_test)} test flowers\n{mlp!r}")
    result = _evaluate(
        y_test, mlp.predict(scaler.transform(X_test)), list(iris.target_names)
    )
    _print_evaluation(result)

    _heading("Digits (8x8 images): FashionCNNClassifier")
    digits = load_digits()
    X_train, X_test, y_train, y_test, _, images_test = train_test_split(
        digits.data, digits.target, digits.images, random_state=1, test_size=0.2
    )
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_train, y_train, test_size=VALIDATION_SIZE, random_state=VALIDATION_SEED
    )
    scaler = StandardScaler().fit(X_fit)
    cnn = FashionCNNClassifier(**DEMO_CNN_PARAMS, random_state=0)
    print(
        f"{len(X_fit)} training, {len(X_val)} validation and {len(X_test)} test "
        f"images\n{cnn!r}",
        flush=True,
    )
    tic = time.perf_counter()
    cnn.fit(
        scaler.transform(X_fit),
        y_fit,
        validation_data=(scaler.transform(X_val), y_val),
    )
    _describe_history(cnn, time.perf_counter() - tic)
    y_pred = cnn.predict(scaler.transform(X_test))
    result = _evaluate(y_test, y_pred, [str(d) for d in digits.target_names])
    _print_evaluation(result)

    plt = _pyplot()
    fig = plot_training_curves(cnn)
    fig.suptitle("8x8 digits: FashionCNNClassifier")
    written = [_save(fig, out / "training_curves.png")]
    fig, ax = plt.subplots(figsize=(6.4, 5.4), layout="constrained")
    plot_confusion_matrix(y_test, y_pred, labels=digits.target_names, ax=ax)
    written.append(_save(fig, out / "confusion_matrix.png"))
    fig = plot_predictions(
        images_test,
        y_test,
        y_pred,
        indices=_prediction_indices(y_test, y_pred),
    )
    fig.suptitle("8x8 digits, test images: predicted and true class")
    written.append(_save(fig, out / "predictions.png"))
    _print_written(written)
    print(f"Done in {time.perf_counter() - start:.1f} s.")
    return EXIT_OK


def _make_folder(folder):
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create the output folder {folder}: {exc}") from None
    return folder


def _print_written(paths):
    print("\nWrote:")
    for path in paths:
        print(f"  {path}")


# --------------------------------------------------------------- fashion
def _load_fashion(data_home, download, subset):
    """Fashion-MNIST ``subset`` as float32 rows 0..255 and labels, and its origin."""
    from sknn_estimators.datasets import load_fashion_mnist

    bunch = load_fashion_mnist(
        subset=subset, data_home=data_home, download=download, dtype=np.float32
    )
    origin = [
        line[2:] for line in bunch.DESCR.splitlines() if line.startswith(f"- {subset}:")
    ]
    return bunch.data, bunch.target, (origin[0] if origin else subset)


def _missing_data_error(exc, data_home, download):
    """A one-line CommandError from the attributes of the loader's error."""
    from sknn_estimators.datasets import DatasetNotFoundError

    if not isinstance(exc, DatasetNotFoundError):
        return CommandError(str(exc))
    message = (
        f"{exc.dataset} files for subset={exc.subset!r} not found: "
        f"{', '.join(exc.missing_files)}"
    )
    if exc.searched_folders:
        message += f" (searched: {', '.join(exc.searched_folders)})"
    if download:
        tried = [failure for failure in exc.failed_downloads if failure.url]
        failure = f" ({tried[0].url}: {tried[0].reason})" if tried else ""
        return CommandError(
            f"{message}; the download failed{failure}. Put the official .gz files in "
            "a folder and pass it as --data-home."
        )
    hint = (
        "pass --data-home DIR for a folder that holds them"
        if data_home is None
        else "put the official .gz files there"
    )
    return CommandError(f"{message}; {hint}, or pass --download to fetch them.")


def run_fashion(args):
    """The ``fashion`` command."""
    from sklearn.model_selection import train_test_split

    from sknn_estimators.datasets import FASHION_MNIST_CLASSES
    from sknn_estimators.plotting import (
        plot_confusion_matrix,
        plot_predictions,
        plot_training_curves,
    )

    start = time.perf_counter()
    spec = model_specs()[args.model]

    _heading("Fashion-MNIST: data")
    try:
        X, y, origin = _load_fashion(args.data_home, args.download, "train")
    except FileNotFoundError as exc:
        raise _missing_data_error(exc, args.data_home, args.download) from exc
    print(f"Training files: {origin}")
    if args.limit is not None and args.limit < len(y):
        print(f"Using the first {args.limit:,} of {len(y):,} training images (--limit)")
        X, y = X[: args.limit], y[: args.limit]
    try:
        X_test, y_test, test_origin = _load_fashion(
            args.data_home, args.download, "test"
        )
        evaluated_on = f"the test files ({len(y_test):,} images)"
        print(f"Test files: {test_origin}")
    except FileNotFoundError:
        X, X_test, y, y_test = train_test_split(
            X, y, test_size=args.test_size, random_state=HOLDOUT_SEED, stratify=y
        )
        evaluated_on = (
            f"a stratified {args.test_size:.0%} held out from the training files "
            f"({len(y_test):,} images, random_state={HOLDOUT_SEED})"
        )
        print(
            "No test files (t10k-*) found: evaluating on "
            f"{evaluated_on}, not on the official test set."
        )
    X, X_test = X / 255.0, X_test / 255.0
    X_fit, X_val, y_fit, y_val = train_test_split(
        X, y, test_size=VALIDATION_SIZE, random_state=VALIDATION_SEED
    )
    print(
        f"{len(y_fit):,} training, {len(y_val):,} validation (20%, random_state="
        f"{VALIDATION_SEED}) and {len(y_test):,} test images of 28x28 pixels, "
        "scaled to 0..1"
    )

    out = _make_folder(args.out)

    _heading(f"Model: {spec.name}")
    clf = make_model(
        spec,
        epochs=args.epochs,
        batch_size=args.batch_size,
        random_state=args.random_state,
        verbose=args.verbose,
    )
    print(repr(clf), flush=True)

    _heading("Training")
    tic = time.perf_counter()
    if spec.kind == "cnn":
        clf.fit(X_fit, y_fit, validation_data=(X_val, y_val))
    else:
        clf.fit(X_fit, y_fit)
    fit_seconds = time.perf_counter() - tic
    if spec.kind == "cnn":
        _describe_history(clf, fit_seconds)
        print("\nModel summary (the network was built inside fit):", flush=True)
        clf.model_.summary()
    else:
        print(f"Trained {_plural(clf.n_iter_, 'iteration')} in {fit_seconds:.1f} s")
    val_accuracy = float(clf.score(X_val, y_val))
    print(f"Validation accuracy: {val_accuracy:.4f}")

    _heading(f"Evaluation on {evaluated_on}")
    y_pred = clf.predict(X_test)
    result = _evaluate(y_test, y_pred, list(FASHION_MNIST_CLASSES))
    _print_evaluation(result)

    plt = _pyplot()
    fig = plot_training_curves(clf)
    fig.suptitle(f"Fashion-MNIST: {spec.name}")
    written = [_save(fig, out / "training_curves.png")]
    fig, ax = plt.subplots(figsize=(9, 7.5), layout="constrained")
    plot_confusion_matrix(
        y_test,
        y_pred,
        labels=np.arange(len(FASHION_MNIST_CLASSES)),
        display_labels=list(FASHION_MNIST_CLASSES),
        xticks_rotation=45,
        ax=ax,
    )
    written.append(_save(fig, out / "confusion_matrix.png"))
    fig = plot_predictions(
        X_test,
        y_test,
        y_pred,
        class_names=FASHION_MNIST_CLASSES,
        indices=_prediction_indices(y_test, y_pred),
    )
    fig.suptitle("Fashion-MNIST test images: predicted and true class")
    written.append(_save(fig, out / "predictions.png"))

    report_text = (
        f"Model: {spec.name}\n{clf!r}\n\n"
        f"Training: {len(y_fit)} images, validation: {len(y_val)} images\n"
        f"Validation accuracy: {val_accuracy:.4f}\n"
        f"Evaluated on {evaluated_on}\n"
        f"Accuracy: {result['accuracy']:.4f}\n\n{result['report']}\n"
        f"Found {result['n_correct']} correct labels\n"
        f"Found {result['n_incorrect']} incorrect labels\n"
    )
    (out / "report.txt").write_text(report_text, encoding="utf-8")
    written.append(out / "report.txt")
    metrics = {
        "model": spec.name,
        "estimator": repr(clf),
        "training_files": origin,
        "evaluated_on": evaluated_on,
        "n_train": len(y_fit),
        "n_validation": len(y_val),
        "n_test": len(y_test),
        "fit_seconds": round(fit_seconds, 2),
        "validation_accuracy": val_accuracy,
        "accuracy": result["accuracy"],
        "n_correct": result["n_correct"],
        "n_incorrect": result["n_incorrect"],
        "classification_report": result["report_dict"],
        "history": getattr(clf, "history_", None)
        or {"loss": list(getattr(clf, "loss_curve_", []))},
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    written.append(out / "metrics.json")
    written.append(_save_model(clf, spec, out))
    _print_written(written)
    print(f"Done in {time.perf_counter() - start:.1f} s.")
    return EXIT_OK


def _save_model(clf, spec, out):
    if spec.kind == "cnn":
        path = out / "model.sknn"
        clf.save(path)
    else:
        import joblib

        path = out / "model.joblib"
        joblib.dump(clf, path)
    return path


# ------------------------------------------------------------------ grid
def _grid_data(args):
    """``X, y`` of ``--data``, and whether to put a StandardScaler first."""
    if args.data == "fashion":
        try:
            X, y, origin = _load_fashion(args.data_home, args.download, "train")
        except FileNotFoundError as exc:
            raise _missing_data_error(exc, args.data_home, args.download) from exc
        print(f"Fashion-MNIST training files: {origin}")
        X = X / 255.0
        scale = False
    else:
        from sklearn.datasets import load_digits, load_iris

        loader = load_digits if args.data == "digits" else load_iris
        X, y = loader(return_X_y=True)
        scale = True
    if args.limit is not None:
        X, y = X[: args.limit], y[: args.limit]
    return X, y, scale


def run_grid(args):
    """The ``grid`` command."""
    import pandas as pd
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    spec = model_specs()[args.estimator]
    estimator = make_model(spec, random_state=args.random_state)
    valid = estimator.get_params(deep=False)
    fixed = dict(args.set)
    if args.param:
        grid = dict(args.param)
    else:  # the default grid, less what --set fixes
        grid = {k: v for k, v in DEFAULT_GRIDS[spec.kind].items() if k not in fixed}
    for name in [*grid, *fixed]:
        if name not in valid:
            raise _UsageError(
                f"{type(estimator).__name__} has no parameter {name!r}; its "
                f"parameters are: {', '.join(sorted(valid))}"
            )
    both = sorted(set(grid) & set(fixed))
    if both:
        raise _UsageError(f"{', '.join(both)} given both by --param and --set")
    estimator.set_params(**fixed)

    X, y, scale = _grid_data(args)
    steps = [("scale", StandardScaler())] if scale else []
    pipeline = Pipeline([*steps, ("clf", estimator)])
    search = GridSearchCV(
        pipeline,
        {f"clf__{name}": values for name, values in grid.items()},
        cv=args.cv,
        n_jobs=args.n_jobs,
        scoring="accuracy",
        error_score="raise",
    )
    n_candidates = math.prod(len(v) for v in grid.values())
    print(
        f"GridSearchCV: {type(estimator).__name__} on {args.data} "
        f"({X.shape[0]} samples, {X.shape[1]} features), "
        f"{_plural(n_candidates, 'candidate')} x {args.cv} folds = "
        f"{_plural(n_candidates * args.cv, 'fit')}",
        flush=True,
    )
    print("grid:", ", ".join(f"{k}={v}" for k, v in grid.items()) or "(empty)")
    if fixed:
        print("fixed:", ", ".join(f"{k}={v!r}" for k, v in fixed.items()))
    tic = time.perf_counter()
    search.fit(X, y)
    print(f"Searched in {time.perf_counter() - tic:.1f} s\n")

    results = pd.DataFrame(search.cv_results_)
    table = pd.DataFrame({"rank": results["rank_test_score"]})
    for name in grid:
        table[name] = results[f"param_clf__{name}"].map(repr)
    table["mean accuracy"] = results["mean_test_score"].map("{:.4f}".format)
    table["std"] = results["std_test_score"].map("{:.4f}".format)
    table["mean fit time (s)"] = results["mean_fit_time"].map("{:.2f}".format)
    table = table.sort_values("rank", kind="stable")
    print(table.to_string(index=False))
    best = {k.removeprefix("clf__"): v for k, v in search.best_params_.items()}
    print(f"\nBest parameters: {best}")
    print(f"Best score: {search.best_score_:.4f} (mean accuracy over {args.cv} folds)")
    if args.out is not None:
        out = _make_folder(args.out)
        results.to_csv(out / "cv_results.csv", index=False)
        _print_written([out / "cv_results.csv"])
    return EXIT_OK


# --------------------------------------------------------------- presets
def run_presets(args):
    """The ``presets`` command."""
    from sknn_estimators import describe_presets

    rows = [
        {
            "name": name,
            "class": row["class"],
            "parameters": row["params"] or "(defaults)",
            "description": row["description"],
        }
        for name, row in describe_presets().iterrows()
    ]
    print("Presets (sknn_estimators.PRESETS), for --model and --estimator:\n")
    print(format_table(rows))
    return EXIT_OK


def format_table(rows):
    """Rows (dicts with the same keys) as a left-aligned text table.

    >>> print(format_table([{"name": "a", "value": 1}, {"name": "bb", "value": 22}]))
    name  value
    ----  -----
    a     1
    bb    22
    """
    columns = list(rows[0]) if rows else []
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells
    ]
    return "\n".join(line.rstrip() for line in lines)
