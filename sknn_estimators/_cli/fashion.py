"""``sknn-estimators fashion``: the tutorial's Fashion-MNIST run."""

import json
import time

from sknn_estimators._cli import estimators, options, output
from sknn_estimators._cli.arguments import fraction, int_at_least
from sknn_estimators._cli.data import VALIDATION_SEED, VALIDATION_SIZE, load_fashion
from sknn_estimators._cli.errors import CommandError

#: Seed of the stratified held-out test part when there are no test files.
HOLDOUT_SEED = 0


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "fashion",
        parents=options.training(
            "--model",
            "which network (default: %(default)s; see below)",
            out=options.out(
                "sknn-output/fashion",
                "folder for figures, report and model (default: %(default)s)",
            ),
        ),
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
            "(model.sknn\nfor an estimator with a save method, the CNNs: load it "
            "with\nsknn_estimators.load_model; model.joblib otherwise, the MLP "
            "presets: load\nit with joblib.load, which runs code from the file: "
            "only load files you\ntrust).\n\n"
            "The CNN's summary is printed after training: the network is built "
            "inside\nfit, from the shape of the data.\n\n"
            + options.presets_listing("models (--model)")
        ),
    )
    parser.add_argument(
        "--epochs",
        type=int_at_least(1),
        metavar="N",
        help="training epochs (max_iter for an MLP; default: the model's, 20 for cnn)",
    )
    parser.add_argument(
        "--batch-size",
        type=int_at_least(1),
        metavar="N",
        help="images per gradient step (default: the model's, 64 for cnn)",
    )
    parser.add_argument(
        "--test-size",
        type=fraction,
        default=0.15,
        metavar="F",
        help="share held out for the evaluation when there are no test files "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=2,
        help="training display: 0 none, 1 progress bar, 2 one line per epoch "
        "(default: %(default)s)",
    )
    return parser


def _load(args):
    """Training and test images scaled to 0..1, and where the test part is from."""
    from sklearn.model_selection import train_test_split

    X, y, origin = load_fashion(args.data_home, args.download, "train")
    print(f"Training files: {origin}")
    if args.limit is not None and args.limit < len(y):
        print(f"Using the first {args.limit:,} of {len(y):,} training images (--limit)")
        X, y = X[: args.limit], y[: args.limit]
    try:
        X_test, y_test, test_origin = load_fashion(
            args.data_home, args.download, "test"
        )
        evaluated_on = f"the test files ({len(y_test):,} images)"
        print(f"Test files: {test_origin}")
    except CommandError:  # no test files
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
    return X / 255.0, y, X_test / 255.0, y_test, origin, evaluated_on


def run(args):
    """The ``fashion`` command."""
    from sklearn.model_selection import train_test_split

    from sknn_estimators.datasets import FASHION_MNIST_CLASSES

    start = time.perf_counter()
    clf = estimators.make_estimator(  # checked before the data is read
        args.model,
        epochs=args.epochs,
        verbose=args.verbose,
        random_state=args.random_state,
        **({} if args.batch_size is None else {"batch_size": args.batch_size}),
    )

    output.heading("Fashion-MNIST: data")
    X, y, X_test, y_test, origin, evaluated_on = _load(args)
    X_fit, X_val, y_fit, y_val = train_test_split(
        X, y, test_size=VALIDATION_SIZE, random_state=VALIDATION_SEED
    )
    print(
        f"{len(y_fit):,} training, {len(y_val):,} validation (20%, random_state="
        f"{VALIDATION_SEED}) and {len(y_test):,} test images of 28x28 pixels, "
        "scaled to 0..1"
    )

    out = output.make_folder(args.out)

    output.heading(f"Model: {args.model}")
    print(repr(clf), flush=True)

    output.heading("Training")
    fit_seconds = estimators.fit(clf, X_fit, y_fit, (X_val, y_val))
    estimators.print_summary(clf)
    val_accuracy = float(clf.score(X_val, y_val))
    print(f"Validation accuracy: {val_accuracy:.4f}")

    output.heading(f"Evaluation on {evaluated_on}")
    y_pred = clf.predict(X_test)
    result = output.evaluate(y_test, y_pred, list(FASHION_MNIST_CLASSES))

    written = output.save_figures(
        out,
        clf,
        X_test,
        y_test,
        y_pred,
        FASHION_MNIST_CLASSES,
        titles=(
            f"Fashion-MNIST: {args.model}",
            "Fashion-MNIST test images: predicted and true class",
        ),
        figsize=(9, 7.5),
        xticks_rotation=45,
    )

    report_text = (
        f"Model: {args.model}\n{clf!r}\n\n"
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
        "model": args.model,
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
    written.append(estimators.save(clf, out))
    output.print_written(written)
    print(f"Done in {time.perf_counter() - start:.1f} s.")
