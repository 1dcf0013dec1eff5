"""Read asv's recorded results, check the ratio targets, write the table.

Usage::

    python -m benchmarks.targets [--results FILE] [--profile quick] [--readme] [--strict]

Reads one asv results file (default: the newest in ``benchmarks/results/asv``)
and ``benchmarks/results/cross_validation.json``, computes each target from
the medians of the contenders measured in that run, and writes
``benchmarks/results/targets.md``; ``--readme`` also rewrites the block of
README.md between its markers. ``--strict`` exits with status 1 when a target
is missed. Targets whose benchmarks were not run are left out.
"""

import argparse
import json
import sys
from pathlib import Path

from benchmarks.common import ACCURACY_TARGET, PROFILE, PROFILES, TIME_BUDGET

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
MARKERS = ("<!-- targets.py writes this block: start -->", "<!-- end -->")


def newest_results(folder=RESULTS / "asv"):
    files = [p for p in folder.glob("*/*.json") if p.name != "machine.json"]
    if not files:
        raise SystemExit(f"no asv results in {folder}; run make bench first")
    return max(files, key=lambda p: json.loads(p.read_text())["date"])


def medians(path):
    """``{benchmark: {contender or (params...): median}}`` from one results file."""
    data = json.loads(Path(path).read_text())
    column = data["result_columns"].index
    table = {}
    for name, row in data["results"].items():
        values, params = row[column("result")], row[column("params")]
        keys = [()]
        for names in params:
            keys = [(*k, n.strip("'")) for k in keys for n in names]
        keys = [k[0] if len(k) == 1 else k for k in keys]
        table[name.split(".", 1)[1]] = dict(zip(keys, values or [], strict=False))
    return data, table


def bfloat16_cpu():
    flags = Path("/proc/cpuinfo").read_text(errors="replace")
    return any(flag in flags for flag in ("avx512_bf16", "amx_bf16"))


def targets(table, sizes):
    """``(target, measured, required, passed)`` rows; ``passed`` None for context."""

    def get(benchmark, key=None):
        value = table.get(benchmark, {}).get(key if key is not None else ())
        return value if isinstance(value, int | float) else None

    def ratio(a, b):
        return None if a is None or b is None else a / b

    def diff(a, b, unit=1):
        return None if a is None or b is None else (a - b) / unit

    fit, one = "FitSuite.track_images_per_s", "PredictSuite.time_predict_one"
    bulk, acc = "PredictSuite.time_predict_bulk", "AccuracySuite.track_accuracy"
    mem, ooc = "FitMemorySuite.peakmem_fit", "OutOfCoreSuite.track_peak_anon_mib"
    grow, lat = "ManyFitsSuite.track_growth_per_fit_mib", "LatencySuite."
    lat += "time_predict_proba"
    w_fit, w_one = "WrapperFitSuite.track_fit_rows_per_s", "WrapperPredictSuite."
    w_bulk, w_one = w_one + "time_predict_bulk", w_one + "time_predict_one"
    n_bulk = str(sizes["n_bulk"])
    bf16_gain = ratio(get(fit, "ours_bf16"), get(fit, "ours"))
    acc_diff = diff(get(acc, "notebook_cnn_bf16"), get(acc, "notebook_cnn"), 0.01)
    x_nbytes = sizes["memory_rows"] * 784 * 4
    excess = diff(get(mem, "ours"), get(mem, "keras_tiny"), x_nbytes)
    ooc_excess = diff(get(ooc, "memmap"), get(ooc, "keras_tiny"))
    onnx_one = get(lat, ("ours", "1"))
    rows = [
        ("Fit throughput vs plain Keras (images/s)", ratio(get(fit, "ours"), get(fit, "keras")), ">= 0.97"),
        ("Fit throughput vs scikeras `KerasClassifier`", ratio(get(fit, "ours"), get(fit, "scikeras")), "context"),
        ("Fit throughput vs Keras `SKLearnClassifier`", ratio(get(fit, "ours"), get(fit, "keras_wrapper")), "context"),
        ("mixed_bfloat16 fit speed-up vs float32", bf16_gain, ">= 1.3" if bfloat16_cpu() else "context (no bfloat16 CPU)"),
        ("One-image predict, median latency (ours, ms)", ratio(get(one, "ours"), 1e-3), "<= 1.5"),
        ("One-image predict: scikeras latency / ours", ratio(get(one, "scikeras"), get(one, "ours")), ">= 20"),
        (f"{n_bulk}-image predict throughput vs scikeras", ratio(get(bulk, "scikeras"), get(bulk, "ours")), ">= 1.5"),
        ("mixed_bfloat16 accuracy - float32 accuracy (points)", acc_diff, ">= -0.5"),
        ("Peak RSS of fit: (peak - framework baseline) / X.nbytes", excess, "<= 3"),
        ("Out-of-core memmap fit + predict: peak anonymous RSS above the baseline (MiB)", ooc_excess, "<= 400"),
        ("Many fits: memory growth per fit, ours / plain Keras", ratio(get(grow, "ours"), get(grow, "keras")), "<= 0.5"),
        ("One-image `predict_proba`, default path (ONNX Runtime with the extra), ms", ratio(onnx_one, 1e-3), "<= 0.25"),
        (f"{n_bulk}-row `predict_proba` with the extra / without it (rows/s)", ratio(get(lat, ("ours_tf", n_bulk)), get(lat, ("ours", n_bulk))), ">= 0.95"),
        ("`import sknn_estimators` time (s)", get("ImportSuite.timeraw_import"), "<= 0.5"),
        ("Heavy modules loaded by `import sknn_estimators`", get("ImportSuite.track_heavy_modules"), "<= 0"),
        ("Wrappers: fit throughput of a user MLP vs scikeras", ratio(get(w_fit, "ours"), get(w_fit, "scikeras")), ">= 1.0"),
        ("Wrappers: one-row predict, scikeras latency / ours", ratio(get(w_one, "scikeras"), get(w_one, "ours")), ">= 20"),
        ("Wrappers: one-row predict, median latency (ours, ms)", ratio(get(w_one, "ours"), 1e-3), "<= 1.5"),
        (f"Wrappers: {n_bulk}-row predict throughput vs scikeras", ratio(get(w_bulk, "scikeras"), get(w_bulk, "ours")), "context"),
    ]  # fmt: skip
    return [(*row, check(*row[1:])) for row in rows if row[1] is not None]


def check(measured, required):
    if required.startswith("context"):
        return None
    op, bound = required.split()
    return measured >= float(bound) if op == ">=" else measured <= float(bound)


def cross_validated(path=RESULTS / "cross_validation.json"):
    """The regularised preset's targets, from the cross-validation protocol."""
    models = json.loads(path.read_text())["models"] if path.is_file() else {}
    row = models.get("cnn-regularised")
    if not row:
        return []
    accuracy, ratio = 100 * row["mean_accuracy"], row["time_ratio"]
    return [
        (
            "`cnn-regularised`: mean cross-validated accuracy (%); "
            "`python -m benchmarks.cross_validate`",
            accuracy,
            f">= {100 * ACCURACY_TARGET:.1f}",
            accuracy >= 100 * ACCURACY_TARGET,
        ),
        (
            "`cnn-regularised`: fit time / the tutorial network's, same folds",
            ratio,
            f"<= {TIME_BUDGET}",
            ratio <= TIME_BUDGET,
        ),
    ]


def markdown(path, data, rows, profile):
    status = {True: "pass", False: "**MISS**", None: "context"}
    params = data["params"]
    lines = [
        f"- Command: `make bench` (asv, profile `{profile}`), then "
        "`python -m benchmarks.targets --readme`",
        f"- Results: `{path.relative_to(REPO)}` (commit {data['commit_hash'][:8]})",
        f"- Machine: {params['cpu']}, {params['num_cpu']} cores, "
        f"{int(params['ram']) / 2**30:.1f} GiB RAM, {params['os']}",
        "",
        "| target | measured | required | status |",
        "| --- | --- | --- | --- |",
    ]
    for name, measured, required, passed in rows:
        lines.append(f"| {name} | {measured:.3g} | {required} | {status[passed]} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=PROFILE,
        help="the SKNN_BENCH_PROFILE the results were run with",
    )
    args = parser.parse_args(argv)
    path = (args.results or newest_results()).resolve()
    data, table = medians(path)
    rows = targets(table, PROFILES[args.profile]) + cross_validated()
    text = markdown(path, data, rows, args.profile)
    (RESULTS / "targets.md").write_text(text)
    if args.readme:
        readme = REPO / "README.md"
        before, rest = readme.read_text().split(MARKERS[0])
        _, after = rest.split(MARKERS[1], 1)
        readme.write_text(before + MARKERS[0] + "\n" + text + MARKERS[1] + after)
    print(text)
    return 1 if args.strict and any(row[3] is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
