"""Run the benchmarks side by side; write a markdown table and a JSON file.

Usage::

    python -m benchmarks.run [--quick] [--data-home PATH | digits] [--out DIR]

Every measurement of every contender runs in a fresh process
(``python -m benchmarks.worker CASE CONTENDER ...``), and the contenders of a
case are interleaved in rounds (A B C D, A B C D, ...), so that the drift of a
shared, noisy machine falls on all of them alike. Each figure is the median
over the rounds; each ratio is the median of the per-round ratios (both
contenders of a pair ran next to each other in every round), all from this one
run. Nothing is asserted about time anywhere else (not in the test suite).

Writes ``<out>/latest.md`` and ``<out>/latest.json`` (``quick.md`` and
``quick.json`` with ``--quick``, a smoke run of a few minutes on tiny sizes).
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import _data
from benchmarks._configs import (
    ACCURACY_TARGET,
    BATCH_SIZE,
    LEARNING_RATE,
    NOTEBOOK_EPOCHS,
    REGULARISED_PRESET,
    SPLIT_SEED,
    TEST_SIZE,
    TIME_BUDGET,
    regularised_params,
)
from benchmarks.worker import RESULT_PREFIX, USER_MLP_HIDDEN

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
#: README.md shows the latest full run's description and targets between these
#: lines; a full run written to ``RESULTS`` (``make bench``) rewrites them.
README_MARKERS = (
    "<!-- make bench writes this block: start -->",
    "<!-- make bench writes this block: end -->",
)

#: Sizes and repetitions of the full run (about 30 minutes on 2 cores) and of
#: the smoke run (``--quick``).
SETTINGS = {
    "full": {
        "fit": {"rounds": 7, "epochs": 6, "n_train": 0},
        "predict": {
            "rounds": 3,
            "warmup": 10,
            "calls": 200,
            "n_bulk": 5000,
            "bulk_repeats": 10,
        },
        "accuracy": {
            "rounds_cnn": 2,
            "rounds_other": 1,
            "n_train": 0,
            "max_epochs": 0,
            "max_iter": 0,
        },
        "memory": {"rounds": 1, "n_rows": 60000},
        "out_of_core": {"rounds": 1, "n_rows": 1_000_000, "n_in_memory": 100_000},
        "many_fits": {"rounds": 1, "n_fits": 200},
        "latency": {"rounds": 1, "calls": 200, "n_bulk": 5000},
        "import": {"rounds": 15},
        "wrappers": {
            "rounds": 5,
            "epochs": 6,
            "n_train": 0,
            "warmup": 10,
            "calls": 200,
            "n_bulk": 5000,
            "bulk_repeats": 5,
        },
    },
    "quick": {
        "fit": {"rounds": 1, "epochs": 2, "n_train": 512},
        "predict": {
            "rounds": 1,
            "warmup": 5,
            "calls": 50,
            "n_bulk": 1000,
            "bulk_repeats": 1,
        },
        "accuracy": {
            "rounds_cnn": 1,
            "rounds_other": 1,
            "n_train": 600,
            "max_epochs": 2,
            "max_iter": 10,
        },
        "memory": {"rounds": 1, "n_rows": 6000},
        "out_of_core": {"rounds": 1, "n_rows": 20_000, "n_in_memory": 5_000},
        "many_fits": {"rounds": 1, "n_fits": 20},
        "latency": {"rounds": 1, "calls": 20, "n_bulk": 1000},
        "import": {"rounds": 3},
        "wrappers": {
            "rounds": 1,
            "epochs": 2,
            "n_train": 512,
            "warmup": 5,
            "calls": 50,
            "n_bulk": 1000,
            "bulk_repeats": 1,
        },
    },
}

#: Run in this order in every round: the pairs whose ratios are targets (ours
#: and plain Keras; ours in float32 and in mixed_bfloat16) run back to back,
#: so the drift of a shared machine between two runs of a pair is smallest.
FIT_CONTENDERS = ("keras", "ours", "ours_bf16", "scikeras", "keras_wrapper")
PREDICT_CONTENDERS = ("ours", "keras", "scikeras", "keras_wrapper")
CNN_ACCURACY_CONTENDERS = ("notebook_cnn", "regularised_cnn", "notebook_cnn_bf16")
MEMORY_CONTENDERS = ("keras_tiny", "ours_tiny", "ours", "keras")
OUT_OF_CORE_CONTENDERS = ("keras_tiny", "memmap", "in_memory_float32")
MANY_FITS_CONTENDERS = ("ours", "keras")
#: Contenders of the ``latency`` case (names from benchmarks/bench_latency.py).
LATENCY_DEFAULT = "ours, default `predict_proba`"
LATENCY_TF = "ours, TensorFlow path"
LATENCY_SCIKERAS = "scikeras `predict_proba`"
#: Out-of-core target: peak anonymous memory above the framework baseline.
OUT_OF_CORE_LIMIT_BYTES = 400 * 2**20
#: The ``wrappers`` case: one user model through either package's wrapper.
WRAPPER_CONTENDERS = ("ours", "scikeras")
WRAPPER_LABELS = {
    "ours": "sknn_estimators `wrappers.KerasClassifier`",
    "scikeras": "scikeras `wrappers.KerasClassifier`",
}

LABELS = {
    "ours": "sknn_estimators `FashionCNNClassifier`",
    "ours_bf16": 'sknn_estimators `FashionCNNClassifier(precision="mixed_bfloat16")`',
    "keras": "plain Keras (the notebook's `model.fit` / `model.predict`)",
    "scikeras": "scikeras `KerasClassifier`",
    "keras_wrapper": "Keras `keras.wrappers.SKLearnClassifier`",
    "notebook_cnn": "notebook CNN: `FashionCNNClassifier(random_state=0)`",
    "regularised_cnn": "regularised CNN of the time of the run (parameters below)",
    # Runs before the cross-validation protocol also fitted the winner of a
    # search on this split.
    "candidate": "winner of the former single-split search",
    "notebook_cnn_bf16": 'notebook CNN, `precision="mixed_bfloat16"`',
    "mlp_default": "`MLPClassifier(random_state=0)` (defaults otherwise)",
    "svc": "`SVC()`",
    "keras_tiny": "framework baseline: plain Keras, same network, 1 step on 64 images",
    "ours_tiny": "`FashionCNNClassifier`, 1 step on 64 images",
}
TIMEOUTS = {"accuracy": 3600, "memory": 1800, "out_of_core": 3600, "many_fits": 3600}


# ------------------------------------------------------------- processes
def run_worker(case, contender, options, env):
    """Run one measurement in a fresh process; its JSON, or an ``error``."""
    command = [sys.executable, "-m", "benchmarks.worker", case, contender]
    command += [str(o) for o in options]
    start = time.perf_counter()
    try:
        process = subprocess.run(
            command,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUTS.get(case, 900),
        )
    except subprocess.TimeoutExpired as error:
        return {"error": f"timed out after {error.timeout} s", "command": command}
    for line in reversed(process.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
            result["process_seconds"] = time.perf_counter() - start
            return result
    lines = [line for line in process.stderr.splitlines() if line.strip()]
    message = lines[-1] if lines else f"exit status {process.returncode}"
    return {
        "error": message[:400],
        "returncode": process.returncode,
        "stderr_tail": "\n".join(lines[-30:]),
        "command": command,
    }


def run_out_of_core(runner, data_home, settings):
    """Write the uint8 memmap once into a temporary folder (the base images
    tiled with small random shifts), run the contenders on it, delete it."""
    import tempfile

    import numpy as np

    from benchmarks import _scaling

    X, _, _ = _data.load(data_home)
    side = int(round(X.shape[1] ** 0.5))
    base = np.rint(X * (255 if side == 28 else 16)).astype(np.uint8)
    base = base.reshape(-1, side, side)
    with tempfile.TemporaryDirectory(prefix="sknn-out-of-core-") as folder:
        path = os.path.join(folder, "images.npy")
        _scaling.write_shifted_images(path, base, settings["n_rows"])
        runner.log(
            f"out_of_core: wrote {settings['n_rows']:,} uint8 images "
            f"({os.path.getsize(path) / 2**20:,.0f} MiB) to {path}"
        )

        options = ["--memmap", path, "--n-rows", settings["n_in_memory"]]
        options += ["--data-home", data_home or "digits"]
        runs = runner.rounds(
            "out_of_core", OUT_OF_CORE_CONTENDERS, options, settings["rounds"]
        )
    return runs


def worker_env():
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "tensorflow")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def summary_of(result):
    if "error" in result:
        return f"FAILED: {result['error']}"
    case = result["case"]
    if case == "fit":
        return (
            f"{result['images_per_s']:.0f} images/s "
            f"({result['images_per_cpu_s']:.0f} per CPU-s), "
            f"fit {result['fit_seconds']:.1f} s"
        )
    if case == "predict":
        return (
            f"1 image {result['latency_median_ms']:.2f} ms, "
            f"{result['n_bulk']} images {result['bulk_images_per_s']:.0f}/s"
        )
    if case == "accuracy":
        accuracy = 100 * result["accuracy"]
        return f"accuracy {accuracy:.2f}%, fit {result['fit_seconds']:.1f} s"
    if case == "memory":
        return f"peak RSS {result['peak_rss_bytes'] / 2**20:.0f} MiB"
    if case == "out_of_core":
        peak = result["peak"]
        text = (
            f"peak anon {peak['anon'] / 2**20:.0f} MiB, file {peak['file'] / 2**20:.0f}"
        )
        if "fit_images_per_s" in result:
            text += (
                f" MiB; fit {result['fit_images_per_s']:.0f} images/s, predict "
                f"{result['predict_images_per_s']:.0f} images/s"
            )
        return text
    if case == "latency":
        one = {name: median for name, median, _, _ in result["rows"]["1"]}
        return (
            f"1 image: ours {1e3 * one[LATENCY_DEFAULT]:.3f} ms, TF path "
            f"{1e3 * one[LATENCY_TF]:.3f} ms, "
            f"scikeras {1e3 * one[LATENCY_SCIKERAS]:.1f} ms"
        )
    if case == "many_fits":
        return (
            f"{result['n_fits']} fits: {result['rss_after_first'] / 2**20:.0f} -> "
            f"{result['rss_after_last'] / 2**20:.0f} MiB, "
            f"{result['growth_per_fit_bytes'] / 2**20:.2f} MiB per fit"
        )
    if case == "wrappers":
        return (
            f"fit {result['images_per_s']:.0f} rows/s, 1 row "
            f"{result['latency_median_ms']:.2f} ms, {result['n_bulk']} rows "
            f"{result['bulk_images_per_s']:.0f}/s"
        )
    return json.dumps(result)[:200]


class Runner:
    def __init__(self, env, log):
        self.env = env
        self.log = log
        self.start = time.perf_counter()

    def rounds(self, case, contenders, options, n_rounds):
        """Interleave the contenders in rounds; ``{contender: [result, ...]}``.

        ``n_rounds`` is an int, or a dict of contender to its own number of
        rounds (slow contenders may get fewer); ``options`` a list, or a
        function of the contender returning one.
        """
        if isinstance(n_rounds, int):
            n_rounds = dict.fromkeys(contenders, n_rounds)
        runs = {c: [] for c in contenders}
        for index in range(max(n_rounds.values())):
            for contender in contenders:
                if index >= n_rounds[contender]:
                    continue
                opts = options(contender) if callable(options) else options
                result = run_worker(case, contender, opts, self.env)
                runs[contender].append(result)
                elapsed = time.perf_counter() - self.start
                self.log(
                    f"[{elapsed:6.0f} s] {case:8} {contender:20} round {index + 1}: "
                    f"{summary_of(result)}"
                )
        return runs


# ------------------------------------------------------------- statistics
def ok(runs):
    return [r for r in runs if "error" not in r]


def median_of(runs, key):
    values = [r[key] for r in ok(runs) if r.get(key) is not None]
    return statistics.median(values) if values else None


def paired_ratio(runs_a, runs_b, key, invert=False):
    """Median over rounds of ``a[key] / b[key]`` (``b / a`` with ``invert``),
    pairing the runs of the same round; None when no round has both."""
    ratios = []
    for a, b in zip(runs_a, runs_b, strict=False):
        if "error" in a or "error" in b or not a.get(key) or not b.get(key):
            continue
        ratios.append(b[key] / a[key] if invert else a[key] / b[key])
    return (statistics.median(ratios), ratios) if ratios else (None, [])


def best_ratio(runs_a, runs_b, key):
    """``max(a[key]) / max(b[key])`` over the rounds: the fastest run of each.

    Other jobs on a shared machine only ever slow a run down, and the peers'
    training runs land on one of two speeds by chance (Keras' own input
    pipeline autotunes some epochs onto one core of two;
    ``benchmarks/bench_pipeline.py``), so the fastest of several runs is the
    best case of each, as ``timeit`` reports the minimum time.
    """
    a = [r[key] for r in runs_a if "error" not in r and r.get(key)]
    b = [r[key] for r in runs_b if "error" not in r and r.get(key)]
    return max(a) / max(b) if a and b else None


def sustained_rate(runs):
    """Images/s over all timed bulk predictions of all rounds: the images
    predicted divided by the seconds they took, as a user predicting batch
    after batch sees it."""
    images = sum(r["n_bulk"] * len(r["bulk_seconds"]) for r in ok(runs))
    seconds = sum(sum(r["bulk_seconds"]) for r in ok(runs))
    return images / seconds if seconds else None


def timed_rates(function, n_images):
    """Wall-clock and CPU images/s of one call of ``function``."""
    start, start_cpu = time.perf_counter(), time.process_time()
    function()
    return (
        n_images / (time.perf_counter() - start),
        n_images / (time.process_time() - start_cpu),
    )


def interleaved_rates(runs, n_images, rounds):
    """Call each of ``runs`` (name -> function over ``n_images`` images) once
    to warm it up, then all of them in turn for ``rounds`` rounds, in this
    process. Returns name -> ``(images/s list, images per CPU-s list)``."""
    for run in runs.values():
        run()
    rates = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            rates[name].append(timed_rates(run, n_images))
    return {
        name: tuple(list(column) for column in zip(*pairs, strict=True))
        for name, pairs in rates.items()
    }


def rate_spread(rates):
    """``"min / median / max"`` of images/s figures, for the tables."""
    if not rates:
        return "n/a"
    return " / ".join(fmt(f(rates), 0) for f in (min, statistics.median, max))


def _spread_text(runs_a, runs_b, key):
    """The median of the per-round ratios and the rounds, for the detail column."""
    ratio, per_round = paired_ratio(runs_a, runs_b, key)
    if ratio is None:
        return ""
    return f"median of per-round ratios {fmt(ratio)} ({_rounds_text(per_round)})"


def first_error(runs):
    for r in runs:
        if "error" in r:
            return r["error"]
    return None


# ------------------------------------------------------------ the cases
def measure_import(rounds, env, log):
    """Wall-clock of ``python -c "import sknn_estimators"`` minus that of
    ``python -c "pass"``, alternated; and ``-X importtime``'s own figure."""
    codes = {
        "pass": "pass",
        "import": "import sknn_estimators",
        "import_cnn": "from sknn_estimators import FashionCNNClassifier",
    }
    times = {name: [] for name in codes}
    for _ in range(rounds):
        for name, code in codes.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True)
            times[name].append(time.perf_counter() - start)
    process = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sknn_estimators"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    importtime_us = None
    for line in process.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*sknn_estimators$", line)
        if match:
            importtime_us = int(match.group(1))
    probe = (
        "import sys, sknn_estimators, sknn_estimators.datasets; "
        "print(sorted(m for m in ('tensorflow', 'keras', 'sklearn') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "rounds": rounds,
        "wall_seconds": times,
        "median_wall_seconds": medians,
        "import_seconds": medians["import"] - medians["pass"],
        "import_cnn_seconds": medians["import_cnn"] - medians["pass"],
        "importtime_cumulative_seconds": importtime_us / 1e6 if importtime_us else None,
        "heavy_modules_after_import": loaded,
    }
    log(
        f"import: {result['import_seconds'] * 1e3:.0f} ms (importtime "
        f"{(result['importtime_cumulative_seconds'] or 0) * 1e3:.0f} ms), "
        f"loaded {loaded}"
    )
    return result


def machine_info():
    info = {"platform": platform.platform(), "cpu_count": os.cpu_count()}
    try:
        info["cpus_usable"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["cpus_usable"] = os.cpu_count()
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        info["cpu_model"] = model.group(1).strip() if model else platform.processor()
        flags = set(re.findall(r"^flags\s*:\s*(.+)$", cpuinfo, re.MULTILINE)[0].split())
        info["bf16_cpu_flags"] = sorted(flags & {"avx512_bf16", "amx_bf16", "amx_tile"})
    except (OSError, IndexError):
        info["cpu_model"] = platform.processor() or "unknown"
        info["bf16_cpu_flags"] = []
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
        info["ram_gib"] = round(kib / 2**20, 1)
    except (OSError, AttributeError):
        info["ram_gib"] = None
    return info


def load_average():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# --------------------------------------------------------------- targets
def target(name, measured, required, passed, unit="", detail="", info=False):
    """One row of the targets table; ``info`` rows are context, not targets."""
    return {
        "target": name,
        "measured": measured,
        "unit": unit,
        "required": required,
        "passed": passed,
        "detail": detail,
        "info": info,
    }


def status_of(row, bold=True):
    if row.get("info"):
        return "info"
    text = {True: "pass", False: "MISS", None: "not measured"}[row["passed"]]
    return f"**{text}**" if bold and row["passed"] is not None else text


def fmt(value, digits=2):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


#: The report of the cross-validation protocol (``python -m
#: benchmarks.cross_validate``), where the presets' published accuracy and fit
#: time ratio come from; a single split's figures are not published as such.
CV_REPORT = RESULTS / "cross_validation.json"


def cross_validated_targets(path=CV_REPORT):
    """The regularised preset's targets, read from the protocol's report."""
    if not path.is_file():
        return []
    report = json.loads(path.read_text())
    row = report["models"].get(REGULARISED_PRESET, {})
    tutorial = report["models"].get("cnn", {})
    if "mean_accuracy" not in row or "mean_accuracy" not in tutorial:
        return []
    source = (
        f"{row['n_folds']}-fold CV, {report['sessions'][-1]['date'][:10]} "
        f"(benchmarks/results/{path.stem}.md)"
    )
    mean, std = 100 * row["mean_accuracy"], 100 * row["std_accuracy"]
    ratio = row["time_ratio"]
    return [
        target(
            f"`{REGULARISED_PRESET}` preset: mean cross-validated accuracy",
            mean,
            f">= {100 * ACCURACY_TARGET:.1f}%",
            mean >= 100 * ACCURACY_TARGET,
            "%",
            f"± {fmt(std)}; tutorial network {fmt(100 * tutorial['mean_accuracy'])}%"
            f" ± {fmt(100 * tutorial['std_accuracy'])}; {source}",
        ),
        target(
            f"`{REGULARISED_PRESET}` preset: fit time / the tutorial network's "
            "(float32), side by side in each fold",
            ratio,
            f"<= {TIME_BUDGET}",
            ratio <= TIME_BUDGET,
            "x",
            f"max over the folds {fmt(row['max_time_ratio'])}; precision "
            f"{', '.join(row['precision'])}; {source}",
        ),
    ]


def compute_targets(report):
    cases = report["cases"]
    targets = []

    fit = cases.get("fit", {}).get("runs", {})
    if fit:
        ratio = best_ratio(fit["ours"], fit["keras"], "images_per_s")
        cpu_ratio, _ = paired_ratio(fit["ours"], fit["keras"], "images_per_cpu_s")
        targets.append(
            target(
                "Fit throughput vs plain Keras (images/s of the fastest run of each)",
                ratio,
                ">= 0.97",
                None if ratio is None else ratio >= 0.97,
                "x",
                f"per CPU-second: {fmt(cpu_ratio)}; "
                + _spread_text(fit["ours"], fit["keras"], "images_per_s"),
            )
        )
        for peer in ("scikeras", "keras_wrapper"):
            ratio = best_ratio(fit["ours"], fit[peer], "images_per_s")
            cpu_ratio, _ = paired_ratio(fit["ours"], fit[peer], "images_per_cpu_s")
            targets.append(
                target(
                    f"Fit throughput vs {LABELS[peer]} (ours / peer)",
                    ratio,
                    "(context)",
                    None,
                    "x",
                    (_failure_note(fit[peer]) or "")
                    + f"per CPU-second: {fmt(cpu_ratio)}; "
                    + _spread_text(fit["ours"], fit[peer], "images_per_s"),
                    info=True,
                )
            )
        ratio = best_ratio(fit["ours_bf16"], fit["ours"], "images_per_s")
        cpu_ratio, _ = paired_ratio(fit["ours_bf16"], fit["ours"], "images_per_cpu_s")
        bf16_ok = report["env"].get("bfloat16_supported")
        precision = {r.get("precision") for r in ok(fit["ours_bf16"])}
        targets.append(
            target(
                "mixed_bfloat16 fit speed-up vs float32 (images/s of the fastest "
                "run of each)",
                ratio,
                ">= 1.3 where the CPU has bfloat16",
                None if ratio is None or not bf16_ok else ratio >= 1.3,
                "x",
                f"bfloat16 supported: {bf16_ok}; trained in {sorted(precision)}; "
                f"per CPU-second: {fmt(cpu_ratio)}; "
                + _spread_text(fit["ours_bf16"], fit["ours"], "images_per_s"),
            )
        )

    predict = cases.get("predict", {}).get("runs", {})
    if predict:
        latency = median_of(predict["ours"], "latency_median_ms")
        targets.append(
            target(
                "One-image predict, median latency (ours)",
                latency,
                "<= 1.5 ms",
                None if latency is None else latency <= 1.5,
                "ms",
            )
        )
        ratio, per_round = paired_ratio(
            predict["ours"], predict["scikeras"], "latency_median_ms", invert=True
        )
        targets.append(
            target(
                "One-image predict vs scikeras (scikeras latency / ours)",
                ratio,
                ">= 20",
                None if ratio is None else ratio >= 20,
                "x",
                _failure_note(predict["scikeras"]) or _rounds_text(per_round),
            )
        )
        cpu_ratio, _ = paired_ratio(
            predict["ours"], predict["scikeras"], "bulk_images_per_cpu_s"
        )
        ours_rate = sustained_rate(predict["ours"])
        scikeras_rate = sustained_rate(predict["scikeras"])
        ratio = ours_rate / scikeras_rate if ours_rate and scikeras_rate else None
        fastest = best_ratio(predict["ours"], predict["scikeras"], "bulk_images_per_s")
        n_bulk = median_of(predict["ours"], "n_bulk")
        targets.append(
            target(
                f"{fmt(n_bulk, 0)}-image predict throughput vs scikeras (images/s "
                "over all timed predictions of each)",
                ratio,
                ">= 1.5",
                None if ratio is None else ratio >= 1.5,
                "x",
                _failure_note(predict["scikeras"])
                or f"fastest round of each: {fmt(fastest)}; per CPU-second: "
                f"{fmt(cpu_ratio)}; "
                + _spread_text(
                    predict["ours"], predict["scikeras"], "bulk_images_per_s"
                ),
            )
        )

    targets += cross_validated_targets()
    accuracy = cases.get("accuracy", {}).get("runs", {})
    if accuracy:
        base = _accuracy(accuracy["notebook_cnn"])
        bf16 = _accuracy(accuracy["notebook_cnn_bf16"])
        diff = None if base is None or bf16 is None else 100 * (bf16 - base)
        targets.append(
            target(
                "mixed_bfloat16 accuracy - float32 accuracy (notebook CNN)",
                diff,
                ">= -0.5 points",
                None if diff is None else diff >= -0.5,
                "points",
                f"{fmt(_pct(bf16))}% vs {fmt(_pct(base))}%",
            )
        )

    fallback = cases.get("bf16_fallback")
    if fallback:
        passed = (
            "error" not in fallback
            and fallback["warned"]
            and fallback["precision_"] == "float32"
            and fallback["layer_policies"] == ["float32"]
            and fallback["predicts"]
        )
        targets.append(
            target(
                "mixed_bfloat16 falls back to float32 with a warning where unsupported",
                1.0 if passed else 0.0,
                "warning, precision_ float32",
                passed,
                "",
                fallback.get("error")
                or f"simulated; warned: {fallback['warned']}, "
                f"precision_={fallback['precision_']!r}",
            )
        )

    memory = cases.get("memory", {}).get("runs", {})
    if memory:
        peak = median_of(memory["ours"], "peak_rss_bytes")
        base = median_of(memory["keras_tiny"], "peak_rss_bytes")
        x_nbytes = median_of(memory["ours"], "x_nbytes")
        excess = None if None in (peak, base, x_nbytes) else (peak - base) / x_nbytes
        targets.append(
            target(
                "Peak RSS of fit: (peak - framework baseline) / X.nbytes",
                excess,
                "<= 3",
                None if excess is None else excess <= 3,
                "x X",
                f"peak {fmt(_mib(peak), 0)} MiB, baseline {fmt(_mib(base), 0)} MiB, "
                f"X {fmt(_mib(x_nbytes), 0)} MiB",
            )
        )

    out_of_core = cases.get("out_of_core", {}).get("runs", {})
    if out_of_core:
        memmap = ok(out_of_core.get("memmap", []))
        base = ok(out_of_core.get("keras_tiny", []))
        in_memory = ok(out_of_core.get("in_memory_float32", []))
        if memmap and base:
            excess = memmap[0]["peak"]["anon"] - base[0]["peak"]["anon"]
            rates = ""
            if in_memory:
                rates = (
                    f"; in-memory float32 ({in_memory[0]['n_rows']:,} rows): fit "
                    f"{in_memory[0]['fit_images_per_s']:.0f}, predict "
                    f"{in_memory[0]['predict_images_per_s']:.0f} images/s"
                )
            targets.append(
                target(
                    "Out-of-core: uint8 memmap of "
                    f"{memmap[0]['n_rows']:,} images, fit 1 epoch + predict: peak "
                    "anonymous RSS - framework baseline",
                    excess / 2**20,
                    f"<= {OUT_OF_CORE_LIMIT_BYTES // 2**20} MiB",
                    excess <= OUT_OF_CORE_LIMIT_BYTES,
                    "MiB",
                    f"X on disk {memmap[0]['x_nbytes'] / 2**20:,.0f} MiB "
                    f"(float32 copy would be {4 * memmap[0]['x_nbytes'] / 2**20:,.0f}"
                    f" MiB); memmap fit {memmap[0]['fit_images_per_s']:.0f}, predict "
                    f"{memmap[0]['predict_images_per_s']:.0f} images/s{rates}; "
                    "file-backed pages of the memmap (page cache, reclaimable) "
                    f"peaked at {memmap[0]['peak']['file'] / 2**20:,.0f} MiB",
                )
            )
    many_fits = cases.get("many_fits", {}).get("runs", {})
    if many_fits and ok(many_fits.get("ours", [])) and ok(many_fits.get("keras", [])):
        ours = ok(many_fits["ours"])[0]
        keras = ok(many_fits["keras"])[0]
        ratio = ours["growth_per_fit_bytes"] / keras["growth_per_fit_bytes"]
        targets.append(
            target(
                f"Many fits: memory growth per fit over {ours['n_fits']} fits in one "
                "process (ours / plain Keras)",
                ratio,
                "<= 0.5",
                ratio <= 0.5,
                "x",
                f"ours {ours['growth_per_fit_bytes'] / 2**20:.2f} MiB per fit "
                f"({ours['rss_after_first'] / 2**20:.0f} -> "
                f"{ours['rss_after_last'] / 2**20:.0f} MiB), plain Keras "
                f"{keras['growth_per_fit_bytes'] / 2**20:.2f} MiB per fit "
                f"({keras['rss_after_first'] / 2**20:.0f} -> "
                f"{keras['rss_after_last'] / 2**20:.0f} MiB)",
            )
        )
    targets.extend(_wrapper_targets(cases.get("wrappers", {}).get("runs", {})))
    latency = ok(cases.get("latency", {}).get("runs", {}).get("all", []))
    if latency:
        rows = latency[0]["rows"]
        bulk = max(rows, key=int)
        medians = {
            size: {name: median for name, median, _, _ in entries}
            for size, entries in rows.items()
        }
        one = medians["1"]
        detail = ", ".join(
            f"{name} {1e3 * median:.3f} ms" for name, median in one.items()
        )
        targets.append(
            target(
                "One-image `predict_proba` with the `onnx` extra (small-batch "
                "path), median latency",
                1e3 * one[LATENCY_DEFAULT],
                "<= 0.25 ms",
                one[LATENCY_DEFAULT] <= 0.25e-3,
                "ms",
                f"32 rows: ours {1e3 * medians['32'][LATENCY_DEFAULT]:.3f} ms, TF "
                f"path {1e3 * medians['32'][LATENCY_TF]:.3f} ms; 1 image: {detail}",
            )
        )
        ratio = medians[bulk][LATENCY_TF] / medians[bulk][LATENCY_DEFAULT]
        targets.append(
            target(
                f"{int(bulk):,}-row `predict_proba` with the extra / without it "
                "(rows/s)",
                ratio,
                ">= 0.95",
                ratio >= 0.95,
                "x",
                f"ours {int(bulk) / medians[bulk][LATENCY_DEFAULT]:,.0f} rows/s, "
                f"TF path {int(bulk) / medians[bulk][LATENCY_TF]:,.0f}, scikeras "
                f"{int(bulk) / medians[bulk][LATENCY_SCIKERAS]:,.0f}, "
                f"`model.predict` "
                f"{int(bulk) / medians[bulk]['`model.predict` (Keras)']:,.0f}",
            )
        )

    imports = cases.get("import")
    if imports:
        # Two estimates; the larger counts. (The wall-clock difference of two
        # process start-ups can come out below zero when the import is tiny.)
        wall = imports["import_seconds"]
        importtime = imports["importtime_cumulative_seconds"] or 0.0
        seconds = max(wall, importtime)
        targets.append(
            target(
                "`import sknn_estimators` time",
                seconds,
                "<= 0.5 s",
                seconds <= 0.5,
                "s",
                f"-X importtime: {fmt(importtime, 3)} s; wall-clock difference "
                f"from `python -c pass`: {fmt(wall, 3)} s; heavy modules loaded: "
                f"{imports['heavy_modules_after_import']}",
            )
        )
    return targets


def _wrapper_targets(runs):
    """The targets of the ``wrappers`` case: the same user model through our
    ``KerasClassifier`` and through scikeras'."""
    if not runs:
        return []
    ours, peer = runs["ours"], runs["scikeras"]
    note = _failure_note(peer)
    ratio = best_ratio(ours, peer, "images_per_s")
    cpu_ratio, _ = paired_ratio(ours, peer, "images_per_cpu_s")
    latency_ratio, per_round = paired_ratio(
        ours, peer, "latency_median_ms", invert=True
    )
    latency = median_of(ours, "latency_median_ms")
    ours_rate, peer_rate = sustained_rate(ours), sustained_rate(peer)
    bulk_ratio = ours_rate / peer_rate if ours_rate and peer_rate else None
    n_bulk = median_of(ours, "n_bulk")
    return [
        target(
            "Wrappers: fit throughput of a user MLP vs scikeras (rows/s of the "
            "fastest run of each)",
            ratio,
            ">= 1.0",
            None if ratio is None else ratio >= 1.0,
            "x",
            note
            or f"per CPU-second: {fmt(cpu_ratio)}; "
            + _spread_text(ours, peer, "images_per_s"),
        ),
        target(
            "Wrappers: one-row predict vs scikeras (scikeras latency / ours)",
            latency_ratio,
            ">= 20",
            None if latency_ratio is None else latency_ratio >= 20,
            "x",
            note or _rounds_text(per_round),
        ),
        target(
            "Wrappers: one-row predict of a small dense model, median latency (ours)",
            latency,
            "<= 1.5 ms",
            None if latency is None else latency <= 1.5,
            "ms",
        ),
        target(
            f"Wrappers: {fmt(n_bulk, 0)}-row predict throughput vs scikeras (rows/s "
            "over all timed predictions of each)",
            bulk_ratio,
            "(context)",
            None,
            "x",
            note or _spread_text(ours, peer, "bulk_images_per_s"),
            info=True,
        ),
    ]


def _accuracy(runs):
    return median_of(runs, "accuracy")


def _pct(value):
    return None if value is None else 100 * value


def _mib(value):
    return None if value is None else value / 2**20


def _rounds_text(per_round):
    if not per_round:
        return ""
    return "per round: " + ", ".join(f"{r:.2f}" for r in per_round)


def _failure_note(runs):
    error = first_error(runs)
    if error and not ok(runs):
        return f"peer failed: {error}"
    return None


# -------------------------------------------------------------- markdown
def markdown(report):
    lines = []
    add = lines.append
    add("# sknn-estimators benchmarks")
    add("")
    _summary(add, report)
    cases = report["cases"]
    if "fit" in cases:
        _fit_section(add, cases["fit"])
    if "predict" in cases:
        _predict_section(add, cases["predict"])
    if "accuracy" in cases:
        _accuracy_section(add, cases["accuracy"], report)
    if "memory" in cases:
        _memory_section(add, cases["memory"])
    if "wrappers" in cases:
        _wrappers_section(add, cases["wrappers"])
    if "import" in cases:
        _import_section(add, cases["import"])
    add("## Method")
    add("")
    for note in report["notes"]:
        add(f"- {note}")
    add("")
    return "\n".join(lines)


def _summary(add, report):
    """The run's description (command, date, machine, data) and the targets."""
    m, v, d = report["machine"], report["env"].get("versions", {}), report["data"]
    add(f"- Command: `{report['command']}` (`{report['python_command']}`)")
    add(f"- Date: {report['date']} (run took {report['duration_minutes']:.0f} min)")
    add(
        f"- Machine: {m['cpu_model']}, {m['cpus_usable']} usable cores "
        f"(of {m['cpu_count']}), {fmt(m['ram_gib'], 1)} GiB RAM, "
        f"bfloat16 CPU flags: {', '.join(m['bf16_cpu_flags']) or 'none'}; "
        f"{m['platform']}; load average at start {report['load_average_start']}, "
        f"at end {report['load_average_end']} (2 or more at the start means "
        "other jobs shared the machine)"
    )
    add("- Versions: " + ", ".join(f"{name} {version}" for name, version in v.items()))
    add(
        f"- Data: {d['name']} ({d['source']}), {d['n_samples']:,} images "
        f"{d['image_shape'][0]}x{d['image_shape'][1]}, {d['n_classes']} classes, "
        f"{d['scaling']}; fixed stratified split {100 - 100 * TEST_SIZE:.0f}/"
        f"{100 * TEST_SIZE:.0f} (random_state={SPLIT_SEED}): "
        f"{d['n_train']:,} train / {d['n_test']:,} test"
    )
    add(f"- Mode: {report['mode']}; settings: `{json.dumps(report['settings'])}`")
    for rendered in report.get("rendered", []):
        add(
            f"- Tables rendered again from the JSON by `{rendered['command']}` on "
            f"{rendered['date']} (the same measurements)"
        )
    add("")
    add("## Targets")
    add("")
    add("| target | measured | required | status | detail |")
    add("| --- | --- | --- | --- | --- |")
    for t in report["targets"]:
        status = status_of(t)
        measured = f"{fmt(t['measured'])} {t['unit']}".strip()
        add(
            f"| {t['target']} | {measured} | {t['required']} | {status} "
            f"| {t['detail']} |"
        )
    add("")


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file beside it, so a run
    stopped half-way leaves the previous report whole; create the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def write_report(path, lines):
    """Print a focused benchmark's markdown report (``lines``) and write it to
    ``path`` atomically."""
    text = "\n".join(lines) + "\n"
    print(text)
    write_atomically(path, text)


def update_readme(report, readme=REPO / "README.md"):
    """Put the run's description and targets table into README.md, between its
    ``README_MARKERS`` (atomically); return whether the README had them."""
    start, end = README_MARKERS
    text = readme.read_text()
    if start not in text or end not in text:
        return False
    lines = []
    _summary(lines.append, report)
    skipped = ("#", "- Mode:", "- Tables rendered")  # detail for latest.md only
    block = "\n".join(line for line in lines if not line.startswith(skipped))
    block = re.sub(r"\n{3,}", "\n\n", block).strip()
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    write_atomically(readme, f"{before}{start}\n{block}\n{end}{after}")
    return True


def _status_cell(runs):
    error = first_error(runs)
    if error and not ok(runs):
        return f"failed: `{error}`"
    if error:
        return f"{len(ok(runs))}/{len(runs)} rounds ok; failure: `{error}`"
    return ""


def _fit_section(add, case):
    runs = case["runs"]
    ours = median_of(runs["ours"], "images_per_s")
    n = median_of(runs["ours"], "n_train")
    epochs = median_of(runs["ours"], "epochs")
    add(
        f"## 1. Training throughput ({fmt(n, 0)} images, batch {BATCH_SIZE}, Adam "
        f"{LEARNING_RATE:g}, {fmt(epochs, 0)} epochs; images/s over epochs 2-"
        f"{fmt(epochs, 0)})"
    )
    add("")
    add(
        "| contender | images/s (median) | vs ours | per round | timed epochs, "
        "images/s: min / median / max | images per CPU-s "
        "| 1st epoch s | whole fit s | parameters | notes |"
    )
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for contender, contender_runs in runs.items():
        ips = median_of(contender_runs, "images_per_s")
        per_round = ", ".join(f"{r['images_per_s']:.0f}" for r in ok(contender_runs))
        spread = rate_spread(
            [
                r["n_train"] / seconds
                for r in ok(contender_runs)
                for seconds in r["epoch_seconds"][1:]
            ]
        )
        add(
            f"| {LABELS[contender]} | {fmt(ips, 0)} "
            f"| {fmt(None if ips is None or not ours else ips / ours)} "
            f"| {per_round} | {spread} "
            f"| {fmt(median_of(contender_runs, 'images_per_cpu_s'), 0)} "
            f"| {fmt(median_of(contender_runs, 'first_epoch_seconds'))} "
            f"| {fmt(median_of(contender_runs, 'fit_seconds'))} "
            f"| {fmt(median_of(contender_runs, 'n_params'), 0)} "
            f"| {_status_cell(contender_runs)} |"
        )
    add("")


def _predict_section(add, case):
    runs = case["runs"]
    first = ok(runs["ours"])[0] if ok(runs["ours"]) else {}
    add(
        f"## 2. Inference (one image: median of {first.get('n_calls', '?')} calls "
        f"after {first.get('n_warmup_calls', '?')} warm-up calls; bulk: "
        f"{fmt(first.get('n_bulk'), 0)} images)"
    )
    add("")
    add(
        "| contender | 1 image, median ms | p10-p90 ms | scikeras / this "
        "| bulk images/s, all runs | this / scikeras "
        "| bulk runs, images/s: min / median / max | bulk images per CPU-s "
        "| notes |"
    )
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    sk_latency = median_of(runs["scikeras"], "latency_median_ms")
    sk_bulk = sustained_rate(runs["scikeras"])
    for contender, contender_runs in runs.items():
        latency = median_of(contender_runs, "latency_median_ms")
        bulk = sustained_rate(contender_runs)
        speed_up = None if not latency or not sk_latency else sk_latency / latency
        bulk_ratio = None if not bulk or not sk_bulk else bulk / sk_bulk
        spread = rate_spread(
            [
                r["n_bulk"] / seconds
                for r in ok(contender_runs)
                for seconds in r["bulk_seconds"]
            ]
        )
        add(
            f"| {LABELS[contender]} | {fmt(latency, 3)} "
            f"| {fmt(median_of(contender_runs, 'latency_p10_ms'))}-"
            f"{fmt(median_of(contender_runs, 'latency_p90_ms'))} "
            f"| {fmt(speed_up)} | {fmt(bulk, 0)} | {fmt(bulk_ratio)} | {spread} "
            f"| {fmt(median_of(contender_runs, 'bulk_images_per_cpu_s'), 0)} "
            f"| {_status_cell(contender_runs)} |"
        )
    add("")


def _wrappers_section(add, case):
    runs = case["runs"]
    first = ok(runs["ours"])[0] if ok(runs["ours"]) else {}
    add(
        f"## Wrappers: a user's Dense MLP {USER_MLP_HIDDEN} from a model function "
        f"({fmt(first.get('n_train'), 0)} rows, batch {BATCH_SIZE}, Adam "
        f"{LEARNING_RATE:g}, {fmt(first.get('epochs'), 0)} epochs; one row: median "
        f"of {first.get('n_calls', '?')} calls; bulk: {fmt(first.get('n_bulk'), 0)} "
        "rows)"
    )
    add("")
    add(
        "| wrapper | fit rows/s (median) | per round | rows per CPU-s "
        "| whole fit s | 1 row, median ms | p10-p90 ms | bulk rows/s, all runs "
        "| bulk runs, rows/s: min / median / max | notes |"
    )
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for contender, contender_runs in runs.items():
        per_round = ", ".join(f"{r['images_per_s']:.0f}" for r in ok(contender_runs))
        spread = rate_spread(
            [
                r["n_bulk"] / seconds
                for r in ok(contender_runs)
                for seconds in r["bulk_seconds"]
            ]
        )
        add(
            f"| {WRAPPER_LABELS[contender]} "
            f"| {fmt(median_of(contender_runs, 'images_per_s'), 0)} | {per_round} "
            f"| {fmt(median_of(contender_runs, 'images_per_cpu_s'), 0)} "
            f"| {fmt(median_of(contender_runs, 'fit_seconds'))} "
            f"| {fmt(median_of(contender_runs, 'latency_median_ms'), 3)} "
            f"| {fmt(median_of(contender_runs, 'latency_p10_ms'))}-"
            f"{fmt(median_of(contender_runs, 'latency_p90_ms'))} "
            f"| {fmt(sustained_rate(contender_runs), 0)} | {spread} "
            f"| {_status_cell(contender_runs)} |"
        )
    add("")


def _accuracy_section(add, case, report):
    runs = case["runs"]
    add(
        "## 3. Accuracy on the fixed split (same split and scaling for all; "
        "fit time: median over rounds)"
    )
    add("")
    add(
        "One split, for a quick comparison. The presets' published accuracy is "
        "their cross-validated one (`python -m benchmarks.cross_validate`, "
        "benchmarks/results/cross_validation.md)."
    )
    add("")
    add(
        "| model | test accuracy % | fit s | fit time / notebook CNN's | fit CPU-s "
        "| rounds | epochs / iterations | notes |"
    )
    add("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for contender, contender_runs in runs.items():
        label = LABELS.get(contender) or f"`{contender[4:]}` MLP preset"
        ratio, _ = paired_ratio(contender_runs, runs["notebook_cnn"], "fit_seconds")
        accs = sorted({round(100 * r["accuracy"], 2) for r in ok(contender_runs)})
        notes = _status_cell(contender_runs)
        if len(accs) > 1:
            notes += f" accuracies differ between rounds: {accs}"
        warned = sorted({w for r in ok(contender_runs) for w in r.get("warnings", [])})
        if warned:
            notes += " warnings: " + ", ".join(warned)
        add(
            f"| {label} | {fmt(_pct(_accuracy(contender_runs)))} "
            f"| {fmt(median_of(contender_runs, 'fit_seconds'), 1)} | {fmt(ratio)} "
            f"| {fmt(median_of(contender_runs, 'fit_cpu_seconds'), 1)} "
            f"| {len(ok(contender_runs))} "
            f"| {fmt(median_of(contender_runs, 'n_iter'), 0)} | {notes.strip()} |"
        )
    add("")
    regularised = report["regularised"]
    add(
        f"Regularised CNN: `FashionCNNClassifier(random_state=0, "
        f"**{regularised['params']})` (from {regularised['source']}); the notebook "
        f"CNN trains {NOTEBOOK_EPOCHS} epochs."
    )
    add("")


def _memory_section(add, case):
    runs = case["runs"]
    base = median_of(runs["keras_tiny"], "peak_rss_bytes")
    add("## 4. Peak resident memory of `fit` (one epoch, synthetic float32 images)")
    add("")
    add("| process | X | peak RSS MiB | (peak - baseline) / X.nbytes | notes |")
    add("| --- | --- | --- | --- | --- |")
    for contender, contender_runs in runs.items():
        peak = median_of(contender_runs, "peak_rss_bytes")
        x = median_of(contender_runs, "x_nbytes")
        shape = ok(contender_runs)[0].get("x_shape") if ok(contender_runs) else None
        x_text = (
            f"{shape[0]:,} x {shape[1]} float32 ({x / 2**20:.0f} MiB)"
            if shape
            else f"{fmt(x, 0)} bytes"
        )
        ratio = None if None in (peak, base) or not x else (peak - base) / x
        add(
            f"| {LABELS.get(contender, contender)} | {x_text} | {fmt(_mib(peak), 0)} "
            f"| {fmt(ratio) if shape else '-'} | {_status_cell(contender_runs)} |"
        )
    add("")


def _import_section(add, case):
    add("## 5. Import time")
    add("")
    add("| measurement | seconds |")
    add("| --- | --- |")
    add(
        f'| `python -c "import sknn_estimators"` minus `python -c "pass"` '
        f"(median of {case['rounds']}) | {fmt(case['import_seconds'], 3)} |"
    )
    add(
        f'| `python -c "from sknn_estimators import FashionCNNClassifier"` minus '
        f"`pass` (imports scikit-learn, not TensorFlow) "
        f"| {fmt(case['import_cnn_seconds'], 3)} |"
    )
    add(
        f'| `python -X importtime -c "import sknn_estimators"`, cumulative '
        f"| {fmt(case['importtime_cumulative_seconds'], 3)} |"
    )
    add("")
    add(
        "Heavy modules loaded by `import sknn_estimators, sknn_estimators.datasets`: "
        f"{case['heavy_modules_after_import']}."
    )
    add("")


NOTES = [
    "Every measurement of every contender ran in a fresh process "
    "(`python -m benchmarks.worker CASE CONTENDER`); the contenders of a case were "
    "interleaved in rounds (A B C D, A B C D, ...). Figures are medians over the "
    "rounds; a ratio is the median of the per-round ratios, all from this run. In "
    "the training case, plain Keras, ours and ours in mixed_bfloat16 run back to "
    "back in each round, so that the runs of each pair whose ratio is a target "
    "are adjacent in time.",
    "The training throughput targets compare the fastest run of each contender "
    "(images/s of its timed epochs), as `timeit` reports the minimum: other jobs "
    "only slow a run down, so this is each peer's best case. Plain Keras, scikeras "
    "and the Keras wrapper train through Keras' own input pipeline, whose tf.data "
    "autotuning runs some epochs of this network on one core of two (about 2,800 "
    "instead of about 5,000 images/s; `python -m benchmarks.bench_pipeline`, "
    "report in `benchmarks/results/bench_pipeline.md`); ours turns autotuning off. "
    "Which speed a peer's run lands on is chance, and the median of per-round "
    "ratios, also shown, swings with it.",
    "The bulk prediction target compares images/s over all timed predictions of "
    "each contender (all images over all seconds), not the fastest run: there the "
    "spread is the contender's own. `model.predict`, which scikeras and the Keras "
    "wrapper call, runs some calls at about half the speed of others even when its "
    "calls alternate with ours in one process, while ours varies much less "
    "(`python -m benchmarks.bench_inference`, report in "
    "`benchmarks/results/bench_inference.md`); the min / median / max column "
    "shows it here. The fastest round of each is shown beside the target.",
    "All CNN contenders run the same network, built by "
    "`sknn_estimators._architectures.build_cnn` (the wrappers get a weightless "
    "`Reshape` in front, since they take one flattened image per row), on the same "
    "images, with batch 64, Adam 1e-3, and the same epochs.",
    "Training throughput counts the epochs after the first (which includes tracing); "
    "every contender's epochs are timed by the same Keras callback, added to every "
    "`keras.Model.fit` call in the worker (our estimator takes no callbacks). "
    "'Whole fit' is the wall-clock of the contender's `fit` call, set-up included.",
    "scikeras gets no `random_state` (it would switch on TensorFlow's slower op "
    "determinism); Keras' seed is set instead, as for plain Keras.",
    "Plain Keras' `model.predict` and the Keras wrapper use their defaults "
    "(batch size 32; the wrapper also prints a progress bar, as it does for its "
    "users). scikeras predicts with its `batch_size` (64).",
    "Memory: `ru_maxrss` of the process after `fit`. The framework baseline imports "
    "TensorFlow/Keras and fits the same network for one step on 64 images with "
    "plain Keras (no scikit-learn import).",
    "The accuracy table uses one fit per model and round with fixed seeds; the CNNs "
    "get more rounds than the others only to time them side by side.",
    "Wrappers: the same model function (a Dense MLP), loss, optimizer, batch size "
    "and epochs through `sknn_estimators.wrappers.KerasClassifier` (with "
    "`random_state`, which seeds that fit only) and scikeras' `KerasClassifier` "
    "(Keras' seed set instead, as above), each fitted and then predicting in its "
    "own process; the fit target compares the fastest run of each, as the "
    "training case does.",
]


# ------------------------------------------------------------------ main
def render(path, python_command):
    """Rewrite the targets and the markdown of the run in ``path`` (JSON)."""
    report = json.loads(path.read_text())
    report["targets"] = compute_targets(report)
    report["notes"] = NOTES
    report["rendered"] = [  # the latest rendering only
        {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": python_command,
        }
    ]
    write_atomically(path, json.dumps(report, indent=1) + "\n")
    write_atomically(path.with_suffix(".md"), markdown(report))
    print(f"rendered {path.with_suffix('.md')} again from {path}")
    if path.resolve() == RESULTS / "latest.json" and update_readme(report):
        print("updated the targets table in README.md")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run of a few minutes"
    )
    parser.add_argument(
        "--data-home",
        default=None,
        help="folder of the Fashion-MNIST IDX files, or 'digits' (default: "
        f"{_data.DEFAULT_DATA_HOME} when present, else digits)",
    )
    parser.add_argument(
        "--out",
        default=str(RESULTS),
        help="folder for the report; a full run written to the default folder also "
        "updates README.md's targets table",
    )
    parser.add_argument(
        "--cases",
        default=(
            "import,fit,predict,accuracy,memory,out_of_core,many_fits,"
            "latency,bf16_fallback,wrappers"
        ),
        help="comma-separated subset of the cases, in this order",
    )
    parser.add_argument(
        "--render",
        metavar="JSON",
        help="recompute the targets and the markdown of an earlier run from its "
        "JSON file (e.g. after a change of the report's layout), measuring nothing",
    )
    args = parser.parse_args(argv)
    python_command = " ".join(
        [os.path.relpath(sys.executable, REPO), "-m", "benchmarks.run", *sys.argv[1:]]
    )
    if args.render:
        render(Path(args.render), python_command)
        return
    mode = "quick" if args.quick else "full"
    settings = SETTINGS[mode]
    cases_wanted = args.cases.split(",")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def log(message):
        print(message, flush=True)

    started = time.perf_counter()
    data_home = _data.resolve_data_home(args.data_home)
    X, y, data_info = _data.load(data_home)
    X_train, X_test, _, _ = _data.split(X, y)
    data_info.update(n_train=int(X_train.shape[0]), n_test=int(X_test.shape[0]))
    del X, y, X_train, X_test
    env = worker_env()
    data_option = ["--data-home", data_home or "digits"]
    runner = Runner(env, log)
    environment = run_worker("env", "-", [], env)
    params, source = regularised_params()
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench" if os.environ.get("MAKELEVEL") else python_command,
        "python_command": python_command,
        "mode": mode,
        "settings": settings,
        "machine": machine_info(),
        "load_average_start": load_average(),
        "env": environment,
        "data": data_info,
        "regularised": {"params": params, "source": source},
        "cases": {},
        "notes": NOTES,
    }
    log(f"{mode} run on {data_info['name']}; {report['machine']['cpu_model']}")

    if "import" in cases_wanted:
        report["cases"]["import"] = measure_import(
            settings["import"]["rounds"], env, log
        )
    if "fit" in cases_wanted:
        s = settings["fit"]
        options = [*data_option, "--epochs", s["epochs"], "--n-train", s["n_train"]]
        runs = runner.rounds("fit", FIT_CONTENDERS, options, s["rounds"])
        report["cases"]["fit"] = {"runs": runs}
    if "predict" in cases_wanted:
        s = settings["predict"]
        options = [*data_option]
        for key in ("warmup", "calls", "n_bulk", "bulk_repeats"):
            options += [f"--{key.replace('_', '-')}", s[key]]
        runs = runner.rounds("predict", PREDICT_CONTENDERS, options, s["rounds"])
        report["cases"]["predict"] = {"runs": runs}
    if "accuracy" in cases_wanted:
        s = settings["accuracy"]
        from benchmarks.worker import mlp_preset_names

        cnns = [c for c in CNN_ACCURACY_CONTENDERS if c != "regularised_cnn" or params]
        others = (*(f"mlp:{n}" for n in mlp_preset_names()), "mlp_default", "svc")
        contenders = (*cnns, *others)
        rounds = {c: s["rounds_cnn"] for c in cnns}
        rounds.update(dict.fromkeys(others, s["rounds_other"]))
        base = [*data_option, "--n-train", s["n_train"]]
        base += ["--max-epochs", s["max_epochs"], "--max-iter", s["max_iter"]]

        runs = runner.rounds("accuracy", contenders, base, rounds)
        report["cases"]["accuracy"] = {"runs": runs}
    if "memory" in cases_wanted:
        s = settings["memory"]
        options = ["--n-rows", s["n_rows"]]
        runs = runner.rounds("memory", MEMORY_CONTENDERS, options, s["rounds"])
        report["cases"]["memory"] = {"runs": runs}
    if "out_of_core" in cases_wanted:
        s = settings["out_of_core"]
        report["cases"]["out_of_core"] = {"runs": run_out_of_core(runner, data_home, s)}
    if "many_fits" in cases_wanted:
        s = settings["many_fits"]
        options = ["--n-fits", s["n_fits"]]
        runs = runner.rounds("many_fits", MANY_FITS_CONTENDERS, options, s["rounds"])
        report["cases"]["many_fits"] = {"runs": runs}
    if "latency" in cases_wanted:
        s = settings["latency"]
        options = [*data_option, "--calls", s["calls"], "--n-bulk", s["n_bulk"]]
        runs = runner.rounds("latency", ("all",), options, s["rounds"])
        report["cases"]["latency"] = {"runs": runs}
    if "bf16_fallback" in cases_wanted:
        result = run_worker("bf16_fallback", "ours", [], env)
        log(f"bf16_fallback: {json.dumps(result)[:300]}")
        report["cases"]["bf16_fallback"] = result
    if "wrappers" in cases_wanted:
        s = settings["wrappers"]
        options = [*data_option, "--epochs", s["epochs"], "--n-train", s["n_train"]]
        for key in ("warmup", "calls", "n_bulk", "bulk_repeats"):
            options += [f"--{key.replace('_', '-')}", s[key]]
        runs = runner.rounds("wrappers", WRAPPER_CONTENDERS, options, s["rounds"])
        report["cases"]["wrappers"] = {"runs": runs}

    report["load_average_end"] = load_average()
    report["duration_minutes"] = (time.perf_counter() - started) / 60
    report["targets"] = compute_targets(report)
    name = "latest" if mode == "full" else "quick"
    write_atomically(out / f"{name}.json", json.dumps(report, indent=1) + "\n")
    write_atomically(out / f"{name}.md", markdown(report))
    log(f"wrote {out / (name + '.md')} and {out / (name + '.json')}")
    if mode == "full" and out.resolve() == RESULTS and update_readme(report):
        log("updated the targets table in README.md")
    for t in report["targets"]:
        status = status_of(t, bold=False)
        log(f"  {status:5} {t['target']}: {fmt(t['measured'])} {t['unit']}")


if __name__ == "__main__":
    main()
