"""``sknn-estimators demo``: the iris MLP and a CNN on the 8x8 digits, offline."""

import time

from sknn_estimators._cli import estimators, options, output
from sknn_estimators._cli.data import VALIDATION_SEED, VALIDATION_SIZE
from sknn_estimators._cli.errors import EXIT_OK

#: The digits CNN: the "cnn" preset made small, about 3 s of training on two cores.
DEMO_CNN_PARAMS = {
    "conv_filters": (32,),
    "dense_units": (64,),
    "learning_rate_init": 0.002,
    "batch_size": 32,
    "epochs": 10,
    "image_shape": (8, 8, 1),
}


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "demo",
        parents=[
            options.out(
                "sknn-output/demo",
                "folder for the figures (created; default: %(default)s)",
            ),
        ],
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
    parser.set_defaults(run=run)
    return parser


def run(args):
    """The ``demo`` command."""
    from sklearn.datasets import load_digits, load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from sknn_estimators import PRESETS
    from sknn_estimators.plotting import (
        plot_confusion_matrix,
        plot_predictions,
        plot_training_curves,
    )

    start = time.perf_counter()
    out = output.make_folder(args.out)

    output.heading("Iris: DeepMLPClassifier (hidden layers 256-128-64-32, ReLU)")
    iris = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        iris.data, iris.target, random_state=1, test_size=0.2
    )
    scaler = StandardScaler().fit(X_train)
    mlp = PRESETS["deep"].make(random_state=1)
    mlp.fit(scaler.transform(X_train), y_train)
    print(f"{len(X_train)} training and {len(X_test)} test flowers\n{mlp!r}")
    result = output.evaluate(
        y_test, mlp.predict(scaler.transform(X_test)), list(iris.target_names)
    )
    output.print_evaluation(result)

    output.heading("Digits (8x8 images): FashionCNNClassifier")
    digits = load_digits()
    X_train, X_test, y_train, y_test, _, images_test = train_test_split(
        digits.data, digits.target, digits.images, random_state=1, test_size=0.2
    )
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_train, y_train, test_size=VALIDATION_SIZE, random_state=VALIDATION_SEED
    )
    scaler = StandardScaler().fit(X_fit)
    cnn = PRESETS["cnn"].make(**DEMO_CNN_PARAMS, random_state=0)
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
    output.describe_training(
        cnn, time.perf_counter() - tic, estimators.iteration_word(cnn)
    )
    y_pred = cnn.predict(scaler.transform(X_test))
    result = output.evaluate(y_test, y_pred, [str(d) for d in digits.target_names])
    output.print_evaluation(result)

    plt = output.pyplot()
    fig = plot_training_curves(cnn)
    fig.suptitle("8x8 digits: FashionCNNClassifier")
    written = [output.save_figure(fig, out / "training_curves.png")]
    fig, ax = plt.subplots(figsize=(6.4, 5.4), layout="constrained")
    plot_confusion_matrix(y_test, y_pred, labels=digits.target_names, ax=ax)
    written.append(output.save_figure(fig, out / "confusion_matrix.png"))
    fig = plot_predictions(
        images_test,
        y_test,
        y_pred,
        indices=output.prediction_indices(y_test, y_pred),
    )
    fig.suptitle("8x8 digits, test images: predicted and true class")
    written.append(output.save_figure(fig, out / "predictions.png"))
    output.print_written(written)
    print(f"Done in {time.perf_counter() - start:.1f} s.")
    return EXIT_OK
