"""
=====================================================
Training curves and the confusion matrix of the CNN
=====================================================

The tutorial plots the training and validation accuracy and loss of each
epoch, then looks at which classes the network confuses. Pass
``validation_data`` to :meth:`~sknn_estimators.FashionCNNClassifier.fit` to
record ``val_loss`` and ``val_accuracy`` in ``history_``, then draw them with
:mod:`sknn_estimators.plotting`. The data here are scikit-learn's 8x8 digits
and the network is small, so that the example runs in seconds; with
Fashion-MNIST (:func:`~sknn_estimators.datasets.load_fashion_mnist`) the code
is the same.
"""

# %%
# Fit with validation data
# ------------------------
# The held-out images serve as validation data: they are only evaluated after
# each epoch, never trained on, and nothing is chosen by them here.
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn_estimators import FashionCNNClassifier
from sknn_estimators.plotting import (
    plot_confusion_matrix,
    plot_predictions,
    plot_training_curves,
)

digits = load_digits()
X_train, X_test, y_train, y_test, images_train, images_test = train_test_split(
    digits.data, digits.target, digits.images, test_size=0.3, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

clf = FashionCNNClassifier(
    conv_filters=(8, 16),
    dense_units=(32,),
    dropout=0.1,
    batch_size=32,
    epochs=15,
    random_state=0,
)
clf.fit(X_train, y_train, validation_data=(X_test, y_test))
print("images of shape", clf.image_shape_, "trained for", clf.n_iter_, "epochs")
print("recorded:", sorted(clf.history_))
print(f"accuracy on the held-out images: {clf.score(X_test, y_test):.3f}")

# %%
# Accuracy and loss per epoch
# ---------------------------
# Training values as dots, validation values as a line, as in the tutorial.
fig = plot_training_curves(clf)

# %%
# Which digits are confused
# -------------------------
y_pred = clf.predict(X_test)
fig = plot_confusion_matrix(y_test, y_pred)

# %%
# Some test images with their predicted and true classes
# ------------------------------------------------------
# Wrong predictions first (titled in red), then right ones (green). The images
# are drawn before scaling.
wrong = (y_pred != y_test).nonzero()[0]
right = (y_pred == y_test).nonzero()[0]
indices = [*wrong[:8], *right[: 16 - len(wrong[:8])]]
fig = plot_predictions(images_test, y_test, y_pred, indices=indices, ncols=8)
