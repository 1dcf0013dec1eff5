"""Search a regularised FashionCNNClassifier that beats the notebook's network.

Usage::

    python -m benchmarks.search_regularised [--quick] [--data-home PATH] [--out DIR]

Goal (from the benchmark issue): on the fixed stratified 85/15 split of the
Fashion-MNIST subset, at least 1.5 accuracy points above the notebook CNN
(``FashionCNNClassifier(random_state=0)``, 20 epochs) with at most twice its
training time. Candidates combine the estimator's documented parameters:
dropout, batch normalisation, light augmentation, a cosine learning-rate
schedule and early stopping.

Stage 1 fits every candidate once (``random_state=0``), interleaved with fits
of the notebook CNN, each in a fresh process (``benchmarks.worker accuracy
candidate``). Stage 2 refits the notebook CNN and the best candidates with
more seeds, so that the winner is not a lucky seed. Finalists and the winner
have median time ratios (wall clock and CPU time) of at most
``SELECTION_BUDGET`` (1.75, a margin under the 2x budget for the noise of a
shared machine); the winner has the best mean accuracy over the seeds. Writes
``<out>/regularised_search.md`` and ``.json``; copy the winner into
``benchmarks/_configs.py`` (or the package's preset).

``--candidates a,b --append`` fits more candidates (or seeds) and keeps the fits
already in the JSON file, so a search can grow in several sessions; every
session is listed in the report.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from benchmarks import _data
from benchmarks._configs import NOTEBOOK_EPOCHS, SPLIT_SEED, TEST_SIZE
from benchmarks.run import REPO, machine_info, run_worker, worker_env

_DROPOUT = (0.25, 0.25, 0.4, 0.3)  # the tutorial's dropout network, per block

#: name -> parameters of FashionCNNClassifier besides random_state (and epochs,
#: which defaults to the notebook's 20).
CANDIDATES = {
    "notebook": {},
    "dropout": {"dropout": _DROPOUT},
    "dropout+cosine": {"dropout": _DROPOUT, "learning_rate": "cosine"},
    "dropout+aug": {"dropout": _DROPOUT, "augmentation": True},
    "dropout+cosine+aug": {
        "dropout": _DROPOUT,
        "learning_rate": "cosine",
        "augmentation": True,
    },
    "dropout+cosine+bn": {
        "dropout": _DROPOUT,
        "learning_rate": "cosine",
        "batch_normalization": True,
    },
    "dropout+cosine+aug+bn": {
        "dropout": _DROPOUT,
        "learning_rate": "cosine",
        "augmentation": True,
        "batch_normalization": True,
    },
    "dropout+aug+early-stopping": {
        "dropout": _DROPOUT,
        "augmentation": True,
        "early_stopping": True,
        "validation_fraction": 0.1,
        "n_iter_no_change": 5,
        "epochs": 30,
    },
    "cosine+aug": {"learning_rate": "cosine", "augmentation": True},
    "cosine+aug+bn": {
        "learning_rate": "cosine",
        "augmentation": True,
        "batch_normalization": True,
    },
    "dropout+cosine+bn+lr2e-3": {
        "dropout": _DROPOUT,
        "learning_rate": "cosine",
        "batch_normalization": True,
        "learning_rate_init": 0.002,
    },
    "dropout+cosine+30ep": {
        "dropout": _DROPOUT,
        "learning_rate": "cosine",
        "epochs": 30,
    },
    "dropout+cosine+batch128+lr2e-3+30ep": {
        "dropout": _DROPOUT,
        "learning_rate": "cosine",
        "batch_size": 128,
        "learning_rate_init": 0.002,
        "epochs": 30,
    },
    "dropout+cosine+bn+batch128+lr2e-3+30ep": {
        "dropout": _DROPOUT,
        "learning_rate": "cosine",
        "batch_normalization": True,
        "batch_size": 128,
        "learning_rate_init": 0.002,
        "epochs": 30,
    },
    "cosine+aug+30ep": {
        "learning_rate": "cosine",
        "augmentation": True,
        "epochs": 30,
    },
    "dense-dropout+cosine+bn": {
        "dropout": (0.0, 0.0, 0.0, 0.5),
        "learning_rate": "cosine",
        "batch_normalization": True,
    },
    "cosine+bn": {"learning_rate": "cosine", "batch_normalization": True},
    "dense-dropout+cosine+aug+bn": {
        "dropout": (0.0, 0.0, 0.0, 0.5),
        "learning_rate": "cosine",
        "augmentation": True,
        "batch_normalization": True,
    },
    "cosine+aug+bn+dense-dropout0.25": {
        "dropout": (0.0, 0.0, 0.0, 0.25),
        "learning_rate": "cosine",
        "augmentation": True,
        "batch_normalization": True,
    },
    "cosine+aug+bn+early-stopping": {
        "learning_rate": "cosine",
        "augmentation": True,
        "batch_normalization": True,
        "early_stopping": True,
        "validation_fraction": 0.1,
        "n_iter_no_change": 5,
    },
}
#: How many of the best candidates of stage 1 get the extra seeds of stage 2.
N_FINALISTS = 3
TIME_BUDGET = 2.0
#: Finalists and the winner must stay under this time ratio: a margin under
#: ``TIME_BUDGET`` for the noise of a shared machine.
SELECTION_BUDGET = 1.75
GAIN_TARGET = 1.5  # accuracy points


def as_json(params):
    return json.dumps(
        {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    )


def fit_candidate(name, seed, options, env, log, start):
    result = run_worker(
        "accuracy",
        "candidate",
        [*options, "--params", as_json(CANDIDATES[name]), "--seed", seed],
        env,
    )
    result["candidate"], result["seed"] = name, seed
    if "error" in result:
        log(
            f"[{time.perf_counter() - start:6.0f} s] {name:28} seed {seed}: FAILED "
            f"{result['error']}"
        )
    else:
        log(
            f"[{time.perf_counter() - start:6.0f} s] {name:28} seed {seed}: "
            f"{100 * result['accuracy']:.2f}% in {result['fit_seconds']:.1f} s "
            f"({result['fit_cpu_seconds']:.1f} CPU-s, {result['n_iter']} epochs)"
        )
    return result


def summarise(results):
    """Per candidate: accuracies by seed, mean, median times and ratios."""
    base = [r for r in results if r["candidate"] == "notebook" and "error" not in r]
    base_by_seed = {}
    for r in base:
        base_by_seed.setdefault(r["seed"], []).append(r["accuracy"])
    base_wall = statistics.median(r["fit_seconds"] for r in base)
    base_cpu = statistics.median(r["fit_cpu_seconds"] for r in base)
    rows = {}
    for name in CANDIDATES:
        runs = [r for r in results if r["candidate"] == name and "error" not in r]
        errors = [
            r["error"] for r in results if r["candidate"] == name and "error" in r
        ]
        if not runs:
            rows[name] = {"error": errors[0] if errors else "not run"}
            continue
        by_seed = {}
        for r in runs:
            by_seed.setdefault(r["seed"], r["accuracy"])
        gains = [
            100 * (acc - statistics.median(base_by_seed[seed]))
            for seed, acc in by_seed.items()
            if seed in base_by_seed
        ]
        wall = statistics.median(r["fit_seconds"] for r in runs)
        cpu = statistics.median(r["fit_cpu_seconds"] for r in runs)
        rows[name] = {
            "params": CANDIDATES[name],
            "accuracy_by_seed": {str(k): v for k, v in sorted(by_seed.items())},
            "mean_accuracy": statistics.mean(by_seed.values()),
            "gain_seed0_points": 100 * (by_seed[0] - statistics.median(base_by_seed[0]))
            if 0 in by_seed and 0 in base_by_seed
            else None,
            "mean_gain_points": statistics.mean(gains) if gains else None,
            "min_gain_points": min(gains) if gains else None,
            "fit_seconds": wall,
            "fit_cpu_seconds": cpu,
            "time_ratio": wall / base_wall,
            "cpu_time_ratio": cpu / base_cpu,
            "epochs_run": statistics.median(r["n_iter"] for r in runs),
            "n_fits": len(runs),
        }
    return rows


def within_budget(row):
    return (
        "error" not in row
        and row["time_ratio"] <= SELECTION_BUDGET
        and row["cpu_time_ratio"] <= SELECTION_BUDGET
    )


def markdown(report):
    lines = ["# Search for the regularised FashionCNNClassifier", ""]
    add = lines.append
    m, d = report["machine"], report["data"]
    for session in report["sessions"]:
        add(
            f"- `{session['command'].strip()}`: {session['date']}, "
            f"{session['duration_minutes']:.0f} min, fitted "
            f"{', '.join(session['candidates']) or 'only stage 2'}"
        )
    add(
        f"- Machine: {m['cpu_model']}, {m['cpus_usable']} usable cores, "
        f"{m['ram_gib']} GiB RAM (shared: other jobs ran, so times are noisy; "
        "CPU time is given too)"
    )
    add(
        f"- Data: {d['name']}, fixed stratified split {100 - 100 * TEST_SIZE:.0f}/"
        f"{100 * TEST_SIZE:.0f} (random_state={SPLIT_SEED}), {d['n_train']:,} train "
        f"/ {d['n_test']:,} test images, pixels / 255"
    )
    add(
        f"- Goal: >= {GAIN_TARGET} accuracy points over the notebook CNN "
        f"(`FashionCNNClassifier()`, {NOTEBOOK_EPOCHS} epochs) with <= "
        f"{TIME_BUDGET}x its fit time. Stage 1: every candidate with random_state=0; "
        f"stage 2: the notebook CNN and the {N_FINALISTS} best candidates whose wall "
        f"and CPU time ratios are <= {SELECTION_BUDGET} (a margin for noise), "
        f"again with random_state {report['extra_seeds']}."
    )
    add("")
    add(
        "| candidate | parameters | accuracy % by seed | mean % | gain (seed 0) "
        "| mean gain | min gain | fit s | time ratio | CPU-time ratio | epochs |"
    )
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in report["candidates"].items():
        if row.get("error") == "not run":
            continue
        if "error" in row:
            add(f"| {name} | failed: `{row['error']}` | | | | | | | | | |")
            continue
        accs = ", ".join(
            f"{seed}: {100 * acc:.2f}" for seed, acc in row["accuracy_by_seed"].items()
        )
        add(
            f"| {name}{' **(winner)**' if name == report['winner'] else ''} "
            f"| `{as_json(row['params'])}` | {accs} "
            f"| {100 * row['mean_accuracy']:.2f} | {_points(row['gain_seed0_points'])} "
            f"| {_points(row['mean_gain_points'])} | {_points(row['min_gain_points'])} "
            f"| {row['fit_seconds']:.1f} | {row['time_ratio']:.2f} "
            f"| {row['cpu_time_ratio']:.2f} | {row['epochs_run']:.0f} |"
        )
    add("")
    winner = report["winner"]
    if winner:
        row = report["candidates"][winner]
        add(
            f"Winner: **{winner}**, `FashionCNNClassifier(**{row['params']!r})`: "
            f"{_points(row['mean_gain_points'])} points on average over the seeds "
            f"(seed 0: {_points(row['gain_seed0_points'])}), "
            f"{row['time_ratio']:.2f}x the notebook CNN's fit time."
        )
    else:
        add("No candidate met the time budget.")
    add("")
    return "\n".join(lines)


def _points(value):
    return "n/a" if value is None else f"{value:+.2f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument("--extra-seeds", default="1,2", help="seeds of stage 2")
    parser.add_argument(
        "--candidates", default="", help="comma-separated names (default: all)"
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="keep the fits of the previous search file; fit only what is missing",
    )
    args = parser.parse_args(argv)
    data_home = _data.resolve_data_home(args.data_home)
    if data_home is None:
        raise SystemExit("the search needs the Fashion-MNIST subset (--data-home)")
    X, y, data_info = _data.load(data_home)
    X_train, X_test, _, _ = _data.split(X, y)
    data_info.update(n_train=int(X_train.shape[0]), n_test=int(X_test.shape[0]))
    options = ["--data-home", data_home]
    if args.quick:
        options += ["--n-train", 600, "--max-epochs", 2]
        data_info["n_train"] = 600
    extra_seeds = [int(s) for s in args.extra_seeds.split(",") if s]
    env = worker_env()
    start = time.perf_counter()
    out = Path(args.out)
    name = "regularised_search" + ("_quick" if args.quick else "")

    def log(message):
        print(message, flush=True)

    results, sessions = [], []
    if args.append and (out / f"{name}.json").is_file():
        previous = json.loads((out / f"{name}.json").read_text())
        results = previous["runs"]
        sessions = previous.get("sessions") or [
            {
                "command": previous["command"],
                "date": previous["date"],
                "duration_minutes": previous["duration_minutes"],
                "candidates": sorted({r["candidate"] for r in results}),
            }
        ]
    done = {(r["candidate"], r["seed"]) for r in results if "error" not in r}

    # Stage 1: every candidate once, with a notebook fit every third candidate.
    names = [n for n in CANDIDATES if n != "notebook"]
    if args.candidates:
        names = [n for n in args.candidates.split(",") if n]
        unknown = sorted(set(names) - set(CANDIDATES))
        if unknown:
            raise SystemExit(f"unknown candidates {unknown}; see CANDIDATES")
    todo = [n for n in names if (n, 0) not in done]
    for index, candidate in enumerate(todo):
        if index % 3 == 0:
            results.append(fit_candidate("notebook", 0, options, env, log, start))
        results.append(fit_candidate(candidate, 0, options, env, log, start))
    if todo:
        results.append(fit_candidate("notebook", 0, options, env, log, start))

    # Stage 2: the finalists and the notebook CNN with more seeds, interleaved.
    rows = summarise(results)
    eligible = [n for n in rows if n != "notebook" and within_budget(rows[n])]
    finalists = sorted(eligible, key=lambda n: -rows[n]["mean_accuracy"])
    finalists = finalists[:N_FINALISTS]
    done = {(r["candidate"], r["seed"]) for r in results if "error" not in r}
    for seed in extra_seeds:
        for candidate in ("notebook", *finalists):
            if (candidate, seed) not in done:
                results.append(fit_candidate(candidate, seed, options, env, log, start))
    rows = summarise(results)
    # The winner: the best mean accuracy among the candidates within the time
    # budget that have been fitted with every seed (of this or earlier sessions).
    seeds = {str(seed) for seed in (0, *extra_seeds)}
    winners = [
        n
        for n, row in rows.items()
        if n != "notebook"
        and within_budget(row)
        and seeds <= set(row["accuracy_by_seed"])
    ]
    winner = max(winners, key=lambda n: rows[n]["mean_accuracy"], default=None)

    sessions.append(
        {
            "command": "python -m benchmarks.search_regularised "
            + " ".join(argv if argv is not None else sys.argv[1:]),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "duration_minutes": (time.perf_counter() - start) / 60,
            "candidates": todo,
        }
    )
    report = {
        "sessions": sessions,
        "machine": machine_info(),
        "data": data_info,
        "extra_seeds": extra_seeds,
        "candidates": rows,
        "finalists": finalists,
        "winner": winner,
        "runs": results,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=1, default=list) + "\n")
    (out / f"{name}.md").write_text(markdown(report))
    log(f"wrote {out / (name + '.md')}")
    if winner:
        log(f"winner: {winner}: {CANDIDATES[winner]!r}")


if __name__ == "__main__":
    main()
