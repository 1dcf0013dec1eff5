"""Inference: one-row latency and bulk throughput of the notebook CNN through
each contender, every way of predicting at 1, 32 and bulk rows, and the cost
of ``import sknn_estimators``."""

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import sknn_estimators
from benchmarks.common import SIZES, Benchmark, Estimator, Predictor, make_cnn


class PredictSuite(Predictor, Estimator, Benchmark):
    """``predict`` after one epoch on 1,024 images, for each contender."""

    params = (["ours", "keras", "scikeras", "keras_wrapper"],)
    param_names = ["contender"]
    n_fit = 1024

    def make(self, contender):
        return make_cnn(contender, epochs=1)


class LatencySuite(Estimator, Benchmark):
    """``predict_proba`` by each way of predicting: Keras' ``model.predict``,
    our TensorFlow path (the default), the opt-in ONNX Runtime path
    (ONNX Runtime for small batches when the ``onnx`` extra is installed),
    and raw ONNX Runtime on ``export(format="onnx")``'s graph, with its
    default threads and with one thread; scikeras for context."""

    params = (
        ["keras", "ours_tf", "ours", "onnx", "onnx_1_thread", "scikeras"],
        [1, 32, SIZES["n_bulk"]],
    )
    param_names = ["contender", "rows"]
    n_fit = 1024

    def make(self, contender, rows):
        return make_cnn("scikeras" if contender == "scikeras" else "ours")

    def setup(self, contender, rows):
        super().setup(contender, rows)
        X = np.concatenate([self.X_test] * -(-rows // len(self.X_test)))[:rows]
        self.predict, self.rows = self.estimator.predict_proba, X
        if contender == "keras":
            model, shape = self.estimator.model_, self.estimator.image_shape_
            X = X.reshape((-1, *shape))
            self.predict = lambda X: model.predict(X, verbose=0)
        elif contender.startswith("onnx"):
            self.predict = self.onnx_session(contender == "onnx_1_thread")
        # The small-batch ONNX Runtime path is opt-in; "ours" measures it on.
        sknn_estimators.set_config(onnxruntime_predict=contender != "ours_tf")
        for _ in range(10):  # warm-up; builds the small-batch path
            self.predict(X)
        self.rows = X

    def teardown(self, contender, rows):
        sknn_estimators.set_config(onnxruntime_predict=False)

    def onnx_session(self, one_thread):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if one_thread:
            options.intra_op_num_threads = options.inter_op_num_threads = 1
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "cnn.onnx")
            self.estimator.export(path, format="onnx")
            session = onnxruntime.InferenceSession(
                path, options, providers=["CPUExecutionProvider"]
            )
        return lambda X: session.run(None, {"X": X})[0]

    def time_predict_proba(self, contender, rows):
        self.predict(self.rows)


class ImportSuite(Benchmark):
    """``import sknn_estimators`` in a fresh interpreter."""

    def timeraw_import(self):
        return "import sknn_estimators"

    def track_heavy_modules(self):
        """How many of TensorFlow, Keras and scikit-learn's estimators
        ``import sknn_estimators, sknn_estimators.datasets`` loads (0 wanted)."""
        code = (
            "import sys, sknn_estimators, sknn_estimators.datasets; heavy = "
            "('tensorflow', 'keras', 'sklearn.base'); "
            "print(sum(name in sys.modules for name in heavy))"
        )
        return int(subprocess.check_output([sys.executable, "-c", code], text=True))

    track_heavy_modules.unit = "modules"
