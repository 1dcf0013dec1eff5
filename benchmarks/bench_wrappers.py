"""The wrappers: the same user model, a Dense MLP (256, 128) built by a model
function, through ``sknn_estimators.wrappers.KerasClassifier`` and scikeras'
``KerasClassifier``: fit throughput (rows/s over the epochs after the first),
one-row latency and bulk predict."""

from benchmarks.common import (
    BATCH_SIZE,
    CNN_SEED,
    LEARNING_RATE,
    SIZES,
    Benchmark,
    Estimator,
    Predictor,
    images_per_s,
    import_keras,
    split,
)

USER_MLP_HIDDEN = (256, 128)


def get_user_mlp(meta, hidden_layer_sizes=USER_MLP_HIDDEN):
    """The model function, as a scikeras user writes it."""
    keras = import_keras()
    model = keras.Sequential([keras.Input((meta["n_features_in_"],))])
    for units in hidden_layer_sizes:
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(meta["n_classes_"], activation="softmax"))
    return model


def make_wrapper(contender, callbacks=()):
    params = dict(
        model=get_user_mlp,
        hidden_layer_sizes=USER_MLP_HIDDEN,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        epochs=SIZES["fit_epochs"],
        callbacks=list(callbacks) or None,
        verbose=0,
    )
    if contender == "ours":
        from sknn_estimators.wrappers import KerasClassifier

        return KerasClassifier(random_state=CNN_SEED, **params)
    from scikeras.wrappers import KerasClassifier

    # No random_state: scikeras would turn on TensorFlow's op determinism.
    import_keras().utils.set_random_seed(CNN_SEED)
    return KerasClassifier(**params)


class WrapperFitSuite(Benchmark):
    params = (["ours", "scikeras"],)
    param_names = ["contender"]

    def setup(self, contender):
        self.X, _, self.y, _ = split()

    def track_fit_rows_per_s(self, contender):
        return images_per_s(lambda cb: make_wrapper(contender, cb), self.X, self.y)

    track_fit_rows_per_s.unit = "rows/s"


class WrapperPredictSuite(Predictor, Estimator, Benchmark):
    params = (["ours", "scikeras"],)
    param_names = ["contender"]
    n_fit = 1024

    def make(self, contender):
        return make_wrapper(contender)
