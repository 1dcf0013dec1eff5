"""Choose ``PREDICT_BATCH_SIZE``: bulk inference speed by rows per traced call.

Usage::

    python -m benchmarks.bench_inference [--data-home PATH] [--n-bulk 5000]

Fits the notebook CNN for one epoch on 1,024 images, then predicts ``--n-bulk``
images through ``sknn_estimators._keras_runtime.predict_in_batches`` with each
chunk size in turn, the sizes interleaved over ``--repeats`` rounds in one
process. Reports the median images per second (wall clock and CPU time) and the
size of the first convolution's activations for one chunk. Writes
``benchmarks/results/bench_inference.md``.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks import _data
from benchmarks.run import REPO, machine_info
from benchmarks.worker import import_keras, make_ours

SIZES = (32, 64, 128, 256, 512, 1024, 2048)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--n-bulk", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    import_keras()
    from sknn_estimators._keras_runtime import PREDICT_BATCH_SIZE, predict_in_batches

    X, y, info = _data.load(_data.resolve_data_home(args.data_home))
    estimator = make_ours(epochs=1).fit(X[:1024], y[:1024])
    repeats = -(-args.n_bulk // X.shape[0])
    bulk = np.concatenate([X] * repeats)[: args.n_bulk]
    bulk = bulk.reshape((-1, *estimator.image_shape_))
    function = estimator._predict_function
    wall = {size: [] for size in SIZES}
    cpu = {size: [] for size in SIZES}
    for size in SIZES:  # warm-up at every size
        predict_in_batches(function, bulk, size)
    for _ in range(args.repeats):
        for size in SIZES:
            start, start_cpu = time.perf_counter(), time.process_time()
            predict_in_batches(function, bulk, size)
            wall[size].append(time.perf_counter() - start)
            cpu[size].append(time.process_time() - start_cpu)
    filters = estimator.conv_filters[0] if estimator.conv_filters else 1
    height, width, _ = estimator.image_shape_
    lines = [
        "# Bulk inference by chunk size (`predict_in_batches`)",
        "",
        f"- Command: `python -m benchmarks.bench_inference --n-bulk {args.n_bulk}`",
        f"- Date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
        f"- Machine: {machine_info()['cpu_model']}; data: {info['name']}; "
        f"current `PREDICT_BATCH_SIZE` = {PREDICT_BATCH_SIZE}",
        "",
        "| rows per call | images/s (median) | images per CPU-s (median) "
        "| first conv activations per call |",
        "| --- | --- | --- | --- |",
    ]
    for size in SIZES:
        activations = size * height * width * filters * 4 / 2**20
        lines.append(
            f"| {size} | {args.n_bulk / np.median(wall[size]):,.0f} "
            f"| {args.n_bulk / np.median(cpu[size]):,.0f} | {activations:.1f} MiB |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_inference.md").write_text(text)


if __name__ == "__main__":
    main()
