"""Dask streaming: ``Incremental`` trains over a Dask array of many blocks,
``ParallelPostFit`` predicts across the workers, on a local cluster whose
workers each have less memory than the whole array.

Usage::

    python -m benchmarks.bench_dask [--data-home PATH] [--n-rows 700000]

The array is uint8 images, one flattened image per row: the 28x28
Fashion-MNIST subset (or the 8x8 digits) tiled with a small random shift per
block, made on the workers block by block, so that no process ever holds the
whole array. A ``LocalCluster`` of
2 single-threaded worker processes on 127.0.0.1 with ``--memory-limit`` each
(below the array's size) runs

1. ``Incremental(FashionCNNClassifier(input_scale=1/255, epochs=1))
   .fit(X, y, classes=...)``: one ``partial_fit`` per block, in order;
2. ``ParallelPostFit(fitted).predict(X)``: the blocks predicted on both
   workers.

Reports the time and images/s of each, and the peak resident memory of each
worker process (sampled), against the worker limit. Writes
``benchmarks/results/bench_dask.md``.
"""

import argparse
import time

import numpy as np

from benchmarks import _data
from benchmarks.run import REPO, machine_info, write_report

BLOCK_ROWS = 50_000


def _block(base, labels, index, n_rows):
    """Block ``index`` of the array: the base images tiled, shifted, one
    flattened image per row (dask-ml's wrappers take 2-D blocks)."""
    rng = np.random.RandomState(index)
    start = index * BLOCK_ROWS
    rows = np.arange(start, min(start + BLOCK_ROWS, n_rows)) % base.shape[0]
    dy, dx = rng.randint(-2, 3, size=2)
    images = np.roll(base[rows], (dy, dx), axis=(1, 2))
    return images.reshape(len(rows), -1), labels[rows]


def _sample_peak_memory(dask_worker):
    """Start a thread in a worker that records its peak resident memory."""
    import threading

    import psutil

    process = psutil.Process()
    dask_worker.peak_rss = process.memory_info().rss

    def sample():
        while True:
            dask_worker.peak_rss = max(dask_worker.peak_rss, process.memory_info().rss)
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--n-rows", type=int, default=700_000)
    parser.add_argument("--memory-limit", default="2GiB")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)

    import dask
    import dask.array as da
    from dask_ml.wrappers import Incremental, ParallelPostFit
    from distributed import Client, LocalCluster

    from sknn_estimators import FashionCNNClassifier

    X, y, info = _data.load(_data.resolve_data_home(args.data_home))
    side = int(round(X.shape[1] ** 0.5))
    base = np.rint(X * (255 if side == 28 else 16)).astype(np.uint8)
    base = base.reshape(-1, side, side)
    n_blocks = -(-args.n_rows // BLOCK_ROWS)
    make = dask.delayed(_block, nout=2, pure=True)
    images, labels = [], []
    for index in range(n_blocks):
        rows = min(BLOCK_ROWS, args.n_rows - index * BLOCK_ROWS)
        block_images, block_labels = make(base, y, index, args.n_rows)
        images.append(
            da.from_delayed(block_images, shape=(rows, side * side), dtype=np.uint8)
        )
        labels.append(da.from_delayed(block_labels, shape=(rows,), dtype=y.dtype))
    X_dask = da.concatenate(images)
    y_dask = da.concatenate(labels)

    # TensorFlow and the network are about 1.2 GB of memory Dask does not
    # manage, above its default pause threshold (80%) of a small worker: a
    # paused worker never resumes, and the run hangs. Pause at 95% instead;
    # nothing is spilled (the blocks are made where they are used).
    dask.config.set(
        {
            "distributed.worker.memory.target": False,
            "distributed.worker.memory.spill": False,
            "distributed.worker.memory.pause": 0.95,
        }
    )
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            memory_limit=args.memory_limit,
        ) as cluster,
        Client(cluster) as client,
    ):
        workers = client.scheduler_info()["workers"]
        limit = next(iter(workers.values()))["memory_limit"]
        started = set(workers)
        client.run(_sample_peak_memory)
        estimator = FashionCNNClassifier(
            input_scale=1 / 255, epochs=1, random_state=0, shuffle=True
        )
        start = time.perf_counter()
        incremental = Incremental(estimator, shuffle_blocks=False).fit(
            X_dask, y_dask, classes=np.unique(y)
        )
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        predicted = ParallelPostFit(incremental.estimator_).predict(X_dask).compute()
        predict_seconds = time.perf_counter() - start
        accuracy = float(np.mean(predicted == y_dask.compute()))
        peaks = client.run(lambda dask_worker: getattr(dask_worker, "peak_rss", None))
        restarted = sorted(set(peaks) - started)

    array_mib = args.n_rows * side * side / 2**20
    lines = [
        "# Dask streaming: Incremental and ParallelPostFit on a local cluster",
        "",
        "Command: `python -m benchmarks.bench_dask"
        + (f" --n-rows {args.n_rows}" if args.n_rows != 700_000 else "")
        + "`",
        "",
        "- Machine: {cpu_model}, {cpus_usable} usable cores, {ram_gib} GiB".format(
            **machine_info()
        ),
        f"- Data: {info['name']} tiled to {args.n_rows:,} uint8 images of "
        f"{side}x{side} in {n_blocks} blocks of up to {BLOCK_ROWS:,} rows: "
        f"{array_mib:,.0f} MiB as uint8, {4 * array_mib:,.0f} MiB as float32",
        f"- Cluster: 2 worker processes, 1 thread each, memory limit "
        f"{limit / 2**20:,.0f} MiB each, pausing at 95% of it (below the array's "
        "size as float32"
        + (" and as uint8" if limit < array_mib * 2**20 else "")
        + ")",
        "",
        "| step | seconds | images/s |",
        "| --- | --- | --- |",
        f"| `Incremental.fit` (one `partial_fit` per block, in order) | "
        f"{fit_seconds:.0f} | {args.n_rows / fit_seconds:,.0f} |",
        f"| `ParallelPostFit.predict` (blocks on both workers) | "
        f"{predict_seconds:.0f} | {args.n_rows / predict_seconds:,.0f} |",
        "",
        "| worker | peak RSS MiB | limit MiB |",
        "| --- | --- | --- |",
        *(
            f"| {address} | "
            + ("restarted" if peak is None else f"{peak / 2**20:,.0f}")
            + f" | {limit / 2**20:,.0f} |"
            for address, peak in sorted(peaks.items())
        ),
        "",
        f"Accuracy on the training images after one pass: {100 * accuracy:.2f}%. "
        + (
            f"Workers restarted during the run: {restarted}."
            if restarted
            else "No worker was restarted."
        ),
    ]
    write_report(f"{args.out}/bench_dask.md", lines)


if __name__ == "__main__":
    main()
