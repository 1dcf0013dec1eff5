"""The scaling cases of ``make bench``, run by ``benchmarks.worker``:
``out_of_core`` (a uint8 memmap on disk, larger than the float copy we do not
make) and ``many_fits`` (memory over many successive fits in one process).

Each function measures one contender in its own process and returns a dict;
``benchmarks/run.py`` interleaves the contenders and computes the targets.
"""

import gc
import threading
import time

import numpy as np

#: Resident memory is sampled this often (seconds) for the peak anonymous RSS.
SAMPLE_SECONDS = 0.02


def memory_status():
    """``{"anon": bytes, "file": bytes}``: the process's resident anonymous
    memory (heap, arrays, TensorFlow's buffers) and resident file-backed pages
    (mapped files, e.g. a memmap's pages in the page cache, which the kernel
    can drop at any time), from /proc/self/status."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("RssAnon:", "RssFile:")):
                name, amount, _unit = line.split()
                values[name[3:-1].lower()] = int(amount) * 1024
    return values


class PeakMemory:
    """Samples :func:`memory_status` in a thread; the peaks of each."""

    def __init__(self):
        self.peak = {"anon": 0, "file": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for key, value in memory_status().items():
                self.peak[key] = max(self.peak[key], value)
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        for key, value in memory_status().items():
            self.peak[key] = max(self.peak[key], value)
        return False


def write_shifted_images(path, base_images, n_rows, seed=0):
    """Write ``n_rows`` uint8 images to a new ``.npy`` memmap at ``path``: the
    base images tiled, each tile shifted by a small random offset (up to 2
    pixels each way). Returns the labels' tiling indices."""
    rng = np.random.RandomState(seed)
    n_base = base_images.shape[0]
    out = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.uint8, shape=(n_rows, *base_images.shape[1:])
    )
    for start in range(0, n_rows, n_base):
        stop = min(start + n_base, n_rows)
        dy, dx = rng.randint(-2, 3, size=2)
        tile = np.roll(base_images[: stop - start], (dy, dx), axis=(1, 2))
        out[start:stop] = tile
    out.flush()
    del out
    return np.arange(n_rows) % n_base


def case_out_of_core(args, make_estimator, make_baseline, load_base):
    """Fit one epoch and predict on the uint8 memmap at ``args.memmap`` (the
    ``memmap`` contender), or on an in-memory float32 copy of its first
    ``args.n_rows`` rows (``in_memory_float32``), or fit the framework
    baseline (``keras_tiny``: the same network, one step on 64 images)."""
    _, y_base = load_base()
    contender = args.contender
    images = np.load(args.memmap, mmap_mode="r")
    y = y_base[np.arange(images.shape[0]) % y_base.shape[0]]
    if contender == "keras_tiny":
        with PeakMemory() as peak:
            X = images[:64].reshape(64, -1).astype(np.float32) / 255
            make_baseline().fit(X, y[:64])
        return {"peak": peak.peak}
    if contender == "in_memory_float32":
        X = images[: args.n_rows].reshape(args.n_rows, -1).astype(np.float32) / 255
        y = y[: args.n_rows]
        estimator = make_estimator(epochs=1)
    elif contender == "memmap":
        X = images  # uint8 on disk, (n, 28, 28): no copy is made
        estimator = make_estimator(epochs=1, input_scale=1 / 255)
    else:
        raise SystemExit(f"unknown contender {contender!r}")
    gc.collect()
    before = memory_status()
    with PeakMemory() as peak:
        start = time.perf_counter()
        estimator.fit(X, y)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        predicted = estimator.predict(X)
        predict_seconds = time.perf_counter() - start
    return {
        "n_rows": int(X.shape[0]),
        "x_nbytes": int(X.nbytes),
        "x_dtype": str(X.dtype),
        "fit_images_per_s": X.shape[0] / fit_seconds,
        "predict_images_per_s": X.shape[0] / predict_seconds,
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "before": before,
        "peak": peak.peak,
        "train_accuracy": float(np.mean(predicted == y)),
    }


def case_many_fits(args, make_small_estimator, make_plain_keras):
    """``args.n_fits`` successive fits of a tiny CNN on 300 digits in one
    process (ours or plain Keras, as in the issue's measurement); the
    resident memory after each fit."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = (X[:300] / 16).astype(np.float32), y[:300]
    fit = {"ours": make_small_estimator, "keras": make_plain_keras}[args.contender]
    rss = []
    for index in range(args.n_fits):
        fit(index, X, y)
        gc.collect()
        status = memory_status()
        rss.append(status["anon"] + status["file"])
    half = len(rss) // 2
    slope = np.polyfit(np.arange(half, len(rss)), rss[half:], 1)[0]
    return {
        "n_fits": args.n_fits,
        "rss_after_first": rss[0],
        "rss_after_last": rss[-1],
        "growth_per_fit_bytes": float(slope),
        "rss_every_10": rss[::10],
    }
