"""``sknn-estimators presets``: the models ``--model`` and ``--estimator`` accept."""

from sknn_estimators._cli import output
from sknn_estimators._cli.errors import EXIT_OK


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "presets",
        help="list the presets (CNN and MLP models) with their parameters",
        description="List the models of --model/--estimator: the presets\n"
        "(sknn_estimators.PRESETS), in a table at most "
        f"{output.TABLE_WIDTH} columns wide.",
    )
    parser.set_defaults(run=run)
    return parser


def presets_table():
    """:func:`sknn_estimators.describe_presets` with the columns the command
    prints: name, class, parameters ("(defaults)" when none), description."""
    from sknn_estimators import describe_presets

    table = describe_presets().reset_index()
    table["params"] = table["params"].where(table["params"] != "", "(defaults)")
    return table.rename(columns={"params": "parameters"})[
        ["name", "class", "parameters", "description"]
    ]


def run(args):
    """The ``presets`` command."""
    print("Presets (sknn_estimators.PRESETS), for --model and --estimator:\n")
    print(output.format_table(presets_table()))
    return EXIT_OK
