"""
====================================================
CNN embeddings as features: KerasTransformer
====================================================

:class:`~sknn_estimators.wrappers.KerasTransformer` trains a Keras model on
``(X, y)`` and then gives the output of one of its layers as features, so a
network's learned representation can feed any scikit-learn estimator in a
``Pipeline``. Here a small convolutional network learns the 8x8 digits; its
32-unit dense layer (the "embedding") then feeds a ``LogisticRegression``,
which we compare with a ``LogisticRegression`` on the raw pixels.
"""

# %%
# A network with a named embedding layer
# --------------------------------------
# The model function reads the number of features from ``meta``; the layer
# whose output we want is named ``"embedding"``.
import keras
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sknn_estimators.wrappers import KerasTransformer


def small_cnn(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Reshape((8, 8, 1)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu", name="embedding"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# The embedding before a linear classifier
# ----------------------------------------
# ``fit`` trains the whole network on the class labels (integers, for the
# sparse cross-entropy); ``transform`` returns the embedding layer's output.
embedding = KerasTransformer(
    small_cnn,
    output_layer="embedding",
    loss="sparse_categorical_crossentropy",
    optimizer="adam",
    epochs=15,
    verbose=0,
    random_state=0,
)
on_embedding = make_pipeline(embedding, LogisticRegression(max_iter=1000))
on_embedding.fit(X_train, y_train)
on_pixels = LogisticRegression(max_iter=1000).fit(X_train, y_train)
print(f"LogisticRegression on the pixels:    {on_pixels.score(X_test, y_test):.3f}")
print(f"LogisticRegression on the embedding: {on_embedding.score(X_test, y_test):.3f}")
print("features out:", on_embedding[0].get_feature_names_out()[:3], "...")

# %%
# What the embedding separates
# ----------------------------
# Two principal components of the 32 learned features of the test images,
# coloured by digit.
features = on_embedding[0].transform(X_test)
points = PCA(n_components=2, random_state=0).fit_transform(features)
fig, ax = plt.subplots(figsize=(5, 4))
scatter = ax.scatter(points[:, 0], points[:, 1], c=y_test, cmap="tab10", s=8)
ax.legend(*scatter.legend_elements(), title="digit", fontsize=7, loc="best")
ax.set(xlabel="first component", ylabel="second component")
ax.set_title("The CNN's embedding of the test digits")
plt.show()
