"""The estimators on each of Keras' backends: TensorFlow, JAX and PyTorch.

The rest of the suite runs in-process on the backend the session was started
with (``make test`` runs the core of it under JAX too; ``make test-torch``
under PyTorch). These tests start one subprocess per installed backend
(``tests/backend_roundtrip.py``): every public Keras estimator fits, refits
identically from its seed, pickles and saves on each backend, JAX and
PyTorch never import TensorFlow, and every file loads on every other backend
with the same outputs to float32 rounding, and trains on there.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.estimators import keras_estimators

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
INSTALLED = [b for b, module in BACKENDS.items() if importlib.util.find_spec(module)]
#: The outputs of one network on two backends differ by their kernels'
#: float32 rounding (about 1e-7 here).
TOLERANCE = 1e-5

#: One worker of pytest-xdist runs them all: the subprocesses' reports are one
#: module fixture.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("backends")]


def run_side_by_side(action, folder):
    """``tests.backend_roundtrip action folder`` under each installed backend,
    the processes side by side; each one's report."""
    processes = {}
    for backend in INSTALLED:
        env = {**os.environ, "KERAS_BACKEND": backend}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), env.get("PYTHONPATH")])
        )
        # Files, not pipes: a process never waits for its output to be read.
        out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        command = [sys.executable, "-m", "tests.backend_roundtrip", action, str(folder)]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        processes[backend] = process, out, err
    reports = {}
    for backend, (process, out, err) in processes.items():
        with out, err:
            process.wait(timeout=900)
            out.seek(0)
            err.seek(0)
            assert process.returncode == 0, f"on {backend}: {err.read()[-3000:]}"
            reports[backend] = json.loads(out.read().strip().splitlines()[-1])
    return reports


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each installed backend's report, its files saved in one folder."""
    folder = tmp_path_factory.mktemp("backends")
    return folder, run_side_by_side("save", folder)


@pytest.fixture(scope="module")
def loaded(saved):
    """Each installed backend's report on loading the other backends' files."""
    return run_side_by_side("load", saved[0])


def installed(backend):
    if backend not in INSTALLED:
        pytest.skip(f"Keras' {backend} backend is not installed")


@pytest.mark.parametrize("backend", BACKENDS)
def test_estimators_refit_pickle_and_save_on_each_backend(saved, backend):
    installed(backend)
    report = saved[1][backend]
    names = [cls.__name__ for cls in keras_estimators()]  # not "errors"
    failed = {
        name: check
        for name in names
        for check, passed in report[name].items()
        if not passed
    }
    assert not failed, f"on {backend}: {failed}"
    if backend != "tensorflow":
        assert not report["tensorflow_imported"], f"{backend} imported TensorFlow"


@pytest.mark.parametrize("backend", BACKENDS)
def test_files_load_on_every_other_backend(loaded, backend):
    installed(backend)
    report = loaded[backend]
    others = [b for b in INSTALLED if b != backend]
    expected = {f"{b}-{cls.__name__}" for b in others for cls in keras_estimators()}
    assert set(report) == expected
    bad = {
        name: diff
        for name, diff in report.items()
        if not isinstance(diff, float) or diff > TOLERANCE
    }
    assert not bad, f"loaded on {backend}: {bad}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_what_a_backend_cannot_do_is_a_clear_error(saved, backend):
    """float64 on JAX without its 64-bit mode and on PyTorch, and a SavedModel
    export on PyTorch, raise a ValueError that says what to do; elsewhere
    they work."""
    installed(backend)
    report = saved[1][backend]["errors"]
    if backend == "jax":
        assert "JAX_ENABLE_X64=1" in report["float64"]
    elif backend == "torch":
        assert "use the TensorFlow or JAX backend" in report["float64"]
    else:
        assert report["float64"] is None
    if backend == "torch":
        assert "export format='onnx'" in report["tf_saved_model"]
    else:
        assert report["tf_saved_model"] is None
