"""Training: images/s of the epochs after the first (which traces the step)
of the same network, data, batch size, optimiser and epochs through each
contender, timed by the same Keras callback; and the accuracy of every model
on the fixed stratified 85/15 split (``random_state=0``)."""

from benchmarks.common import (
    SIZES,
    Benchmark,
    accuracy_estimator,
    images_per_s,
    make_cnn,
    mlp_presets,
    split,
)


class FitSuite(Benchmark):
    params = (["keras", "ours", "ours_bf16", "scikeras", "keras_wrapper"],)
    param_names = ["contender"]

    def setup(self, contender):
        self.X, _, self.y, _ = split()

    def track_images_per_s(self, contender):
        def make(callbacks):
            return make_cnn(contender, SIZES["fit_epochs"], callbacks)

        return images_per_s(make, self.X, self.y)

    track_images_per_s.unit = "images/s"


class AccuracySuite(Benchmark):
    """Accuracy on the fixed split; the notebook's 20 epochs for the CNNs."""

    processes = 1
    params = (
        ["notebook_cnn", "regularised_cnn", "notebook_cnn_bf16", *mlp_presets()]
        + ["mlp_default", "svc"],
    )
    param_names = ["contender"]

    def setup(self, contender):
        X_train, X_test, y_train, y_test = split()
        estimator = accuracy_estimator(contender).fit(X_train, y_train)
        self.accuracy = float((estimator.predict(X_test) == y_test).mean())

    def track_accuracy(self, contender):
        return self.accuracy

    track_accuracy.unit = "accuracy"
