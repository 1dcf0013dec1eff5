"""Pickling a fitted CNN: the first and the repeated ``pickle.dumps``, before and after.

Usage::

    python -m benchmarks.bench_pickle [--before 72fe53e] [--repeats 10]

Runs the same measurement in two subprocesses: one imports the package as it
was at ``--before`` (extracted with ``git archive`` into a temporary folder),
the other this checkout. Each fits a tiny ``FashionCNNClassifier``
(``conv_filters=(4,)``, ``dense_units=(8,)``, 2 epochs, 300 rows of
scikit-learn's 8x8 digits), then times one ``pickle.dumps``, ``--repeats``
more of the same fitted estimator (the case of ``n_jobs`` workers that are
sent the model for every task) and ``pickle.loads``, and counts the warnings
that pickling emits. Prints the report and writes
``benchmarks/results/bench_pickle.md``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(repeats):
    """Run in the subprocess: the timings of this interpreter's package, as JSON."""
    import pickle
    import warnings

    from sklearn.datasets import load_digits

    from sknn_estimators import FashionCNNClassifier

    X, y = load_digits(return_X_y=True)
    clf = FashionCNNClassifier(
        conv_filters=(4,), dense_units=(8,), epochs=2, random_state=0
    ).fit(X[:300] / 16, y[:300])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tic = time.perf_counter()
        data = pickle.dumps(clf)
        first = time.perf_counter() - tic
    again = []
    for _ in range(repeats):
        tic = time.perf_counter()
        pickle.dumps(clf)
        again.append(time.perf_counter() - tic)
    tic = time.perf_counter()
    pickle.loads(data)
    load = time.perf_counter() - tic
    return {
        "first_dumps_s": first,
        "repeated_dumps_median_s": statistics.median(again),
        "loads_s": load,
        "bytes": len(data),
        "warnings": len(caught),
        "warning_kinds": sorted(
            {f"{w.category.__name__}: {w.message}" for w in caught}
        ),
    }


def run_side(source, repeats):
    env = {**os.environ, "PYTHONPATH": str(source), "SKNN_ESTIMATORS_TF_LOG": ""}
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure", str(repeats)],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="72fe53e")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--measure", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    if args.measure is not None:
        print(json.dumps(measure(args.measure)))
        return
    from benchmarks.run import machine_info, write_report

    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", args.before, "sknn_estimators"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        before = run_side(Path(folder), args.repeats)
    after = run_side(REPO, args.repeats)
    rows = [
        ("first `pickle.dumps` (ms)", "first_dumps_s"),
        (
            f"median of {args.repeats} more `pickle.dumps` (ms)",
            "repeated_dumps_median_s",
        ),
        ("`pickle.loads` (ms)", "loads_s"),
        ("pickle size (bytes)", "bytes"),
        ("warnings from the first `pickle.dumps`", "warnings"),
    ]
    lines = [
        "# Pickling a fitted CNN",
        "",
        "`python -m benchmarks.bench_pickle` (tiny FashionCNNClassifier on 300 "
        f"digits rows); before = `{args.before}`, after = this checkout.",
        f"Machine: {machine_info()}",
        "",
        "| measure | before | after | before / after |",
        "| --- | --- | --- | --- |",
    ]
    for label, key in rows:
        b, a = before[key], after[key]
        ratio = f"{b / a:.1f}x" if a else "-"
        if key.endswith("_s"):
            b, a = f"{b * 1e3:.3f}", f"{a * 1e3:.3f}"
        lines.append(f"| {label} | {b} | {a} | {ratio} |")
    lines += ["", f"Warnings before: {before['warning_kinds']}"]
    lines += [f"Warnings after: {after['warning_kinds']}"]
    write_report(Path(args.out) / "bench_pickle.md", lines)


if __name__ == "__main__":
    main()
