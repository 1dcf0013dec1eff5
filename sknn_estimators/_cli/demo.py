"""``sknn-estimators demo``: the iris MLP and a CNN on the 8x8 digits, offline."""

import time

from sknn_estimators._cli import estimators, options, output
from sknn_estimators._cli.data import VALIDATION_SEED, VALIDATION_SIZE

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
    return subparsers.add_parser(
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


def run(args):
    """The ``demo`` command."""
    from sklearn.datasets import load_digits, load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from sknn_estimators import PRESETS

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
    y_pred = mlp.predict(scaler.transform(X_test))
    output.evaluate(y_test, y_pred, list(iris.target_names))

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
    estimators.fit(
        cnn, scaler.transform(X_fit), y_fit, (scaler.transform(X_val), y_val)
    )
    y_pred = cnn.predict(scaler.transform(X_test))
    class_names = [str(d) for d in digits.target_names]
    output.evaluate(y_test, y_pred, class_names)
    figures = output.save_figures(
        out,
        cnn,
        images_test,
        y_test,
        y_pred,
        class_names,
        titles=(
            "8x8 digits: FashionCNNClassifier",
            "8x8 digits, test images: predicted and true class",
        ),
        figsize=(6.4, 5.4),
    )
    output.print_written(figures)
    print(f"Done in {time.perf_counter() - start:.1f} s.")
