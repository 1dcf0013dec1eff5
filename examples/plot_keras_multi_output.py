"""
=================================================
A data transformer for a multi-output Keras model
=================================================

The multi-output part of scikeras' "Data transformers" guide, with one line
changed: the import. scikit-learn works with one array ``y``; a Keras model
with several outputs trains on a list of arrays, one per output, and predicts
a list. A *target encoder*, a scikit-learn transformer that the wrapper gets
from its ``target_encoder`` property, converts between the two.
"""

# %%
# A Keras model with two outputs
# ------------------------------
# One binary output (say "image has a car") and one multiclass output ("colour
# of the car"). ``meta["n_classes_"]`` is a list here, one count per output:
# the target encoder below provides it.
import keras
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder, StandardScaler

from sknn_estimators.wrappers import KerasClassifier


def get_clf_model(meta):
    inp = keras.layers.Input(shape=(meta["n_features_in_"],))
    x1 = keras.layers.Dense(100, activation="relu")(inp)
    out_bin = keras.layers.Dense(1, activation="sigmoid")(x1)
    out_cat = keras.layers.Dense(meta["n_classes_"][1], activation="softmax")(x1)
    model = keras.Model(inputs=inp, outputs=[out_bin, out_cat])
    model.compile(loss=["binary_crossentropy", "sparse_categorical_crossentropy"])
    return model


# %%
# The target encoder
# ------------------
# On the scikit-learn side ``y`` has one column per output. ``transform``
# splits it into the list the model trains on; ``inverse_transform`` turns
# the model's list of probabilities back into one array of labels (or, with
# ``return_proba=True``, the probabilities side by side). ``get_metadata``
# returns attributes that the wrapper takes over and passes to the model
# function as ``meta``: ``n_outputs_expected_`` lets it check that the model
# has two outputs.


class MultiOutputTransformer(BaseEstimator, TransformerMixin):
    def fit(self, y):
        y_bin, y_cat = y[:, 0], y[:, 1]
        # Internal encoders, so that the labels are 0, 1, 2...
        self.bin_encoder_ = LabelEncoder().fit(y_bin)
        self.cat_encoder_ = LabelEncoder().fit(y_cat)
        self.n_classes_ = [
            self.bin_encoder_.classes_.size,
            self.cat_encoder_.classes_.size,
        ]
        self.n_outputs_expected_ = 2
        return self

    def transform(self, y):
        y_bin, y_cat = y[:, 0], y[:, 1]
        return [self.bin_encoder_.transform(y_bin), self.cat_encoder_.transform(y_cat)]

    def inverse_transform(self, y, return_proba=False):
        y_pred_proba = y  # what the Keras model gives: one array per output
        if return_proba:
            return np.column_stack(y_pred_proba)
        y_pred_bin = (y_pred_proba[0] > 0.5).astype(int).reshape(-1)
        y_pred_cat = np.argmax(y_pred_proba[1], axis=1)
        y_pred_bin = self.bin_encoder_.inverse_transform(y_pred_bin)
        y_pred_cat = self.cat_encoder_.inverse_transform(y_pred_cat)
        return np.column_stack([y_pred_bin, y_pred_cat])

    def get_metadata(self):
        return {
            "n_classes_": self.n_classes_,
            "n_outputs_expected_": self.n_outputs_expected_,
        }


# %%
# Try the transformer alone on random labels:
rng = np.random.RandomState(0)
y = np.column_stack([rng.randint(0, 2, size=100), rng.randint(0, 5, size=100)])
transformer = MultiOutputTransformer()
y_keras = transformer.fit_transform(y)
print("y as the model takes it:", [part[:4] for part in y_keras])
print("metadata:", transformer.get_metadata())

# %%
# The classifier
# --------------
# A subclass of :class:`~sknn_estimators.wrappers.KerasClassifier` returns
# the transformer from ``target_encoder``. Its ``scorer`` averages the
# accuracy of the two columns, as Keras averages the two losses.


class MultiOutputClassifier(KerasClassifier):
    @property
    def target_encoder(self):
        return MultiOutputTransformer()

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        y_bin, y_cat = y_true[:, 0], y_true[:, 1]
        y_pred_bin, y_pred_cat = y_pred[:, 0], y_pred[:, 1]
        return np.mean(
            [accuracy_score(y_bin, y_pred_bin), accuracy_score(y_cat, y_pred_cat)]
        )


# %%
# Train and score it. As in the guide, the labels themselves are the
# features, so that the network can learn them.
X = StandardScaler().fit_transform(y)
clf = MultiOutputClassifier(model=get_clf_model, verbose=0, random_state=0)
print(f"score after 1 epoch: {clf.fit(X, y).score(X, y):.3f}")
clf.set_params(epochs=40).fit(X, y)
print(f"score after 40 epochs: {clf.score(X, y):.3f}")
print("predictions:\n", clf.predict(X[:3]))
print("probabilities of the first sample:", clf.predict_proba(X[:1]).round(2))
print("history:", sorted(clf.history_))
