"""
=====================================
Basic usage of the Keras wrappers
=====================================

The walk-through of scikeras' "Basic usage" tutorial, with one line changed:
the import. A Keras model built by a function becomes a scikit-learn
classifier or regressor; it predicts, pickles, sits in a
:class:`~sklearn.pipeline.Pipeline`, takes Keras callbacks and is tuned by
:class:`~sklearn.model_selection.GridSearchCV` through routed parameters
(``model__`` for the model function, ``optimizer__`` for the optimizer).
"""

# %%
# A toy binary classification task
# --------------------------------
import keras
import numpy as np
from sklearn.datasets import make_classification

from sknn_estimators.wrappers import KerasClassifier, KerasRegressor

X, y = make_classification(1000, 20, n_informative=10, random_state=0)
print(X.shape, y.shape, y.mean())

# %%
# The Keras classification model
# ------------------------------
# With 2 classes the output is one ``"sigmoid"`` unit trained with
# ``"binary_crossentropy"`` (two ``"softmax"`` units with
# ``"sparse_categorical_crossentropy"`` work too). ``meta`` holds what ``fit``
# learned about the data; ``hidden_layer_sizes`` and ``dropout`` are
# parameters of the estimator.


def get_clf(meta, hidden_layer_sizes, dropout):
    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=(meta["n_features_in_"],)))
    for hidden_layer_size in hidden_layer_sizes:
        model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return model


# %%
# Training the classifier and predicting
# --------------------------------------
# The arguments of ``get_clf`` are passed to the estimator by name; only those
# are available for tuning. ``random_state`` seeds this estimator's fits only.
clf = KerasClassifier(
    model=get_clf,
    loss="binary_crossentropy",
    hidden_layer_sizes=(100,),
    dropout=0.5,
    verbose=0,
    random_state=0,
)
clf.fit(X, y)
print("predict:", clf.predict(X[:5]))
print("predict_proba:\n", clf.predict_proba(X[:5]).round(3))

# %%
# A regressor
# -----------
# The output is one linear unit; ``keras.metrics.R2Score`` is recorded in
# ``history_`` after each epoch.
from sklearn.datasets import make_regression  # noqa: E402

X_regr, y_regr = make_regression(1000, 20, n_informative=10, random_state=0)


def get_reg(meta, hidden_layer_sizes, dropout):
    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=(meta["n_features_in_"],)))
    for hidden_layer_size in hidden_layer_sizes:
        model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1))
    return model


reg = KerasRegressor(
    model=get_reg,
    loss="mse",
    metrics=[keras.metrics.R2Score],
    hidden_layer_sizes=(100,),
    dropout=0.5,
    verbose=0,
    random_state=0,
)
reg.fit(X_regr, y_regr)
print("predict:", reg.predict(X_regr[:5]).round(1))
print("history:", sorted(reg.history_))

# %%
# Saving and loading
# ------------------
# The whole estimator pickles, Keras model included. To share a model, save
# only the Keras model with Keras' own format, and wrap the loaded model
# again: ``initialize`` learns the data's layout without training.
import os  # noqa: E402
import pickle  # noqa: E402
import tempfile  # noqa: E402

new_reg = pickle.loads(pickle.dumps(reg))
print("unpickled predict:", new_reg.predict(X_regr[:5]).round(1))

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "my_model.keras")
    reg.model_.save(path)
    reg_new = KerasRegressor(keras.saving.load_model(path), verbose=0)
reg_new.initialize(X_regr, y_regr)
np.testing.assert_allclose(reg_new.predict(X_regr), reg.predict(X_regr), rtol=1e-5)

# %%
# In a Pipeline
# -------------
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

pipe = Pipeline([("scale", StandardScaler()), ("clf", clf)])
print(f"pipeline training accuracy: {pipe.fit(X, y).score(X, y):.3f}")

# %%
# Callbacks
# ---------
# A callback that stops training once the validation accuracy passes a
# threshold. ``fit__validation_split`` holds out a part of the data for it.
from sklearn.datasets import make_moons  # noqa: E402


class MaxValLoss(keras.callbacks.Callback):
    def __init__(self, monitor, threshold):
        super().__init__()
        self.monitor = monitor
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        if logs[self.monitor] > self.threshold:
            print("Threshold reached; stopping training")
            self.model.stop_training = True


X_moons, y_moons = make_moons(n_samples=100, noise=0.2, random_state=0)
kwargs = dict(
    model=get_clf,
    loss="binary_crossentropy",
    dropout=0.5,
    hidden_layer_sizes=(100,),
    metrics=["binary_accuracy"],
    fit__validation_split=0.2,
    epochs=20,
    verbose=False,
    random_state=0,
)
for callbacks in (None, [MaxValLoss(monitor="val_binary_accuracy", threshold=0.75)]):
    moons = KerasClassifier(**kwargs, callbacks=callbacks).fit(X_moons, y_moons)
    print(
        f"Trained {len(moons.history_['loss'])} epochs; last validation accuracy "
        f"{moons.history_['val_binary_accuracy'][-1]:.2f}"
    )

# %%
# A grid search over routed parameters
# ------------------------------------
# ``model__`` parameters go to the model function only, ``optimizer__`` ones
# to the optimizer. The wrapper is a classifier to scikit-learn, so
# ``GridSearchCV`` stratifies its folds.
from sklearn.model_selection import GridSearchCV  # noqa: E402

clf = KerasClassifier(
    model=get_clf,
    loss="binary_crossentropy",
    optimizer="adam",
    optimizer__learning_rate=0.1,
    model__hidden_layer_sizes=(100,),
    model__dropout=0.5,
    verbose=False,
    random_state=0,
)
params = {
    "optimizer__learning_rate": [0.01, 0.1],
    "model__hidden_layer_sizes": [(100,), (50, 50)],
}
gs = GridSearchCV(clf, params, scoring="accuracy", cv=2)
gs.fit(X, y)
print(f"best accuracy {gs.best_score_:.3f} with {gs.best_params_}")
