"""Small fits at scikit-learn speed: a 30-32-1 network on ``load_breast_cancer``
(569 rows, 20 epochs, batch 32) fitted once and in a 4 x 5 ``GridSearchCV``
over the learning rate, by ours, ``MLPClassifier((32,))``, Keras'
``SKLearnClassifier``, scikeras and plain Keras (a new model per fit, as a
loop of Keras code makes); the digits CNN in a ``GridSearchCV``, ours against
plain Keras; and the memory each fit adds over ``SIZES["n_fits"]`` fits."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from benchmarks.common import (
    SMALL_FIT,
    Benchmark,
    breast_cancer,
    growth_per_fit_mib,
    import_keras,
    notebook_cnn,
    small_network,
    small_wrapper_params,
)

EPOCHS, BATCH, HIDDEN, SEED = (
    SMALL_FIT[k] for k in ("epochs", "batch", "hidden", "seed")
)
RATES = [1e-3, 3e-3, 1e-2, 3e-2]  # the 4 candidates; 5 folds
CONTENDERS = ["ours", "mlp", "keras_wrapper", "scikeras", "keras"]


class KerasLoop(ClassifierMixin, BaseEstimator):
    """A loop of Keras code as a scikit-learn estimator: each fit builds,
    compiles and trains a new model (``keras.Model.fit``)."""

    def __init__(self, learning_rate=1e-3):
        self.learning_rate = learning_rate

    def fit(self, X, y):
        import_keras().utils.set_random_seed(SEED)
        self.model_ = small_network(X.shape[1], learning_rate=self.learning_rate)
        self.model_.fit(X, y, epochs=EPOCHS, batch_size=BATCH, verbose=0)
        return self

    def score(self, X, y):
        return float(((self.model_(X).numpy()[:, 0] > 0.5) == y).mean())


def make(contender, learning_rate=1e-3):
    """A contender's estimator of the small network (its learning-rate
    parameter is :data:`RATE_PARAMETER`'s)."""
    if contender == "mlp":
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(
            (HIDDEN,),
            max_iter=EPOCHS,
            batch_size=BATCH,
            learning_rate_init=learning_rate,
            random_state=SEED,
        )
    if contender == "keras":
        return KerasLoop(learning_rate)
    if contender == "keras_wrapper":
        from keras.wrappers import SKLearnClassifier

        def model(X, y, learning_rate=learning_rate):
            return small_network(X.shape[1], y.shape[1], learning_rate)

        return SKLearnClassifier(
            model=model,
            model_kwargs={"learning_rate": learning_rate},
            fit_kwargs={"epochs": EPOCHS, "batch_size": BATCH, "verbose": 0},
        )

    params = small_wrapper_params(learning_rate)
    if contender == "ours":
        from sknn_estimators.wrappers import KerasClassifier

        return KerasClassifier(random_state=SEED, **params)
    from scikeras.wrappers import KerasClassifier

    import_keras().utils.set_random_seed(SEED)
    return KerasClassifier(**params)


#: The parameter of each contender that the search varies.
RATE_PARAMETER = {
    "ours": "optimizer__learning_rate",
    "scikeras": "optimizer__learning_rate",
    "mlp": "learning_rate_init",
    "keras": "learning_rate",
    "keras_wrapper": "model_kwargs",
}


def search_grid(contender):
    name = RATE_PARAMETER[contender]
    if contender == "keras_wrapper":
        return {name: [{"learning_rate": rate} for rate in RATES]}
    return {name: RATES}


class SmallFitSuite(Benchmark):
    processes = 1  # a search of the slowest contenders is minutes
    params = (CONTENDERS,)
    param_names = ["contender"]

    def setup(self, contender):
        self.X, self.y = breast_cancer()
        make(contender).fit(self.X, self.y)  # start-up, imports: not a fit's

    def time_fit(self, contender):
        make(contender).fit(self.X, self.y)

    def time_grid_search(self, contender):
        from sklearn.model_selection import GridSearchCV

        GridSearchCV(make(contender), search_grid(contender), cv=5).fit(self.X, self.y)


class CNNSearchSuite(Benchmark):
    """The demo's digits, 8x8, in a ``GridSearchCV`` (2 learning rates x 3
    folds) of a small CNN: ours, and the same network in plain Keras code."""

    params = (["ours", "keras"],)
    param_names = ["contender"]

    def setup(self, contender):
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        self.X, self.y = (X / 16).astype(np.float32), y
        self.make = OursCNN if contender == "ours" else PlainCNN

    def time_grid_search(self, contender):
        from sklearn.model_selection import GridSearchCV

        grid = {"learning_rate_init": [1e-3, 3e-3]}
        GridSearchCV(self.make(), grid, cv=3).fit(self.X, self.y)


CNN = dict(filters=(8, 16), units=32)


def OursCNN(learning_rate_init=1e-3):
    from sknn_estimators import FashionCNNClassifier

    return FashionCNNClassifier(
        conv_filters=CNN["filters"],
        dense_units=(CNN["units"],),
        learning_rate_init=learning_rate_init,
        epochs=5,
        batch_size=BATCH,
        random_state=SEED,
    )


class PlainCNN(KerasLoop):
    def __init__(self, learning_rate_init=1e-3):
        self.learning_rate_init = learning_rate_init

    def fit(self, X, y):
        keras = import_keras()
        keras.utils.set_random_seed(SEED)
        self.model_ = notebook_cnn(64, 10, **CNN)
        self.model_.compile(
            loss="sparse_categorical_crossentropy",
            optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate_init),
        )
        self.model_.fit(self._images(X), y, epochs=5, batch_size=BATCH, verbose=0)
        return self

    def score(self, X, y):
        return float((self.model_(self._images(X)).numpy().argmax(1) == y).mean())

    @staticmethod
    def _images(X):
        return X.reshape(-1, 8, 8, 1)


class SmallFitMemorySuite(Benchmark):
    """Memory each fit adds: the slope of the resident memory over the second
    half of ``SIZES["n_fits"]`` fits of the small network in one process."""

    processes = 1
    params = (["ours", "keras"],)  # 200 fits of the others take 5 min each
    param_names = ["contender"]

    def track_growth_per_fit_mib(self, contender):
        X, y = breast_cancer()
        return growth_per_fit_mib(lambda index: make(contender).fit(X, y))

    track_growth_per_fit_mib.unit = "MiB"
