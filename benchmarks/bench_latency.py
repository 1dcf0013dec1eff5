"""Prediction latency: one image, 32 and 5,000 rows, by each way of predicting.

Usage::

    python -m benchmarks.bench_latency [--data-home PATH] [--calls 200]

Fits the notebook CNN (``FashionCNNClassifier`` with its defaults: 356,234
parameters on 28x28 images) for one epoch on 1,024 images, then, in one
process, times for each batch size the contenders in turn, alternating them
in blocks of calls (so that each sees the same machine):

- ``model.predict`` (plain Keras, what the notebook calls);
- our TensorFlow path: ``predict_proba`` with ``SKNN_ESTIMATORS_ONNXRUNTIME=0``;
- our default ``predict_proba`` and ``predict``: ONNX Runtime for batches of
  at most 32 rows when the ``onnx`` extra is installed, TensorFlow above;
- raw ONNX Runtime: ``InferenceSession.run`` on the graph of
  ``estimator.export(format="onnx")``, with ONNX Runtime's default threads
  and with one thread (as the small-batch path runs).

Reports the median milliseconds per call and rows per second, and the largest
difference of each contender's output from our TensorFlow path. Writes
``benchmarks/results/bench_latency.md``.
"""

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from benchmarks import _data
from benchmarks.run import REPO, load_average, machine_info, write_report
from benchmarks.worker import import_keras, make_ours

SIZES = (1, 32, 128, 512, 5000)
ENV = "SKNN_ESTIMATORS_ONNXRUNTIME"
BLOCK = 10
#: The fewest calls of a contender, for the largest batches.
MIN_CALLS = 7


def with_engine(enabled, function):
    def run(X):
        os.environ[ENV] = "1" if enabled else "0"
        try:
            return function(X)
        finally:
            os.environ.pop(ENV, None)

    return run


def contenders(estimator, sessions, scikeras=None):
    model = estimator.model_
    shape = estimator.image_shape_

    def keras_predict(X):
        # predict_proba's values: Keras' outputs, renormalised as ours are.
        proba = model.predict(X.reshape((-1, *shape)), verbose=0).astype(np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def raw_onnx(session):
        return lambda X: session.run(None, {"X": X})[0]

    runs = {
        "`model.predict` (Keras)": keras_predict,
        "ours, TensorFlow path": with_engine(False, estimator.predict_proba),
        "ours, default `predict_proba`": with_engine(True, estimator.predict_proba),
        "ours, default `predict` (labels)": with_engine(True, estimator.predict),
        "raw ONNX Runtime, default threads": raw_onnx(sessions[0]),
        "raw ONNX Runtime, 1 thread (as our small-batch path)": raw_onnx(sessions[1]),
    }
    if scikeras is not None:
        runs["scikeras `predict_proba`"] = scikeras.predict_proba
    return runs


def time_calls(runs, X, calls, block):
    """Median seconds per call of each of ``runs`` over ``calls`` calls, after
    one warm-up call each; and each one's output. The contenders alternate in
    blocks of ``block`` calls, in an order rotated each round: a serving loop
    calls one path again and again, and TensorFlow's threads stay busy a
    while after a call, slowing whatever runs right after it."""
    outputs = {name: run(X) for name, run in runs.items()}
    times = {name: [] for name in runs}
    names = list(runs)
    for round_ in range(max(1, calls // block)):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            for _ in range(block):
                start = time.perf_counter()
                runs[name](X)
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}, outputs


def measure(data_home, calls, sizes=SIZES, with_scikeras=False):
    """Fit the notebook CNN (and scikeras' on the same images, if asked) and
    time every contender at each of ``sizes``; ``(rows, facts)`` where
    ``rows[size]`` lists ``(contender, median seconds, max diff, calls)``."""
    import_keras()
    import onnxruntime

    from sknn_estimators._small_batch import BUILD_AFTER

    X, y, info = _data.load(_data.resolve_data_home(data_home))
    estimator = make_ours(epochs=1).fit(X[:1024], y[:1024])
    scikeras = None
    if with_scikeras:
        from benchmarks.worker import make_scikeras

        scikeras = make_scikeras(epochs=1).fit(X[:1024], y[:1024])
    for _ in range(BUILD_AFTER - 1):
        estimator.predict_proba(X[:1])
    start = time.perf_counter()
    estimator.predict_proba(X[:1])  # converts the network for small batches
    first_call = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "cnn.onnx")
        estimator.export(path, format="onnx")
        one_thread = onnxruntime.SessionOptions()
        one_thread.intra_op_num_threads = one_thread.inter_op_num_threads = 1
        sessions = [
            onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"]),
            onnxruntime.InferenceSession(
                path, one_thread, providers=["CPUExecutionProvider"]
            ),
        ]
    runs = contenders(estimator, sessions, scikeras)
    rows = {}
    for size in sizes:
        batch = np.concatenate([X] * -(-size // X.shape[0]))[:size]
        n_calls = max(MIN_CALLS, min(calls, calls * 32 // size))
        block = BLOCK if size <= 32 else 1
        medians, outputs = time_calls(runs, batch, n_calls, block)
        reference = outputs["ours, TensorFlow path"]
        labels = estimator.classes_[reference.argmax(axis=1)]
        rows[size] = [
            (
                name,
                medians[name],
                float(np.mean(outputs[name] != labels))
                if outputs[name].ndim == 1
                else float(np.max(np.abs(outputs[name] - reference))),
                max(1, n_calls // block) * block,
            )
            for name in runs
        ]
    facts = {
        "n_params": estimator.model_.count_params(),
        "image_shape": estimator.image_shape_,
        "data": info["name"],
        "first_call_seconds": first_call,
        "onnxruntime": onnxruntime.__version__,
    }
    return rows, facts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    rows, facts = measure(args.data_home, args.calls)
    machine = machine_info()
    lines = [
        "# Prediction latency",
        "",
        f"- Command: `python -m benchmarks.bench_latency --calls {args.calls}`",
        f"- Model: the notebook CNN, {facts['n_params']:,} parameters, images "
        f"{facts['image_shape']}, one epoch on 1,024 images of {facts['data']}",
        "- The small-batch call that converts the network for ONNX Runtime (the "
        f"third one-image `predict_proba` after fit): "
        f"{facts['first_call_seconds']:.2f} s",
        f"- Date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
        f"- Machine: {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs, "
        f"load average {load_average()} at the end; onnxruntime "
        f"{facts['onnxruntime']}",
        f"- Each cell: median of the calls; the contenders alternate in blocks of "
        f"{BLOCK} calls for up to 32 rows (1 call above), in an order rotated "
        "each round; `max diff` is the largest difference from our "
        "TensorFlow path's probabilities (for `predict`, the share of labels "
        "that differ).",
        "",
        "| rows | contender | median ms per call | rows/s | max diff | calls |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for size, entries in rows.items():
        for name, median, diff, n_calls in entries:
            lines.append(
                f"| {size:,} | {name} | {median * 1e3:.3f} | {size / median:,.0f} "
                f"| {diff:.1e} | {n_calls} |"
            )
    write_report(Path(args.out) / "bench_latency.md", lines)


if __name__ == "__main__":
    main()
