"""The two kinds of error a command raises; ``app.main`` gives their exit codes."""


class CommandError(Exception):
    """A failure at run time, reported as one ``error: ...`` line (exit 1)."""


class UsageError(Exception):
    """A bad argument found after parsing (exit 2, with the command's usage)."""
