"""``main``: parse the arguments, run the command, turn errors into exit codes."""

import sys
import traceback
import warnings

from sknn_estimators._cli.errors import UsageError
from sknn_estimators._cli.output import WarningPrinter, one_line
from sknn_estimators._cli.parser import build_parser

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv=None):
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    code : int
        0 on success, 1 for a failure at run time, 2 for a usage error, 130 when
        interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    with warnings.catch_warnings():
        warnings.showwarning = WarningPrinter()
        try:
            args.run(args)
            return EXIT_OK
        except UsageError as exc:
            args.parser.print_usage(sys.stderr)
            print(f"{args.parser.prog}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            if args.debug:
                traceback.print_exc()
            print(f"error: {one_line(exc)}", file=sys.stderr)
            return EXIT_FAILURE
