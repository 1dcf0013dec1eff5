"""``sknn-estimators grid``: a GridSearchCV from the shell, printed as a table."""

import time

from sknn_estimators._cli import estimators, options, output
from sknn_estimators._cli.arguments import (
    VALUE_SYNTAX,
    int_at_least,
    n_jobs,
    param_list,
    param_single,
)
from sknn_estimators._cli.data import load_fashion
from sknn_estimators._cli.errors import UsageError

#: The grid searched without --param: the first one whose parameter the
#: estimator has (the CNNs have ``epochs``, the MLPClassifier presets do not).
DEFAULT_GRIDS = ({"epochs": [5, 10]}, {"alpha": [0.0001, 0.01]})


def add_parser(subparsers):
    defaults = ",\n  else ".join(
        " ".join(f"{k}={','.join(map(str, v))}" for k, v in grid.items())
        + f" when the estimator has {', '.join(grid)}"
        for grid in DEFAULT_GRIDS
    )
    parser = subparsers.add_parser(
        "grid",
        parents=options.training(
            "--estimator",
            "the estimator to tune (default: %(default)s)",
            out=options.out(None, "also write cv_results.csv into this folder"),
        ),
        help="GridSearchCV over a small grid, printed as a table",
        description=(
            "GridSearchCV (stratified k-fold, accuracy) of one estimator on one "
            "data set.\niris and digits go through StandardScaler in a Pipeline; "
            "fashion pixels are\ndivided by 255 (--data-home and --download say "
            "where its files are).\nWithout --param the grid is\n  "
            f"{defaults}.\n--set or --param random_state=... overrides "
            "--random-state.\n\n"
            + VALUE_SYNTAX
            + "\n\nexample:\n  sknn-estimators grid --estimator cnn --data digits "
            "--set conv_filters=16/ \\\n"
            "      --param epochs=3,6 --param dense_units=16/,32/ --cv 3\n\n"
            + options.presets_listing("estimators (--estimator)")
        ),
    )
    parser.add_argument(
        "--data",
        choices=("digits", "iris", "fashion"),
        default="digits",
        help="data set (default: %(default)s)",
    )
    for flag, kind, metavar, help in (
        ("--param", param_list, "NAME=V1,V2", "values to search for one parameter"),
        ("--set", param_single, "NAME=VALUE", "a fixed parameter of the estimator"),
    ):
        parser.add_argument(
            flag,
            type=kind,
            action="append",
            default=[],
            metavar=metavar,
            help=f"{help} (repeat for more parameters)",
        )
    parser.add_argument(
        "--cv", type=int_at_least(2), default=3, metavar="K", help="folds (default: 3)"
    )
    parser.add_argument(
        "--n-jobs",
        type=n_jobs,
        default=1,
        metavar="N",
        help="parallel fits, -1 for all cores (default: 1)",
    )
    return parser


def checked_search_space(estimator, param, set_):
    """The grid and the fixed parameters of ``--param`` and ``--set``, each
    candidate checked by the estimator's own parameter validation.

    ``estimator`` gets the fixed parameters. A UsageError says what is wrong.
    """
    from sklearn.base import clone
    from sklearn.model_selection import ParameterGrid

    fixed = dict(set_)
    valid = estimator.get_params(deep=False)
    if param:
        grid = dict(param)
    else:  # the default grid, less what --set fixes
        grid = next((g for g in DEFAULT_GRIDS if set(g) <= set(valid)), {})
        grid = {k: v for k, v in grid.items() if k not in fixed}
    for name in [*grid, *fixed]:
        if name not in valid:
            raise UsageError(
                f"{type(estimator).__name__} has no parameter {name!r}; its "
                f"parameters are: {', '.join(sorted(valid))}"
            )
    both = sorted(set(grid) & set(fixed))
    if both:
        raise UsageError(f"{', '.join(both)} given both by --param and --set")
    estimator.set_params(**fixed)
    estimators.check_params(estimator, "--set" if fixed else None)
    for candidate in ParameterGrid(grid):
        estimators.check_params(clone(estimator).set_params(**candidate), "--param")
    return grid, fixed


def _data(args):
    """``X, y`` of ``--data``, and whether to put a StandardScaler first."""
    if args.data == "fashion":
        X, y, origin = load_fashion(args.data_home, args.download, "train")
        print(f"Fashion-MNIST training files: {origin}")
        X = X / 255.0
        scale = False
    else:
        from sklearn.datasets import load_digits, load_iris

        loader = load_digits if args.data == "digits" else load_iris
        X, y = loader(return_X_y=True)
        scale = True
    if args.limit is not None:
        X, y = X[: args.limit], y[: args.limit]
    return X, y, scale


def results_table(search, grid):
    """The search's candidates, best first: rank, parameters, scores, fit time."""
    import pandas as pd

    results = pd.DataFrame(search.cv_results_)
    table = pd.DataFrame({"rank": results["rank_test_score"]})
    for name in grid:
        table[name] = results[f"param_clf__{name}"].map(repr)
    table["mean accuracy"] = results["mean_test_score"].map("{:.4f}".format)
    table["std"] = results["std_test_score"].map("{:.4f}".format)
    table["mean fit time (s)"] = results["mean_fit_time"].map("{:.2f}".format)
    return table.sort_values("rank", kind="stable")


def run(args):
    """The ``grid`` command."""
    import pandas as pd
    from sklearn.model_selection import GridSearchCV, ParameterGrid
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    estimator = estimators.make_estimator(
        args.estimator, verbose=0, random_state=args.random_state
    )
    grid, fixed = checked_search_space(estimator, args.param, args.set)

    X, y, scale = _data(args)
    steps = [("scale", StandardScaler())] if scale else []
    pipeline = Pipeline([*steps, ("clf", estimator)])
    search = GridSearchCV(
        pipeline,
        {f"clf__{name}": values for name, values in grid.items()},
        cv=args.cv,
        n_jobs=args.n_jobs,
        scoring="accuracy",
        error_score="raise",
    )
    n_candidates = len(ParameterGrid(grid))
    print(
        f"GridSearchCV: {type(estimator).__name__} on {args.data} "
        f"({X.shape[0]} samples, {X.shape[1]} features), "
        f"{output.plural(n_candidates, 'candidate')} x {args.cv} folds = "
        f"{output.plural(n_candidates * args.cv, 'fit')}",
        flush=True,
    )
    print("grid:", ", ".join(f"{k}={v}" for k, v in grid.items()) or "(empty)")
    if fixed:
        print("fixed:", ", ".join(f"{k}={v!r}" for k, v in fixed.items()))
    tic = time.perf_counter()
    search.fit(X, y)
    print(f"Searched in {time.perf_counter() - tic:.1f} s\n")

    print(output.format_table(results_table(search, grid)))
    best = {k.removeprefix("clf__"): v for k, v in search.best_params_.items()}
    print(f"\nBest parameters: {best}")
    print(f"Best score: {search.best_score_:.4f} (mean accuracy over {args.cv} folds)")
    if args.out is not None:
        out = output.make_folder(args.out)
        pd.DataFrame(search.cv_results_).to_csv(out / "cv_results.csv", index=False)
        output.print_written([out / "cv_results.csv"])
