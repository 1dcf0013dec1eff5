"""
=======================================================
Image regression: how far is a digit turned and scaled?
=======================================================

:class:`~sknn_estimators.CNNRegressor` is the CNN of
:class:`~sknn_estimators.FashionCNNClassifier` with a linear output trained on
the mean squared error. Here it reads two continuous quantities off an image:
the angle by which a handwritten digit was rotated and the factor by which it
was scaled.

Why this is a regression, and an honest one: the targets are real numbers on a
continuous scale (an angle of 30 degrees is closer to 25 than to -40), they are
known exactly because we applied the transformation ourselves, and nothing
about them can be read from a single pixel: the network has to find the
digit's strokes and their orientation. The images are scikit-learn's 8x8
digits (shipped with scikit-learn, no download), enlarged to 16x16, then
rotated by a random angle in [-45, 45] degrees and scaled by a random factor in
[0.7, 1.2]. A linear model on the raw pixels is the baseline.
"""

# %%
# The data: rotated and scaled digits
# -----------------------------------
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from sknn_estimators import CNNRegressor

digits = load_digits()
rng = np.random.RandomState(0)
n_images = len(digits.images)
angles = rng.uniform(-45, 45, n_images)
scales = rng.uniform(0.7, 1.2, n_images)


def turn_and_scale(image, angle, scale):
    """The 8x8 image enlarged to 16x16, rotated by ``angle`` degrees about its
    centre and scaled by ``scale``; pixels in [0, 1]."""
    large = ndimage.zoom(image / 16, 2, order=1)
    turned = ndimage.rotate(large, angle, reshape=False, order=1)
    return ndimage.affine_transform(
        turned, np.eye(2) / scale, offset=8 - 8 / scale, order=1
    )


X = np.stack(
    [turn_and_scale(*args) for args in zip(digits.images, angles, scales, strict=True)]
).reshape(n_images, -1)
# Two outputs of similar scale: the angle in units of 45 degrees, and the factor.
Y = np.column_stack([angles / 45, scales])
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)

# %%
# Fit the CNN and a linear baseline
# ---------------------------------
# ``y`` with two columns gives a network with two linear outputs; ``score``
# is the R² averaged over them, as for scikit-learn's regressors.
cnn = CNNRegressor(
    conv_filters=(16, 32),
    dense_units=(64,),
    learning_rate_init=0.002,
    epochs=30,
    random_state=0,
).fit(X_train, Y_train)
ridge = RidgeCV().fit(X_train, Y_train)

for name, model in [("CNNRegressor", cnn), ("RidgeCV on pixels", ridge)]:
    per_output = r2_score(Y_test, model.predict(X_test), multioutput="raw_values")
    print(
        f"{name:18s} R² {model.score(X_test, Y_test):.3f} "
        f"(angle {per_output[0]:.3f}, scale {per_output[1]:.3f})"
    )

# %%
# Predicted against true values
# -----------------------------
predicted = cnn.predict(X_test)
fig, axes = plt.subplots(1, 2, figsize=(8, 4), layout="constrained")
for axis, column, label, unit in [
    (axes[0], 0, "rotation", 45),
    (axes[1], 1, "scale", 1),
]:
    axis.scatter(Y_test[:, column] * unit, predicted[:, column] * unit, s=6)
    low, high = (Y_test[:, column] * unit).min(), (Y_test[:, column] * unit).max()
    axis.plot([low, high], [low, high], color="black", linewidth=1)
    axis.set(xlabel=f"true {label}", ylabel=f"predicted {label}")
fig.suptitle("CNNRegressor on rotated and scaled digits (test images)")
plt.show()
