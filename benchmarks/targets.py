"""Read asv's recorded results, check the ratio targets, write the table.

Usage::

    python -m benchmarks.targets [--results FILE...] [--profile P] [--readme] [--strict]

Reads asv's results files (default: all in ``benchmarks/results/asv``), takes
each benchmark from the newest run that has it (``make bench BENCH_ARGS="-b
SmallFit"`` reruns some benchmarks only), and
``benchmarks/results/cross_validation.json``; computes each target from the
medians of the contenders measured side by side in one run of its benchmark,
and prints the table, with the commit of each row's run;
``--readme`` writes it to ``benchmarks/results/targets.md`` and to the block of
README.md between its markers. ``--strict`` exits with status 1 when a target
is missed. Targets whose benchmarks were not run are left out. ``--profile``:
the ``SKNN_BENCH_PROFILE`` the results were run with.
"""

import argparse
import json
import sys
from pathlib import Path

from benchmarks.common import (
    ACCURACY_TARGET,
    PROFILE,
    PROFILES,
    REGULARISED_PRESET,
    TIME_BUDGET,
)

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
MARKERS = ("<!-- targets.py writes this block: start -->", "<!-- end -->")


def results_files(profile, folder=RESULTS / "asv"):
    """asv's results files of ``profile``: ``make bench-quick`` records its
    runs as machine ``quick``, apart from the full ones."""
    files = [
        p
        for p in folder.glob("*/*.json")
        if p.name != "machine.json"
        and (p.parent.name == "quick") == (profile == "quick")
    ]
    if not files:
        raise SystemExit(f"no asv results in {folder}; run make bench first")
    return files


def medians(paths):
    """``(newest, table, commits)``: the newest results file's data;
    ``{benchmark: {contender or (params...): median}}``, each benchmark from
    the newest of ``paths`` that ran it; and ``{benchmark: commit}``."""
    runs = sorted((json.loads(Path(p).read_text()) for p in paths), key=_date)
    table, commits = {}, {}
    for data in runs:
        column = data["result_columns"].index
        for name, row in data["results"].items():
            values, params = row[column("result")], row[column("params")]
            keys = [()]
            for names in params:
                keys = [(*k, n.strip("'")) for k in keys for n in names]
            keys = [k[0] if len(k) == 1 else k for k in keys]
            name = name.split(".", 1)[1]
            table[name] = dict(zip(keys, values or [], strict=False))
            commits[name] = data["commit_hash"][:8]
    return runs[-1], table, commits


def _date(data):
    return data["date"]


#: Short names of the benchmarks that the targets read.
BENCHMARKS = {
    "fit": "FitSuite.track_images_per_s",
    "one": "PredictSuite.time_predict_one",
    "bulk": "PredictSuite.time_predict_bulk",
    "acc": "AccuracySuite.track_accuracy",
    "mem": "FitMemorySuite.peakmem_fit",
    "ooc": "OutOfCoreSuite.track_peak_anon_mib",
    "grow": "ManyFitsSuite.track_growth_per_fit_mib",
    "lat": "LatencySuite.time_predict_proba",
    "import": "ImportSuite.timeraw_import",
    "heavy": "ImportSuite.track_heavy_modules",
    "w_fit": "WrapperFitSuite.track_fit_rows_per_s",
    "w_one": "WrapperPredictSuite.time_predict_one",
    "w_bulk": "WrapperPredictSuite.time_predict_bulk",
    "small": "SmallFitSuite.time_fit",
    "search": "SmallFitSuite.time_grid_search",
    "small_mem": "SmallFitMemorySuite.track_growth_per_fit_mib",
    "cnn_search": "CNNSearchSuite.time_grid_search",
}
#: target: (a, operation, b, required). ``a`` and ``b`` are "benchmark:params"
#: (the median for those parameters; "bulk" is the profile's ``n_bulk``) or
#: numbers; "-/X" divides the difference by the memory benchmark's data size.
#: "context" rows are shown, not checked; "bf16" ones only on a bfloat16 CPU.
TARGETS = {
    "Fit images/s, ours / plain Keras": ("fit:ours", "/", "fit:keras", ">= 0.97"),
    "Fit images/s, ours / scikeras": ("fit:ours", "/", "fit:scikeras", "context"),
    "Fit images/s, ours / Keras wrapper": (
        "fit:ours", "/", "fit:keras_wrapper", "context"
    ),
    "Fit, bfloat16 / float32": ("fit:ours_bf16", "/", "fit:ours", ">= 1.3 bf16"),
    "1-image predict (ours), ms": ("one:ours", "/", 1e-3, "<= 1.5"),
    "1-image predict, scikeras / ours": ("one:scikeras", "/", "one:ours", ">= 20"),
    "Bulk predict, scikeras / ours": ("bulk:scikeras", "/", "bulk:ours", ">= 1.5"),
    "Accuracy, bfloat16 - float32": (
        "acc:notebook_cnn_bf16", "-", "acc:notebook_cnn", ">= -0.005"
    ),
    "Fit peak RSS above baseline / X": ("mem:ours", "-/X", "mem:keras_tiny", "<= 3"),
    "Out-of-core peak anon RSS above baseline, MiB": (
        "ooc:memmap", "-", "ooc:keras_tiny", "<= 400"
    ),
    "Memory growth per fit, ours / Keras": ("grow:ours", "/", "grow:keras", "<= 0.5"),
    "1-image predict_proba, default path, ms": ("lat:ours,1", "/", 1e-3, "<= 0.25"),
    "Bulk predict_proba, TF path / default": (
        "lat:ours_tf,bulk", "/", "lat:ours,bulk", ">= 0.95"
    ),
    "import sknn_estimators, s": ("import:", "/", 1, "<= 0.5"),
    "Heavy modules imported": ("heavy:", "/", 1, "<= 0"),
    "Wrappers: fit, ours / scikeras": ("w_fit:ours", "/", "w_fit:scikeras", ">= 1.0"),
    "Wrappers: 1-row predict, scikeras / ours": (
        "w_one:scikeras", "/", "w_one:ours", ">= 20"
    ),
    "Wrappers: 1-row predict (ours), ms": ("w_one:ours", "/", 1e-3, "<= 1.5"),
    "Wrappers: bulk predict, scikeras / ours": (
        "w_bulk:scikeras", "/", "w_bulk:ours", "context"
    ),
    "Small fit, ours / MLPClassifier": ("small:ours", "/", "small:mlp", "<= 3"),
    "Small fit, Keras wrapper / ours": (
        "small:keras_wrapper", "/", "small:ours", "context"
    ),
    "Small fit, scikeras / ours": ("small:scikeras", "/", "small:ours", "context"),
    "Small fit, plain Keras / ours": ("small:keras", "/", "small:ours", "context"),
    "4 x 5 search, ours / MLPClassifier": ("search:ours", "/", "search:mlp", "<= 3"),
    "4 x 5 search, Keras wrapper / ours": (
        "search:keras_wrapper", "/", "search:ours", "context"
    ),
    "4 x 5 search, scikeras / ours": (
        "search:scikeras", "/", "search:ours", "context"
    ),
    "4 x 5 search, plain Keras / ours": ("search:keras", "/", "search:ours", "context"),
    "Memory growth per small fit (ours), MiB": ("small_mem:ours", "/", 1, "<= 1"),
    "Memory growth per small fit, plain Keras, MiB": (
        "small_mem:keras", "/", 1, "context"
    ),
    "Digits CNN search, plain Keras / ours": (
        "cnn_search:keras", "/", "cnn_search:ours", "context"
    ),
}  # fmt: skip


def targets(table, sizes):
    """``(target, measured, required, passed)`` of each target whose
    benchmarks ran; ``passed`` is None for context rows."""
    x_nbytes = sizes["memory_rows"] * 784 * 4
    operations = {
        "/": lambda a, b: a / b,
        "-": lambda a, b: a - b,
        "-/X": lambda a, b: (a - b) / x_nbytes,
    }

    def value(spec):
        if not isinstance(spec, str):
            return spec
        name, params = spec.split(":")
        key = tuple(
            str(sizes["n_bulk"]) if p == "bulk" else p for p in params.split(",")
        )
        key = key if len(key) > 1 else key[0] or ()
        found = table.get(BENCHMARKS[name], {}).get(key)
        ran = isinstance(found, int | float) and found == found  # NaN: not run
        return found if ran else None

    rows = []
    for name, (a, operation, b, required) in TARGETS.items():
        a, b = value(a), value(b)
        if a is not None and b is not None:
            measured = operations[operation](a, b)
            rows.append((name, measured, required, check(measured, required)))
    return rows


def check(measured, required):
    if required == "context" or (required.endswith("bf16") and not bfloat16_cpu()):
        return None
    op, bound = required.split()[:2]
    return measured >= float(bound) if op == ">=" else measured <= float(bound)


def bfloat16_cpu():
    flags = Path("/proc/cpuinfo").read_text(errors="replace")
    return any(flag in flags for flag in ("avx512_bf16", "amx_bf16"))


def cross_validated(path=RESULTS / "cross_validation.json"):
    """The preset's targets, from ``python -m benchmarks.cross_validate``."""
    models = json.loads(path.read_text())["models"] if path.is_file() else {}
    row, name = models.get(REGULARISED_PRESET, {}), f"`{REGULARISED_PRESET}`"
    rows = [
        (f"{name}: CV accuracy", row.get("mean_accuracy"), f">= {ACCURACY_TARGET}"),
        (
            f"{name}: CV fit time / tutorial's",
            row.get("time_ratio"),
            f"<= {TIME_BUDGET}",
        ),
    ]
    return [(*row, check(*row[1:])) for row in rows if row[1] is not None]


def markdown(data, rows, commits, profile):
    status = {True: "pass", False: "**MISS**", None: "context"}
    params = data["params"]
    lines = [
        f"- Command: `make bench{'-quick' if profile == 'quick' else ''}` (asv, "
        f"profile `{profile}`), then `python -m benchmarks.targets --profile "
        f"{profile} --readme`",
        f"- Results: `{RESULTS.relative_to(REPO)}/asv`, each benchmark from its "
        "newest run; the commit of each row's run is in the last column",
        f"- Machine: {params['cpu']}, {params['num_cpu']} cores, "
        f"{int(params['ram']) / 2**30:.1f} GiB RAM, {params['os']}",
        "",
        "| target | measured | required | status | run |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, measured, required, passed in rows:
        specs = [s for s in TARGETS.get(name, ())[:3:2] if isinstance(s, str)]
        runs = {commits.get(BENCHMARKS[s.split(":")[0]]) for s in specs}
        run = "/".join(sorted(r for r in runs if r)) or "cross_validation.json"
        lines.append(
            f"| {name} | {measured:.3g} | {required} | {status[passed]} | {run} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, nargs="*", default=None)
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--profile", choices=sorted(PROFILES), default=PROFILE)
    args = parser.parse_args(argv)
    data, table, commits = medians(args.results or results_files(args.profile))
    rows = targets(table, PROFILES[args.profile]) + cross_validated()
    text = markdown(data, rows, commits, args.profile)
    if args.readme:
        (RESULTS / "targets.md").write_text(text)
        readme = REPO / "README.md"
        before, rest = readme.read_text().split(MARKERS[0])
        _, after = rest.split(MARKERS[1], 1)
        readme.write_text(before + MARKERS[0] + "\n" + text + MARKERS[1] + after)
    print(text)
    return 1 if args.strict and any(row[3] is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
