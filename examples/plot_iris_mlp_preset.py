"""
===========================================
The notebook's iris run with an MLP preset
===========================================

The iris notebook this project started from trains a multi-layer perceptron
with four ReLU hidden layers (256, 128, 64 and 32 units) on standardised
features. :class:`~sknn_estimators.DeepMLPClassifier` is that network as a
preset of scikit-learn's :class:`~sklearn.neural_network.MLPClassifier`: the
same class, with those defaults. It does not need TensorFlow.
"""

# %%
# Load the data and split it as the notebook does
# -------------------------------------------------
from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_estimators import DeepMLPClassifier
from sknn_estimators.plotting import plot_confusion_matrix

iris = load_iris()
X_train, X_test, y_train, y_test = train_test_split(
    iris.data, iris.target, random_state=1, test_size=0.2
)
print(f"{len(X_train)} training and {len(X_test)} test flowers")

# %%
# Fit the preset after a StandardScaler
# -------------------------------------
# The preset only changes ``MLPClassifier``'s defaults, so every
# ``MLPClassifier`` parameter (here ``random_state``) is accepted as usual.
clf = make_pipeline(StandardScaler(), DeepMLPClassifier(random_state=1))
clf.fit(X_train, y_train)
print(clf[-1])
print("hidden layers:", clf[-1].hidden_layer_sizes)

# %%
# Accuracy and classification report
# -----------------------------------
y_pred = clf.predict(X_test)
print(f"accuracy: {accuracy_score(y_test, y_pred):.4f}")
print(classification_report(y_test, y_pred, target_names=iris.target_names))

# %%
# Confusion matrix
# ----------------
# :func:`~sknn_estimators.plotting.plot_confusion_matrix` draws scikit-learn's
# :class:`~sklearn.metrics.ConfusionMatrixDisplay` and returns the figure.
fig = plot_confusion_matrix(y_test, y_pred, display_labels=iris.target_names)

# %%
# The loss curve
# --------------
# ``MLPClassifier`` records the training loss of each iteration in
# ``loss_curve_``; :func:`~sknn_estimators.plotting.plot_training_curves`
# reads it from the fitted pipeline (there is no accuracy curve without
# ``early_stopping``, and the panel says so).
from sknn_estimators.plotting import plot_training_curves  # noqa: E402

fig = plot_training_curves(clf)
