"""
=======================================================
Tuning the CNN in a Pipeline with GridSearchCV (digits)
=======================================================

:class:`~sknn_estimators.FashionCNNClassifier` takes one flattened image per
row, so it fits after a :class:`~sklearn.preprocessing.StandardScaler` in a
:class:`~sklearn.pipeline.Pipeline`, and :class:`~sklearn.model_selection.
GridSearchCV` tunes its parameters by name with the ``step__parameter``
syntax. Here, scikit-learn's 8x8 digits (64 features per row, so the network
sees 8x8 images) and a small network, so that the twelve fits of the search
take seconds on a laptop CPU. For real data, use more epochs and the default
architecture.
"""

# %%
# Data and pipeline
# -----------------
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sknn_estimators import FashionCNNClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X[:800], y[:800], test_size=0.25, stratify=y[:800], random_state=0
)

cnn = FashionCNNClassifier(
    conv_filters=(8,), dense_units=(32,), batch_size=32, random_state=0
)
pipe = Pipeline([("scale", StandardScaler()), ("cnn", cnn)])

# %%
# Grid search over two parameters
# -------------------------------
# ``FashionCNNClassifier`` is a classifier to scikit-learn, so ``cv=3`` means
# stratified 3-fold cross-validation.
param_grid = {
    "cnn__epochs": [2, 6],
    "cnn__learning_rate_init": [0.001, 0.003],
}
search = GridSearchCV(pipe, param_grid, cv=3)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best mean accuracy over the folds: {search.best_score_:.3f}")
print(f"test accuracy of the refitted pipeline: {search.score(X_test, y_test):.3f}")

# %%
# The results table
# -----------------
names = {
    "param_cnn__epochs": "epochs",
    "param_cnn__learning_rate_init": "learning_rate_init",
    "mean_test_score": "mean accuracy",
    "std_test_score": "std",
    "mean_fit_time": "fit time (s)",
}
table = pd.DataFrame(search.cv_results_)[list(names)].rename(columns=names)
print(
    table.sort_values("mean accuracy", ascending=False).round(3).to_string(index=False)
)

# %%
# Mean cross-validated accuracy of each combination
# -------------------------------------------------
scores = table.pivot(
    index="epochs", columns="learning_rate_init", values="mean accuracy"
)
fig, ax = plt.subplots(figsize=(5, 3.6), layout="constrained")
image = ax.imshow(scores.to_numpy(), cmap="Blues", vmin=0, vmax=1)
ax.set_xticks(range(scores.shape[1]), [f"{v:g}" for v in scores.columns])
ax.set_yticks(range(scores.shape[0]), [str(v) for v in scores.index])
ax.set_xlabel("learning_rate_init")
ax.set_ylabel("epochs")
ax.set_title("Mean accuracy over 3 folds")
for (i, j), value in pd.DataFrame(scores.to_numpy()).stack().items():
    ax.text(j, i, f"{value:.3f}", ha="center", va="center")
colorbar = fig.colorbar(image, ax=ax)
