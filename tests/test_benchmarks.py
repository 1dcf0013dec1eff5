"""The benchmark suite's own rules: public API only, and the targets script."""

import ast
from pathlib import Path

import pytest

from benchmarks import targets
from benchmarks.common import PROFILES

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize("path", sorted(BENCHMARKS.glob("*.py")), ids=lambda p: p.name)
def test_benchmarks_import_no_private_module(path):
    """Only sknn_estimators' public modules, and no module of benchmarks/ that
    imports the module back (the old import circle)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    private = [m for m in imported if m.startswith("sknn_estimators") and "._" in m]
    assert not private
    # Only common.py is shared: no benchmark module imports another one.
    shared = {m for m in imported if m.startswith("benchmarks")} - {
        "benchmarks",
        "benchmarks.common",
    }
    assert not shared


def test_targets_are_ratios_of_the_recorded_medians():
    table = {
        "FitSuite.track_images_per_s": {"ours": 1000.0, "keras": 800.0},
        "PredictSuite.time_predict_one": {"ours": 0.002, "scikeras": 0.03},
        "LatencySuite.time_predict_proba": {("ours", "1"): 1e-4},
        "FitMemorySuite.peakmem_fit": {"ours": 4e9, "keras_tiny": 1e9},
    }
    rows = {name: row for name, *row in targets.targets(table, PROFILES["full"])}
    assert rows["Fit images/s, ours / plain Keras"] == [1.25, ">= 0.97", True]
    assert rows["1-image predict (ours), ms"] == [2.0, "<= 1.5", False]
    assert rows["1-image predict, scikeras / ours"] == [15.0, ">= 20", False]
    assert rows["1-image predict_proba, default path, ms"][2] is True
    excess = 3e9 / (60000 * 784 * 4)
    assert rows["Fit peak RSS above baseline / X"] == [excess, "<= 3", False]
    # Benchmarks that did not run give no row.
    assert "Fit images/s, ours / scikeras" not in rows
