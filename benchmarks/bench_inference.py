"""Bulk inference: rows per traced call, and how steady each way of predicting is.

Usage::

    python -m benchmarks.bench_inference [--data-home PATH] [--n-bulk 5000]

Fits the notebook CNN for one epoch on 1,024 images, then, in one process:

1. predicts ``--n-bulk`` images through
   ``sknn_estimators._keras_runtime.predict_in_batches`` with each chunk size in
   turn, the sizes interleaved over ``--repeats`` rounds. Reports the median
   images per second (wall clock and CPU time) and the size of the first
   convolution's activations for one chunk (why ``PREDICT_BATCH_SIZE`` is 512);
2. alternates ``--calls`` calls of ``FashionCNNClassifier.predict`` with calls
   of ``model.predict(X, batch_size=64)`` on the same model and images (the call
   scikeras' ``predict`` makes), and reports the spread of each one's images/s.
   Calls that alternate see the same machine, so a spread in one and not the
   other belongs to that way of predicting, not to other jobs.

Writes ``benchmarks/results/bench_inference.md``.
"""

import argparse
import statistics
import time
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks import _data
from benchmarks.run import (
    REPO,
    interleaved_rates,
    machine_info,
    rate_spread,
    write_report,
)
from benchmarks.worker import import_keras, make_ours

SIZES = (32, 64, 128, 256, 512, 1024, 2048)


def chunk_sizes(function, bulk, repeats):
    from sknn_estimators._keras_runtime import predict_in_batches

    runs = {size: partial(predict_in_batches, function, bulk, size) for size in SIZES}
    return interleaved_rates(runs, len(bulk), repeats)


def alternating_calls(estimator, flat, calls):
    model = estimator.model_
    images = flat.reshape((-1, *estimator.image_shape_))
    ways = {
        "`FashionCNNClassifier.predict`": lambda: estimator.predict(flat),
        "`model.predict(X, batch_size=64)` (what scikeras calls)": lambda: np.argmax(
            model.predict(images, batch_size=64, verbose=0), axis=1
        ),
    }
    return interleaved_rates(ways, len(flat), calls)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--n-bulk", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    import_keras()
    from sknn_estimators._keras_runtime import PREDICT_BATCH_SIZE

    X, y, info = _data.load(_data.resolve_data_home(args.data_home))
    estimator = make_ours(epochs=1).fit(X[:1024], y[:1024])
    repeats = -(-args.n_bulk // X.shape[0])
    flat = np.concatenate([X] * repeats)[: args.n_bulk]
    bulk = flat.reshape((-1, *estimator.image_shape_))
    by_size = chunk_sizes(estimator._predict_function, bulk, args.repeats)
    by_way = alternating_calls(estimator, flat, args.calls)

    filters = estimator.conv_filters[0] if estimator.conv_filters else 1
    height, width, _ = estimator.image_shape_
    lines = [
        "# Bulk inference",
        "",
        f"- Command: `python -m benchmarks.bench_inference --n-bulk {args.n_bulk}`",
        f"- Date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
        f"- Machine: {machine_info()['cpu_model']}; data: {info['name']}; "
        f"current `PREDICT_BATCH_SIZE` = {PREDICT_BATCH_SIZE}",
        "",
        f"## Rows per traced call (`predict_in_batches`, {args.repeats} rounds)",
        "",
        "| rows per call | images/s (median) | images per CPU-s (median) "
        "| first conv activations per call |",
        "| --- | --- | --- | --- |",
    ]
    for size in SIZES:
        wall, cpu = by_size[size]
        activations = size * height * width * filters * 4 / 2**20
        lines.append(
            f"| {size} | {statistics.median(wall):,.0f} "
            f"| {statistics.median(cpu):,.0f} | {activations:.1f} MiB |"
        )
    lines += [
        "",
        f"## {args.calls} alternating calls on the same model and "
        f"{args.n_bulk:,} images",
        "",
        "| way of predicting | images/s: min / median / max "
        "| images/s over all calls | images per CPU-s (median) |",
        "| --- | --- | --- | --- |",
    ]
    for name, rates in by_way.items():
        wall, cpu = rates
        overall = len(wall) / sum(1 / rate for rate in wall)  # images / seconds
        lines.append(
            f"| {name} | {rate_spread(wall)} | {overall:,.0f} "
            f"| {statistics.median(cpu):,.0f} |"
        )
    write_report(Path(args.out) / "bench_inference.md", lines)


if __name__ == "__main__":
    main()
