"""The evaluation protocol: stratified 5-fold cross-validation of the models.

Usage::

    python -m benchmarks.cross_validate [--models a,b] [--quick] [--append]
    python -m benchmarks.cross_validate --search [--candidates a,b] [--append]

An experiment, not a benchmark: outside the asv suite. The Fashion-MNIST images
are split into ``CV_FOLDS`` stratified folds (``benchmarks.common.cv_split``);
every model is fitted on four and scored on the fifth, each fit in a fresh
process, the models of a fold one after the other, so that the time ratio to
the tutorial network (``cnn``, float32) is measured side by side.

Choices are never made on a fold the model is scored on. ``--search`` scores
the candidate configurations of a preset (:func:`candidates`) on a stratified
validation part (``INNER_VALIDATION_SIZE``) of each training fold only, and
picks among the candidates within the time budget (:func:`pick`: over all
folds by the one-standard-error rule; the best of each fold is listed too, to
show how stable the choice is); the main run scores the pick on the test folds.

Writes ``<out>/cross_validation.md`` and ``.json`` (``cv_search.*`` for
``--search``; ``_quick`` is appended for ``--quick``). ``--append`` keeps the
fits of the previous file that have the same parameters and fits only what is
missing, so a search can grow over several runs; every run is listed.
"""

import argparse
import json
import math
import multiprocessing
import os
import re
import statistics
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks import common
from benchmarks.common import (
    ACCURACY_TARGET,
    CV_FOLDS,
    CV_SEED,
    INNER_VALIDATION_SIZE,
    REGULARISED_PRESET,
    TIME_BUDGET,
)

REPO = Path(__file__).resolve().parents[1]
#: The reference of every time ratio: the tutorial network, float32.
REFERENCE = "cnn"
#: The search picks among candidates under this ratio: a margin under
#: ``TIME_BUDGET`` for the noise of a shared machine.
SELECTION_BUDGET = 1.8
SEARCH_REPORT = REPO / "benchmarks" / "results" / "cv_search.json"


def candidates(extra=(), path=SEARCH_REPORT):
    """The candidate configurations of a FashionCNNClassifier preset: name ->
    parameters besides ``random_state=0`` (``epochs`` defaults to the
    tutorial's 20). Those scored so far are recorded, with their results, in
    the search's report (its ``parameters``); ``--candidate NAME=JSON`` adds
    one."""
    recorded = json.loads(path.read_text())["parameters"] if path.is_file() else {}
    table = {"tutorial": {}, **{k: json.loads(v) for k, v in recorded.items()}}
    for item in extra:
        name, params = item.split("=", 1)
        table[name] = json.loads(params)
    return table


def _model_table():
    """The models of the main run: name -> (contender, options, label)."""
    from sknn_estimators import PRESETS, FashionCNNClassifier

    table = {"cnn": ("notebook_cnn", [], "the tutorial network (float32)")}
    for name, preset in PRESETS.items():
        if name == REFERENCE:
            continue
        if issubclass(preset.estimator, FashionCNNClassifier):
            params = as_json(dict(preset.params))
            table[name] = (
                "candidate",
                ["--params", params],
                f'PRESETS["{name}"], `FashionCNNClassifier(**{params})`',
            )
        else:
            table[name] = (f"mlp:{name}", [], f'PRESETS["{name}"]')
    table["MLPClassifier()"] = ("mlp_default", [], "scikit-learn's defaults")
    table["SVC()"] = ("svc", [], "scikit-learn's defaults")
    table["previous-regularised"] = (
        "candidate",
        ["--params", as_json(candidates()["previous-regularised"])],
        'the first release\'s PRESETS["cnn-regularised"], in bfloat16, '
        f"`FashionCNNClassifier(**{as_json(candidates()['previous-regularised'])})`",
    )
    return table


def as_json(params):
    return json.dumps(
        {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
        sort_keys=True,
    )


def fit_one(contender, options, data_home, fold, inner, n_train):
    """Fit one model on a training fold and score it; run in a fresh process."""
    X, y, _ = common.load(data_home)
    X_train, X_test, y_train, y_test = common.cv_split(X, y, fold, inner=inner)
    X_train, y_train = X_train[:n_train], y_train[:n_train]
    params = json.loads(options[1] if options else "{}")  # ["--params", JSON]
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    estimator = common.accuracy_estimator(contender.removeprefix("mlp:"), params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start, cpu = time.perf_counter(), time.process_time()
        estimator.fit(X_train, y_train)
        fit_seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    accuracy = float((estimator.predict(X_test) == y_test).mean())
    return {
        "accuracy": accuracy,
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": cpu,
        "predict_seconds": time.perf_counter() - start,
        "n_train": len(X_train),
        "precision": getattr(estimator, "precision_", None),
    }


def machine_info():
    cpu = Path("/proc/cpuinfo").read_text(errors="replace")
    memory = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    return {
        "cpu_model": re.search(r"^model name\s*:\s*(.+)$", cpu, re.MULTILINE)[1],
        "cpus_usable": len(os.sched_getaffinity(0)),
        "ram_gib": round(int(memory[1]) / 2**20, 1),
        "bf16_cpu_flags": sorted({"avx512_bf16", "amx_bf16"} & set(cpu.split())),
    }


def _fit(model, contender, options, fold, inner, data_home, n_train, start):
    spawn = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(1, mp_context=spawn) as process:
            result = process.submit(
                fit_one, contender, options, data_home, fold, inner, n_train
            ).result()
    except Exception as error:  # the report lists a failed fit and goes on
        result = {"error": f"{type(error).__name__}: {error}"[:400]}
    result.update(model=model, fold=fold, options=[str(o) for o in options])
    where = "validation part of" if inner else "test"
    outcome = (
        f"FAILED {result['error']}"
        if "error" in result
        else f"({where}): {100 * result['accuracy']:.2f}%, fit "
        f"{result['fit_seconds']:.1f} s ({result['fit_cpu_seconds']:.1f} CPU-s)"
    )
    print(f"[{time.perf_counter() - start:6.0f} s] {model:24} fold {fold} {outcome}")
    return result


def summarise(runs, models, n_folds):
    """Per model: accuracy by fold, mean, std, fit time, time ratios."""
    by_key = {(r["model"], r["fold"]): r for r in runs if "error" not in r}
    rows = {}
    for model in models:
        mine = [by_key[(model, f)] for f in range(n_folds) if (model, f) in by_key]
        if not mine:
            errors = [r["error"] for r in runs if r["model"] == model and "error" in r]
            rows[model] = {"error": errors[0] if errors else "not run"}
            continue
        accuracies = [r["accuracy"] for r in mine]
        ratios = [
            r["fit_seconds"] / by_key[(REFERENCE, r["fold"])]["fit_seconds"]
            for r in mine
            if (REFERENCE, r["fold"]) in by_key
        ]
        cpu_ratios = [
            r["fit_cpu_seconds"] / by_key[(REFERENCE, r["fold"])]["fit_cpu_seconds"]
            for r in mine
            if (REFERENCE, r["fold"]) in by_key
        ]
        rows[model] = {
            "accuracy_by_fold": {str(r["fold"]): r["accuracy"] for r in mine},
            "mean_accuracy": statistics.mean(accuracies),
            "std_accuracy": statistics.pstdev(accuracies),
            "fit_seconds": statistics.mean(r["fit_seconds"] for r in mine),
            "fit_cpu_seconds": statistics.mean(r["fit_cpu_seconds"] for r in mine),
            "predict_seconds": statistics.mean(
                r.get("predict_seconds") or 0.0 for r in mine
            ),
            "time_ratio": statistics.mean(ratios) if ratios else None,
            "max_time_ratio": max(ratios) if ratios else None,
            "cpu_time_ratio": statistics.mean(cpu_ratios) if cpu_ratios else None,
            "precision": sorted({str(r.get("precision")) for r in mine}),
            "n_folds": len(mine),
        }
    return rows


def pick(rows, candidates, fold=None):
    """The chosen candidate among those within ``SELECTION_BUDGET`` (None if
    none is).

    Over all folds, the one-standard-error rule: of the candidates whose mean
    validation accuracy is within one standard error (std / sqrt(folds)) of
    the best mean, the one with the smallest time ratio, since differences
    smaller than that are noise of the folds. In one fold: the best validation
    accuracy in that fold.
    """
    eligible = [
        name
        for name in candidates
        if "error" not in rows[name]
        and rows[name]["time_ratio"] is not None
        and rows[name]["time_ratio"] <= SELECTION_BUDGET
        and (
            rows[name]["n_folds"] == CV_FOLDS
            if fold is None
            else str(fold) in rows[name]["accuracy_by_fold"]
        )
    ]
    if not eligible:
        return None
    if fold is not None:
        return max(eligible, key=lambda name: rows[name]["accuracy_by_fold"][str(fold)])
    best = max(eligible, key=lambda name: rows[name]["mean_accuracy"])
    standard_error = rows[best]["std_accuracy"] / math.sqrt(rows[best]["n_folds"])
    close = [
        name
        for name in eligible
        if rows[name]["mean_accuracy"] >= rows[best]["mean_accuracy"] - standard_error
    ]
    return min(close, key=lambda name: rows[name]["time_ratio"])


def markdown(report):
    search = report["search"]
    title = (
        "Choosing the preset on validation parts of the training folds"
        if search
        else "Cross-validated accuracy and fit time"
    )
    lines = [f"# {title}", ""]
    add = lines.append
    for run in report["sessions"]:
        add(
            f"- `{run['command'].strip()}`: {run['date']}, "
            f"{run['duration_minutes']:.0f} min, fitted "
            f"{', '.join(run['models']) or 'nothing new'}"
        )
    m, d = report["machine"], report["data"]
    add(
        f"- Machine: {m['cpu_model']}, {m['cpus_usable']} usable cores, "
        f"{m['ram_gib']} GiB RAM, bfloat16 CPU flags: "
        f"{', '.join(m['bf16_cpu_flags']) or 'none'}"
    )
    add(
        f"- Data: {d['name']}, {d['n_samples']:,} images, pixels / 255; "
        f"StratifiedKFold({CV_FOLDS}, shuffle=True, random_state={CV_SEED})"
    )
    if search:
        add(
            f"- Each candidate is trained on {100 - 100 * INNER_VALIDATION_SIZE:.0f}% "
            "of a training fold and scored on the other "
            f"{100 * INNER_VALIDATION_SIZE:.0f}% (stratified, random_state="
            f"{CV_SEED}); the test folds are not used. Time ratio: fit time over the "
            f"tutorial network's in the same fold, mean over the folds. The pick, "
            f"among candidates with a time ratio <= {SELECTION_BUDGET} (a margin "
            f"under the {TIME_BUDGET}x budget): the fastest whose mean validation "
            "accuracy is within one standard error (std / sqrt(folds)) of the "
            "best mean (the one-standard-error rule)."
        )
    else:
        add(
            "- Each model is fitted on four folds and scored on the fifth; within "
            "a fold the models run one after the other, each in a fresh process. "
            "Time ratio: fit time over the tutorial network's (float32) in the "
            "same fold, mean (and max) over the folds."
        )
    add("")
    add(
        "| model | accuracy % by fold | mean % | std | fit s | time ratio (max) "
        "| CPU-time ratio | precision |"
    )
    add("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in report["models"].items():
        if row.get("error") == "not run":
            continue
        if "error" in row:
            add(f"| {name} | failed: `{row['error']}` | | | | | | |")
            continue
        by_fold = ", ".join(
            f"{100 * acc:.2f}" for _, acc in sorted(row["accuracy_by_fold"].items())
        )
        ratio = (
            "n/a"
            if row["time_ratio"] is None
            else f"{row['time_ratio']:.2f} ({row['max_time_ratio']:.2f})"
        )
        cpu_ratio = (
            "n/a" if row["cpu_time_ratio"] is None else f"{row['cpu_time_ratio']:.2f}"
        )
        marker = " **(pick)**" if name == report.get("pick") else ""
        # scikit-learn's models have no precision_ (they compute in float64).
        precision = ", ".join(p.replace("None", "float64") for p in row["precision"])
        add(
            f"| {name}{marker} | {by_fold} | {100 * row['mean_accuracy']:.2f} "
            f"| {100 * row['std_accuracy']:.2f} | {row['fit_seconds']:.1f} "
            f"| {ratio} | {cpu_ratio} | {precision} |"
        )
    add("")
    if search:
        for name in report["models"]:
            if name in report["parameters"]:
                add(f"- {name}: `{report['parameters'][name]}`")
        add("")
        add(
            "Pick per fold: "
            + ", ".join(
                f"fold {fold}: {name}" for fold, name in report["fold_picks"].items()
            )
            + f". Pick over all folds: **{report['pick']}**."
        )
    else:
        preset = report["models"].get(REGULARISED_PRESET, {})
        if "mean_accuracy" in preset:
            accuracy_met = preset["mean_accuracy"] >= ACCURACY_TARGET
            time_met = preset["time_ratio"] <= TIME_BUDGET
            add(
                f"Target of `{REGULARISED_PRESET}`: a mean accuracy >= "
                f"{100 * ACCURACY_TARGET:.1f}% ({'met' if accuracy_met else 'missed'}: "
                f"{100 * preset['mean_accuracy']:.2f}%) with a time ratio <= "
                f"{TIME_BUDGET} ({'met' if time_met else 'missed'}: "
                f"{preset['time_ratio']:.2f})."
            )
            add("")
        add("What each model is:")
        add("")
        for name, label in report["labels"].items():
            add(f"- {name}: {label}")
    add("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--search", action="store_true", help="score the candidates")
    parser.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="for --search: a new candidate and its parameters",
    )
    parser.add_argument("--models", default="", help="comma-separated (default: all)")
    parser.add_argument("--candidates", default="", help="for --search (default: all)")
    parser.add_argument("--folds", default="", help="comma-separated (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--append", action="store_true", help="keep earlier fits")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args(argv)

    data_home = common.resolve_data_home(args.data_home)
    if data_home is None:
        raise SystemExit("the protocol needs the Fashion-MNIST subset (--data-home)")
    _, _, data_info = common.load(data_home)
    n_train = None
    if args.quick:  # the fresh processes read the quick profile's sizes
        os.environ["SKNN_BENCH_PROFILE"], n_train = "quick", 300

    if args.search:
        configurations = candidates(args.candidate)
        wanted = [n for n in args.candidates.split(",") if n] or list(configurations)
        unknown = sorted(set(wanted) - set(configurations))
        table = {
            name: ("candidate", ["--params", as_json(params)], None)
            for name, params in configurations.items()
        }
        # The search's time reference is the tutorial network in the same fold.
        table[REFERENCE] = table.pop("tutorial")
        wanted = [REFERENCE if n == "tutorial" else n for n in wanted]
    else:
        table = _model_table()
        wanted = [n for n in args.models.split(",") if n] or list(table)
        unknown = sorted(set(wanted) - set(table))
    if unknown:
        raise SystemExit(f"unknown names {unknown}; known: {sorted(table)}")
    if REFERENCE not in wanted:
        wanted.insert(0, REFERENCE)
    folds = [int(f) for f in args.folds.split(",") if f] or list(range(CV_FOLDS))

    out = Path(args.out)
    name = ("cv_search" if args.search else "cross_validation") + (
        "_quick" if args.quick else ""
    )
    runs, sessions = [], []
    if args.append and (out / f"{name}.json").is_file():
        previous = json.loads((out / f"{name}.json").read_text())
        runs, sessions = previous["runs"], previous["sessions"]
    # A fit is kept only if it ran the same model with the same parameters.
    done = {
        (r["model"], r["fold"])
        for r in runs
        if "error" not in r
        and r["model"] in table
        and r["options"] == [str(o) for o in table[r["model"]][1]]
    }
    runs = [r for r in runs if (r["model"], r["fold"]) in done]

    start = time.perf_counter()
    fitted = []
    session = {
        "command": "python -m benchmarks.cross_validate "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "duration_minutes": 0.0,
        "models": [],
    }
    data_info.pop("source", None)
    out.mkdir(parents=True, exist_ok=True)

    def write_report():
        # After every fit, so that a run cut short keeps what it measured.
        models = [m for m in table if any(r["model"] == m for r in runs)]
        rows = summarise(runs, models, CV_FOLDS)
        session["duration_minutes"] = (time.perf_counter() - start) / 60
        session["models"] = sorted(set(fitted))
        if fitted and session not in sessions:
            sessions.append(session)  # a run that fits nothing only rewrites
        report = {
            "search": args.search,
            "sessions": sessions,
            "machine": machine_info(),
            "data": data_info,
            "models": rows,
            "runs": runs,
        }
        if args.search:
            searched = [m for m in models if m != REFERENCE]
            # Every candidate, scored or not: the record :func:`candidates` reads.
            report["parameters"] = {
                m: as_json(p) for m, p in configurations.items() if m != "tutorial"
            }
            report["fold_picks"] = {
                str(fold): pick(rows, searched, fold) for fold in range(CV_FOLDS)
            }
            report["pick"] = pick(rows, searched)
        else:
            report["labels"] = {m: table[m][2] for m in models}
        (out / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n")
        (out / f"{name}.md").write_text(markdown(report))

    for fold in folds:
        for model in wanted:
            if (model, fold) in done:
                continue
            contender, options, _ = table[model]
            where = (fold, args.search, data_home, n_train, start)
            runs.append(_fit(model, contender, options, *where))
            fitted.append(model)
            write_report()
    write_report()
    print(f"wrote {out / (name + '.md')}")


if __name__ == "__main__":
    main()
