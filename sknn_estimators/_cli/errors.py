"""Exit codes and the two kinds of error a command raises."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A failure at run time, reported as one ``error: ...`` line (exit 1)."""


class UsageError(Exception):
    """A bad argument found after parsing (exit 2, with the command's usage)."""
