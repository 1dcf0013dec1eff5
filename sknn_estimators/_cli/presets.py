"""``sknn-estimators presets``: the models ``--model`` and ``--estimator`` accept."""

from sknn_estimators._cli import output


def add_parser(subparsers):
    return subparsers.add_parser(
        "presets",
        help="list the presets (CNN and MLP models) with their parameters",
        description="List the models of --model/--estimator: the presets\n"
        "(sknn_estimators.PRESETS), their parameters and descriptions.",
    )


def presets_table():
    """:data:`sknn_estimators.PRESETS` as rows of name, class, parameter and
    value, one parameter per row ("(defaults)" when a preset sets none); the
    name and class on the first row of each preset only."""
    import pandas as pd

    from sknn_estimators import PRESETS

    rows = [
        (name, preset.estimator.__name__, key, repr(value))
        for name, preset in PRESETS.items()
        for key, value in (preset.params.items() or [("(defaults)", "")])
    ]
    table = pd.DataFrame(rows, columns=["name", "class", "parameter", "value"])
    table["value"] = table["value"].replace("''", "")
    table.loc[table["name"].duplicated(), ["name", "class"]] = ""
    return table


def run(args):
    """The ``presets`` command: the table, then each preset's description."""
    import textwrap

    from sknn_estimators import PRESETS

    print("Presets (sknn_estimators.PRESETS), for --model and --estimator:\n")
    print(output.format_table(presets_table()), end="\n\n")
    for name, preset in PRESETS.items():
        print(textwrap.fill(f"{name}: {preset.description}", output.TABLE_WIDTH))
