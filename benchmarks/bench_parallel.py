"""GridSearchCV wall time with n_jobs=1 vs n_jobs=2, and TensorFlow's thread pools.

Each configuration runs in a fresh process (TensorFlow sizes its thread pools
once, at start-up) and the configurations are interleaved in rounds, so machine
noise hits them alike. Configurations:

- ``n_jobs=1``: one process, TensorFlow uses every core.
- ``n_jobs=2``: two loky workers; joblib sets ``OMP_NUM_THREADS`` to each
  worker's share of the cores and sknn_estimators sizes TensorFlow's pools to it.
- ``n_jobs=2, oversubscribed``: the same, but ``TF_NUM_INTRAOP_THREADS`` and
  ``TF_NUM_INTEROP_THREADS`` forced to the core count in every worker, which is
  what TensorFlow does by default.

Run: ``.venv/bin/python -m benchmarks.bench_parallel [--rounds 2] [--data-home DIR]``
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fashion-mnist-subset"

CONFIGS = {
    "n_jobs=1": (1, {}),
    "n_jobs=2": (2, {}),
    "n_jobs=2, oversubscribed": (
        2,
        {
            "TF_NUM_INTRAOP_THREADS": str(os.cpu_count()),
            "TF_NUM_INTEROP_THREADS": str(os.cpu_count()),
        },
    ),
}

WORKER = """
import json, sys, time
import numpy as np
from sklearn.model_selection import GridSearchCV
from sknn_estimators import FashionCNNClassifier

n_jobs, data_home, n_images = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
if data_home:
    from sknn_estimators.datasets import load_fashion_mnist
    X, y = load_fashion_mnist(data_home=data_home, return_X_y=True, download=False)
    X, y = X[:n_images] / 255.0, y[:n_images]
else:
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
cnn = FashionCNNClassifier(conv_filters=(16, 32), dense_units=(64,), epochs=2,
                           random_state=0)
grid = {"learning_rate_init": [0.001, 0.003], "batch_size": [32, 64]}
start = time.perf_counter()
search = GridSearchCV(cnn, grid, cv=3, n_jobs=n_jobs).fit(X, y)
print(json.dumps({"seconds": time.perf_counter() - start,
                  "best_params": search.best_params_,
                  "n_samples": len(X)}))
"""


def run(config, data_home, n_images):
    n_jobs, env_extra = CONFIGS[config]
    env = {**os.environ, **env_extra}
    for var in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        if var not in env_extra:
            env.pop(var, None)
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(n_jobs), data_home, str(n_images)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--data-home", default=str(SHARED) if SHARED.is_dir() else "")
    parser.add_argument("--out", type=Path, default=RESULTS / "parallel.json")
    args = parser.parse_args(argv)

    times = {config: [] for config in CONFIGS}
    best = {}
    for round_ in range(args.rounds):
        for config in CONFIGS:
            result = run(config, args.data_home, args.images)
            times[config].append(result["seconds"])
            best[config] = result["best_params"]
            print(f"round {round_ + 1} {config}: {result['seconds']:.1f} s", flush=True)
            n_samples = result["n_samples"]

    base = statistics.median(times["n_jobs=1"])
    data = f"{n_samples} Fashion-MNIST images" if args.data_home else "digits"
    lines = [
        f"GridSearchCV, 4 candidates x 3 folds, {data}, "
        f"{os.cpu_count()} cores, median of {args.rounds} interleaved rounds",
        "",
        "| configuration | wall time (s) | speed-up vs n_jobs=1 | best params |",
        "| --- | --- | --- | --- |",
    ]
    for config, values in times.items():
        median = statistics.median(values)
        lines.append(
            f"| {config} | {median:.1f} | {base / median:.2f}x | {best[config]} |"
        )
    table = "\n".join(lines)
    print("\n" + table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "machine": platform.processor() or platform.machine(),
                "cores": os.cpu_count(),
                "data": data,
                "seconds": times,
                "best_params": best,
                "table": table,
            },
            indent=1,
        )
    )
    args.out.with_suffix(".md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
