"""The argument parser of ``sknn-estimators``: the top level and one
sub-parser per command, each built by its command's module."""

import argparse
import textwrap

from sknn_estimators._cli import demo, fashion, grid, options, presets

PROG = "sknn-estimators"

#: The commands, in the order of the help; each module has ``add_parser``
#: (which returns the command's parser) and ``run``.
COMMANDS = (demo, fashion, grid, presets)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Raw descriptions; option help wrapped at 88 columns, never at hyphens."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=32, width=88)

    def _split_lines(self, text, width):
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class CommandParser(argparse.ArgumentParser):
    """The parser of one command.

    Any error in a command's arguments, an unknown option included, prints
    that command's usage (argparse would report unknown options with the
    top-level usage). Every command takes ``--debug``. ``args.parser`` is the
    command's parser, for the usage errors found after parsing.
    """

    def __init__(self, *, parents=(), **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(parents=[options.debug(), *parents], **kwargs)
        self.set_defaults(parser=self)

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


def build_parser():
    """The argument parser of ``sknn-estimators``."""
    from sknn_estimators import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=HelpFormatter,
        description=(
            "The Fashion-MNIST tutorial's workflow with scikit-learn compatible "
            "neural networks:\ntrain, evaluate, report and plot."
        ),
        epilog=(
            f"Run '{PROG} COMMAND --help' for the options of a command.\n"
            "Exit codes: 0 success, 1 failure (e.g. missing data), 2 usage error."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error"
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=CommandParser
    )
    for command in COMMANDS:
        command.add_parser(subparsers).set_defaults(run=command.run)
    return parser
