"""Ours on each of Keras' backends, side by side in one run: the notebook CNN's
fit throughput (as ``FitSuite``), one fit of the small network of
``bench_small_fits`` (as ``SmallFitSuite``), and a one-row ``predict_proba``
of it.

Keras picks its backend once per process, so each figure is measured in a
subprocess started with ``KERAS_BACKEND`` set (``python -m
benchmarks.bench_backends MEASURE``, which prints it); a backend that is not
installed (the ``jax`` and ``torch`` extras) is skipped.
"""

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    BATCH_SIZE,
    LEARNING_RATE,
    SIZES,
    SMALL_FIT,
    Benchmark,
    breast_cancer,
    images_per_s,
    small_wrapper_params,
    split,
)

BACKENDS = ["tensorflow", "jax", "torch"]
#: One-row calls timed after the warm-up calls, for the median.
LATENCY_CALLS, WARM_UP_CALLS = 200, 20


def cnn_images_per_s():
    """The notebook CNN's images/s over the epochs after the first."""
    from sknn_estimators import FashionCNNClassifier

    X, _, y, _ = split()

    def make(callbacks):
        return FashionCNNClassifier(
            batch_size=BATCH_SIZE,
            learning_rate_init=LEARNING_RATE,
            epochs=SIZES["fit_epochs"],
            callbacks=list(callbacks),
            random_state=0,
        )

    return images_per_s(make, X, y)


def small_classifier():
    from sknn_estimators.wrappers import KerasClassifier

    return KerasClassifier(random_state=SMALL_FIT["seed"], **small_wrapper_params())


def small_fit_s():
    """Seconds of the second fit of the small network (the first one pays
    the imports and the tracing, as ``SmallFitSuite``'s setup does)."""
    X, y = breast_cancer()
    small_classifier().fit(X, y)
    start = time.perf_counter()
    small_classifier().fit(X, y)
    return time.perf_counter() - start


def one_row_ms():
    """Median milliseconds of ``predict_proba`` on one row."""
    X, y = breast_cancer()
    estimator = small_classifier().fit(X, y)
    seconds = []
    for call in range(WARM_UP_CALLS + LATENCY_CALLS):
        start = time.perf_counter()
        estimator.predict_proba(X[call % len(X)][None])
        seconds.append(time.perf_counter() - start)
    return 1000 * statistics.median(seconds[WARM_UP_CALLS:])


MEASURES = {f.__name__: f for f in (cnn_images_per_s, small_fit_s, one_row_ms)}


def measure(backend, name):
    """``MEASURES[name]()`` in a subprocess on ``backend`` (NaN when that
    backend is not installed)."""
    if importlib.util.find_spec(backend) is None:
        return float("nan")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "KERAS_BACKEND": backend}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(root), env.get("PYTHONPATH")])
    )
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_backends", name],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


class BackendSuite(Benchmark):
    processes = 1  # each figure is already a fresh process
    repeat = 1
    params = (BACKENDS,)
    param_names = ["backend"]

    def track_cnn_images_per_s(self, backend):
        return measure(backend, "cnn_images_per_s")

    track_cnn_images_per_s.unit = "images/s"

    def track_small_fit_s(self, backend):
        return measure(backend, "small_fit_s")

    track_small_fit_s.unit = "s"

    def track_one_row_ms(self, backend):
        return measure(backend, "one_row_ms")

    track_one_row_ms.unit = "ms"


if __name__ == "__main__":
    print(json.dumps(MEASURES[sys.argv[1]]()))
