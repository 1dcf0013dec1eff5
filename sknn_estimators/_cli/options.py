"""The options several commands share, each declared once as a parent parser
that a command lists in its ``parents``."""

import argparse
import textwrap
from pathlib import Path

from sknn_estimators._cli.arguments import int_at_least


def _parent(*flags, **kwargs):
    """A parent parser declaring one option (more can be added to it)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(*flags, **kwargs)
    return parent


def debug():
    """``--debug``: show the traceback of an error."""
    return _parent(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,  # do not hide a --debug given before COMMAND
        help="show the full traceback of an error",
    )


def out(default, help):
    """``--out DIR``: the output folder, with a command's default and help."""
    # argparse passes a string default through ``type`` too: a Path, or None.
    return _parent("--out", type=Path, default=default, metavar="DIR", help=help)


def training(preset_flag, preset_help, *, out):
    """The options of the commands that train a preset: the preset
    (``preset_flag``, a name of ``sknn_estimators.PRESETS``), where the
    Fashion-MNIST files are, ``--limit``, ``--random-state`` and ``out`` (the
    command's :func:`out`)."""
    from sknn_estimators import PRESETS

    parent = _parent(
        preset_flag, choices=list(PRESETS), default="cnn", help=preset_help
    )
    files = parent.add_argument_group("Fashion-MNIST files")
    files.add_argument(
        "--data-home",
        type=Path,
        metavar="DIR",
        help=(
            "folder holding the Fashion-MNIST .gz files (directly or in "
            "fashion-mnist/); default: $SKNN_ESTIMATORS_DATA, "
            "~/sknn_estimators_data, then Keras' cache"
        ),
    )
    files.add_argument(
        "--download",
        action="store_true",
        help="download missing files (default: only use files already there)",
    )
    parent.add_argument(
        "--limit",
        type=int_at_least(1),
        metavar="N",
        help="use only the first N samples (quick runs)",
    )
    parent.add_argument(
        "--random-state",
        type=int_at_least(0),
        default=0,
        metavar="SEED",
        help="seed of the estimator: weights and shuffling (default: %(default)s)",
    )
    return [parent, out]


def presets_listing(title):
    """The presets, one wrapped paragraph each, for a command's description."""
    from sknn_estimators import PRESETS

    width = max(map(len, PRESETS)) + 3
    return f"{title}:\n" + "\n".join(
        textwrap.fill(
            f"{preset.estimator.__name__}: {preset.description}",
            width=86,
            initial_indent=f"  {name:<{width - 3}} ",
            subsequent_indent=" " * width,
            break_on_hyphens=False,
        )
        for name, preset in PRESETS.items()
    )
