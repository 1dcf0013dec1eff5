"""Directives that write parts of the documentation from the package itself.

- ``.. sknn-presets::`` -- the table of the presets, from
  ``sknn_estimators.describe_presets()``;
- ``.. sknn-cli-help:: [COMMAND]`` -- the ``--help`` text of the
  ``sknn-estimators`` command or of one of its subcommands;
- ``.. sknn-benchmark-report:: PATH`` -- the benchmark report at PATH (relative
  to the repository), or a note saying how to make it when there is none yet.

Each page that uses them is rebuilt when the module it reads changes.
"""

import contextlib
import inspect
import io
import os
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


def _rst_cell(text):
    """Text for one cell of a list-table: one line, no stray markup."""
    return " ".join(str(text).split())


class PresetsTable(SphinxDirective):
    """The presets of ``sknn_estimators.PRESETS`` as a table: name, class, the
    parameters each sets, description."""

    has_content = False

    def run(self):
        import sknn_estimators
        from sknn_estimators import describe_presets

        self.env.note_dependency(inspect.getsourcefile(sknn_estimators._presets))
        for preset in sknn_estimators.PRESETS.values():
            module = inspect.getmodule(preset.estimator)
            self.env.note_dependency(inspect.getsourcefile(module))
        lines = [
            ".. list-table:: Presets (``sknn_estimators.PRESETS``)",
            "   :header-rows: 1",
            "   :widths: 14 22 34 30",
            "",
            "   * - name",
            "     - class",
            "     - parameters set (the class's defaults otherwise)",
            "     - description",
        ]
        for name, row in describe_presets().iterrows():
            params = f"``{_rst_cell(row['params'])}``" if row["params"] else "(none)"
            lines += [
                f"   * - ``{_rst_cell(name)}``",
                f"     - :class:`~sknn_estimators.{_rst_cell(row['class'])}`",
                f"     - {params}",
                f"     - {_rst_cell(row['description'])}",
            ]
        return self.parse_text_to_nodes("\n".join(lines))


class BenchmarkReport(SphinxDirective):
    """A benchmark report (markdown, as the benchmarks write it), included as is.

    MyST parses it; its own first heading becomes a section of the page. When
    the report does not exist, a note with the directive's content (how to make
    the report) stands in its place; no other report is shown instead.
    """

    has_content = True
    required_arguments = 1  # the report's path, relative to the repository

    def run(self):
        report = Path(self.env.srcdir).parent / self.arguments[0]
        self.env.note_dependency(str(report))
        if report.is_file():
            # Sphinx reads an include path that starts with "/" from the docs folder.
            path = os.path.relpath(report, self.env.srcdir)
            text = f".. include:: /{path}\n   :parser: myst_parser.sphinx_"
        else:
            how = " ".join(self.content) or "Run the benchmarks to write it."
            text = f".. note::\n\n   No report yet at ``{self.arguments[0]}``. {how}"
        return self.parse_text_to_nodes(text)


class CLIHelp(SphinxDirective):
    """The ``--help`` output of ``sknn-estimators [COMMAND]``, as a literal block."""

    has_content = False
    optional_arguments = 1

    def run(self):
        from sknn_estimators import _cli

        # The command is a package (parser, options, one module per command).
        for module in Path(inspect.getsourcefile(_cli)).parent.glob("*.py"):
            self.env.note_dependency(str(module))
        argv = [*self.arguments, "--help"]
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            code = _cli.main(argv)
        if code != 0:
            raise self.error(
                f"`sknn-estimators {' '.join(argv)}` exited with code {code}."
            )
        text = f"$ sknn-estimators {' '.join(argv)}\n{output.getvalue().rstrip()}"
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("sknn-benchmark-report", BenchmarkReport)
    app.add_directive("sknn-presets", PresetsTable)
    app.add_directive("sknn-cli-help", CLIHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
