"""
=================================================
Your own Keras model as a scikit-learn estimator
=================================================

:mod:`sknn_estimators.wrappers` has scikeras' ``KerasClassifier`` and
``KerasRegressor``: code written for scikeras runs after changing one import
line. This example builds an MLP from a function with a ``hidden_layer_sizes``
argument, as scikeras' MLP tutorial does, uses it as a classifier and as a
regressor, and puts the classifier inside a scikit-learn meta-estimator.
"""

# %%
# A model-building function
# -------------------------
# The wrapper calls it with the estimator's extra parameters
# (``hidden_layer_sizes``) and with ``meta``: what ``fit`` learned about the
# data (number of features, classes, target type, outputs).
import keras
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_estimators.wrappers import KerasClassifier, KerasRegressor


def get_mlp(hidden_layer_sizes, meta):
    model = keras.Sequential([keras.Input((meta["n_features_in_"],))])
    for units in hidden_layer_sizes:
        model.add(keras.layers.Dense(units, activation="relu"))
    if "n_classes_" in meta:  # a classifier: one softmax unit per class
        model.add(keras.layers.Dense(meta["n_classes_"], activation="softmax"))
    else:  # a regressor: one linear unit per target
        model.add(keras.layers.Dense(meta["n_outputs_"]))
    return model


# %%
# A classifier
# ------------
# ``optimizer__learning_rate`` is routed to the optimizer, as in scikeras.
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
clf = make_pipeline(
    StandardScaler(),
    KerasClassifier(
        get_mlp,
        hidden_layer_sizes=(16,),
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=0.03,
        epochs=30,
        verbose=0,
        random_state=0,
    ),
)
clf.fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")
print("first probabilities:", clf.predict_proba(X_test[:1]).round(3))

# %%
# It is a classifier to scikit-learn, so ``cv=3`` stratifies the folds.
print("cross-validated accuracy:", cross_val_score(clf, X, y, cv=3).round(3))

# %%
# Inside a meta-estimator
# -----------------------
# :class:`~sklearn.calibration.CalibratedClassifierCV` clones and fits the
# wrapper on each fold, then calibrates its probabilities.
calibrated = CalibratedClassifierCV(clf, cv=3).fit(X_train, y_train)
print(f"calibrated test accuracy: {calibrated.score(X_test, y_test):.3f}")

# %%
# A regressor
# -----------
# The same function builds the regressor's network; ``score`` is R². The
# targets are standardised by scikit-learn's
# :class:`~sklearn.compose.TransformedTargetRegressor`, another meta-estimator.

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
reg = TransformedTargetRegressor(
    make_pipeline(
        StandardScaler(),
        KerasRegressor(
            get_mlp,
            hidden_layer_sizes=(8,),
            loss="mse",
            optimizer="adam",
            optimizer__learning_rate=0.01,
            epochs=30,
            verbose=0,
            random_state=0,
        ),
    ),
    transformer=StandardScaler(),
)
reg.fit(X_train, y_train)
print(f"test R²: {reg.score(X_test, y_test):.3f}")
