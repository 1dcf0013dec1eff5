"""Memory and scaling: peak memory of ``fit`` against a framework baseline,
fitting a uint8 memmap larger than the float copy we do not make, memory over
many fits in one process, a grid search's ``n_jobs``, pickling a fitted CNN,
and Dask streaming on workers with less memory than the data.
"""

import gc
import os
import pickle
import threading

import numpy as np

from benchmarks.common import (
    BATCH_SIZE,
    SIZES,
    Benchmark,
    PlainKeras,
    growth_per_fit_mib,
    load,
    make_cnn,
    memory_status,
    notebook_cnn,
    synthetic_images,
)


class PeakAnon:
    """The peak resident anonymous memory while the block runs, sampled."""

    def __enter__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, memory_status()["anon"])
            self._stop.wait(0.02)

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, memory_status()["anon"])


class FitMemorySuite(Benchmark):
    """Peak RSS of the process: ``keras_tiny`` and ``ours_tiny`` fit one
    step on 64 images (the framework baseline); ``ours`` and ``keras`` one
    epoch on ``SIZES["memory_rows"]`` synthetic 28x28 float32 images."""

    processes = 1
    params = (["keras_tiny", "ours_tiny", "ours", "keras"],)
    param_names = ["contender"]

    def setup(self, contender):
        n_rows = BATCH_SIZE if contender.endswith("_tiny") else SIZES["memory_rows"]
        self.X, self.y = synthetic_images(n_rows)

    def peakmem_fit(self, contender):
        make_cnn(contender.removesuffix("_tiny"), epochs=1).fit(self.X, self.y)


class OutOfCoreSuite(Benchmark):
    """Fit one epoch and predict on a uint8 memmap of shifted copies of the
    images (``memmap``), or on an in-memory float32 copy of its first
    ``SIZES["in_memory_rows"]`` rows; ``keras_tiny`` is the framework
    baseline. ``track_peak_anon_mib``: the peak anonymous RSS (a memmap's
    pages are file-backed)."""

    processes = 1
    params = (["keras_tiny", "memmap", "in_memory_float32"],)
    param_names = ["contender"]

    def setup_cache(self):
        X, y, _ = load()
        side = int(round(X.shape[1] ** 0.5))
        base = np.rint(X * 255).astype(np.uint8).reshape(-1, side, side)
        n_rows = SIZES["out_of_core_rows"]
        # In asv's folder of this cache, which asv deletes after the benchmarks.
        path = os.path.abspath("images.npy")
        out = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.uint8, shape=(n_rows, side, side)
        )
        rng = np.random.RandomState(0)
        for start in range(0, n_rows, len(base)):
            stop = min(start + len(base), n_rows)
            shift = tuple(rng.randint(-2, 3, size=2))
            out[start:stop] = np.roll(base[: stop - start], shift, axis=(1, 2))
        out.flush()
        return path, y[np.arange(n_rows) % len(y)]

    def track_peak_anon_mib(self, cache, contender):
        path, y = cache
        images = np.load(path, mmap_mode="r")
        if contender == "keras_tiny":
            with PeakAnon() as peak:
                X = images[:64].reshape(64, -1).astype(np.float32) / 255
                PlainKeras().fit(X, y[:64])
            return peak.peak / 2**20
        if contender == "memmap":
            X, estimator = images, make_cnn("ours").set_params(input_scale=1 / 255)
        else:
            n = SIZES["in_memory_rows"]
            X, y = images[:n].reshape(n, -1).astype(np.float32) / 255, y[:n]
            estimator = make_cnn("ours")
        gc.collect()
        with PeakAnon() as peak:
            estimator.fit(X, y).predict(X)
        return peak.peak / 2**20

    track_peak_anon_mib.unit = "MiB"


def fit_tiny(contender, index, X, y):
    """A tiny CNN on 8x8 images, ours or in plain Keras, fitted and used."""
    if contender == "ours":
        from sknn_estimators import FashionCNNClassifier

        estimator = FashionCNNClassifier(
            conv_filters=(8,), dense_units=(16,), epochs=1, random_state=index
        )
        estimator.fit(X, y).predict(X[:10])
        return
    model = notebook_cnn(64, 10, filters=(8,), units=16)
    model.compile("adam", "sparse_categorical_crossentropy")
    images = X.reshape(-1, 8, 8, 1)
    model.fit(images, y, epochs=1, batch_size=64, verbose=0)
    model.predict(images[:10], verbose=0)


class ManyFitsSuite(Benchmark):
    """``SIZES["n_fits"]`` successive fits of a tiny CNN on 300 digits in one
    process: the resident memory's growth per fit over the second half."""

    processes = 1
    params = (["ours", "keras"],)
    param_names = ["contender"]

    def track_growth_per_fit_mib(self, contender):
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X, y = (X[:300] / 16).astype(np.float32), y[:300]
        return growth_per_fit_mib(lambda index: fit_tiny(contender, index, X, y))

    track_growth_per_fit_mib.unit = "MiB"


class GridSearchSuite(Benchmark):
    """``GridSearchCV`` (4 candidates x 3 folds) with ``n_jobs`` 1 or 2, and 2
    with TensorFlow's pools as large as the machine in every worker."""

    processes = 1
    params = (["1", "2", "2-oversubscribed"],)
    param_names = ["n_jobs"]

    def setup(self, n_jobs):
        X, y, _ = load()
        self.X, self.y = X[:1500], y[:1500]
        if n_jobs == "2-oversubscribed":
            cores = str(os.cpu_count())
            os.environ["TF_NUM_INTRAOP_THREADS"] = cores
            os.environ["TF_NUM_INTEROP_THREADS"] = cores

    def time_grid_search(self, n_jobs):
        from sklearn.model_selection import GridSearchCV

        from sknn_estimators import FashionCNNClassifier

        grid = {"conv_filters": [(16,), (16, 32)], "epochs": [1, 2]}
        cnn = FashionCNNClassifier(dense_units=(32,), random_state=0)
        GridSearchCV(cnn, grid, cv=3, n_jobs=int(n_jobs[0])).fit(self.X, self.y)


class PickleSuite(Benchmark):
    """Pickling a small fitted CNN (what ``n_jobs`` workers are sent); compare
    commits with ``asv continuous``."""

    def setup(self):
        from sklearn.datasets import load_digits

        from sknn_estimators import FashionCNNClassifier

        X, y = load_digits(return_X_y=True)
        self.estimator = FashionCNNClassifier(
            conv_filters=(4,), dense_units=(8,), epochs=2, random_state=0
        ).fit(X[:300] / 16, y[:300])
        self.data = pickle.dumps(self.estimator)

    def time_dumps(self):
        pickle.dumps(self.estimator)

    def time_loads(self):
        pickle.loads(self.data)


class DaskSuite(Benchmark):
    """``Incremental`` fits a Dask array of uint8 images block by block and
    ``ParallelPostFit`` predicts it, on two workers of 1.5 GiB each."""

    processes = 1

    def setup(self):
        import dask.array as da
        from distributed import Client, LocalCluster

        from sknn_estimators import FashionCNNClassifier

        self.cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit="1.5GiB"
        )
        self.client = Client(self.cluster)
        X, y, _ = load()
        base = np.rint(X * 255).astype(np.uint8)
        n = SIZES["dask_rows"] // len(base) * len(base) or len(base)
        self.X = da.tile(da.from_array(base, chunks=len(base)), (n // len(base), 1))
        self.y = da.tile(da.from_array(y, chunks=len(y)), n // len(y))
        self.classes = np.unique(y)
        self.estimator = FashionCNNClassifier(input_scale=1 / 255, epochs=1)

    def teardown(self):
        self.client.close()
        self.cluster.close()

    def time_incremental_fit_and_predict(self):
        from dask_ml.wrappers import Incremental, ParallelPostFit

        fitted = Incremental(self.estimator).fit(self.X, self.y, classes=self.classes)
        ParallelPostFit(fitted.estimator_).predict(self.X).compute()
