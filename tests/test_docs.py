"""The documentation sources: the API reference lists every public name, each
public class and function documents an example, and the ``>>>`` snippets of the
user guide run. (``make docs`` builds the pages themselves.)"""

import doctest
import inspect
import json
import re
from pathlib import Path

import pytest

import sknn_estimators
import sknn_estimators.datasets
import sknn_estimators.plotting
import sknn_estimators.wrappers

DOCS = Path(__file__).resolve().parents[1] / "docs"
API_PAGE = DOCS / "api.rst"
#: Folders of the docs that are generated at build time, not written by hand.
GENERATED = ("_build", "generated", "auto_examples")


def public_names():
    """The full dotted name of every public object, from the ``__all__`` lists."""
    names = []
    for module in (
        sknn_estimators,
        sknn_estimators.datasets,
        sknn_estimators.plotting,
        sknn_estimators.wrappers,
    ):
        names += [f"{module.__name__}.{name}" for name in module.__all__]
    return names


def documented_names(text):
    """Full names listed in the ``autosummary`` tables of an .rst page, resolved
    against the ``currentmodule`` in force where each table stands."""
    names = []
    current = None
    in_table = False
    for line in text.splitlines():
        module = re.match(r"\.\. currentmodule:: (\S+)", line)
        if module:
            current = module.group(1)
            continue
        if line.startswith(".. autosummary::"):
            in_table = True
            continue
        if in_table:
            entry = line.strip()
            if line and not line.startswith(" "):  # back at column 0: table over
                in_table = False
            elif entry and not entry.startswith(":"):
                names.append(f"{current}.{entry.lstrip('~')}")
    return names


def test_the_api_reference_lists_every_public_name():
    documented = documented_names(API_PAGE.read_text(encoding="utf-8"))
    missing = sorted(set(public_names()) - set(documented))
    assert not missing, f"docs/api.rst does not list {missing}; add them."


def test_the_api_reference_lists_only_public_names():
    documented = documented_names(API_PAGE.read_text(encoding="utf-8"))
    assert len(documented) == len(set(documented)), "a name is listed twice"
    extra = sorted(set(documented) - set(public_names()))
    assert not extra, f"docs/api.rst lists {extra}, which no __all__ exports."


def test_the_autosummary_parser_reads_tables_and_modules():
    text = (
        ".. currentmodule:: pkg\n\n.. autosummary::\n   :toctree: generated/\n\n"
        "   A\n   ~b\n\nSection\n=======\n\n.. currentmodule:: pkg.sub\n\n"
        ".. autosummary::\n\n   c\n\nnot_a_name\n"
    )
    assert documented_names(text) == ["pkg.A", "pkg.b", "pkg.sub.c"]


def public_object(name):
    module_name, _, attr = name.rpartition(".")
    return getattr(__import__(module_name, fromlist=[attr]), attr)


def public_classes_and_functions():
    """Public names with docstrings of their own (constants have ``#:`` comments)."""
    return [
        name
        for name in public_names()
        if inspect.isclass(public_object(name))
        or inspect.isfunction(public_object(name))
    ]


def test_classes_and_functions_are_found():
    names = public_classes_and_functions()
    assert "sknn_estimators.FashionCNNClassifier" in names
    assert "sknn_estimators.datasets.FASHION_MNIST_CLASSES" not in names


@pytest.mark.parametrize("name", public_classes_and_functions())
def test_each_public_class_and_function_has_an_examples_section(name):
    doc = inspect.getdoc(public_object(name)) or ""
    assert re.search(r"^Examples\n-{8}$", doc, re.MULTILINE), (
        f"the docstring of {name} has no numpydoc Examples section"
    )
    assert ">>> " in doc


def user_guide_pages_with_snippets():
    pages = []
    for path in sorted(DOCS.rglob("*.rst")):
        if any(part in GENERATED for part in path.relative_to(DOCS).parts):
            continue
        if ">>> " in path.read_text(encoding="utf-8"):
            pages.append(path)
    return pages


def test_some_pages_have_snippets_to_run():
    assert {p.name for p in user_guide_pages_with_snippets()} >= {
        "quickstart.rst",
        "mlp_presets.rst",
    }


@pytest.mark.parametrize("page", user_guide_pages_with_snippets(), ids=lambda p: p.stem)
def test_the_snippets_of_a_page_run(page):
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} snippet(s) of {page.name} failed"


def test_readme_targets_are_the_latest_benchmark_report():
    """README's block of targets is the one ``python -m benchmarks.targets
    --readme`` wrote to ``benchmarks/results/targets.md`` from asv's results,
    so the two cannot drift apart."""
    root = DOCS.parent
    report = (root / "benchmarks" / "results" / "targets.md").read_text()
    readme = (root / "README.md").read_text()
    start, end = "<!-- targets.py writes this block: start -->\n", "<!-- end -->"
    block = readme.split(start, 1)[1].split(end, 1)[0]
    assert block == report
    assert report.startswith("- Command: `make bench") and "| target |" in report


def test_readme_keeps_the_former_harness_report():
    """README's copy of the former harness's last run (run description and
    table) is the one in ``benchmarks/results/latest.md``, line for line."""
    root = DOCS.parent
    report = (root / "benchmarks" / "results" / "latest.md").read_text()
    readme = (root / "README.md").read_text()
    wanted = [
        line
        for line in report.split("\n## ", 2)[0].splitlines()
        if line.startswith(("- Command:", "- Date:", "- Machine:", "- Data:"))
    ]
    targets = report.split("## Targets\n", 1)[1].split("\n## ", 1)[0]
    wanted += [line for line in targets.splitlines() if line.startswith("|")]
    assert len(wanted) > 6, "latest.md has no run description or targets table"
    missing = [line for line in wanted if line not in readme.splitlines()]
    assert not missing, (
        "README.md's benchmark section differs from benchmarks/results/latest.md; "
        "copy these lines from the report:\n" + "\n".join(missing)
    )


def test_published_preset_figures_are_the_cross_validation_report():
    """The regularised preset's description and README quote the preset's
    cross-validated accuracy (mean ± std) and fit-time ratio as the protocol's
    report has them, and the report scored the preset's current parameters: a
    changed preset or a new report cannot leave stale figures behind."""
    from sknn_estimators import PRESETS

    root = DOCS.parent
    report = json.loads(
        (root / "benchmarks" / "results" / "cross_validation.json").read_text()
    )
    preset = PRESETS["cnn-regularised"]
    runs = [r for r in report["runs"] if r["model"] == preset.name]
    assert len(runs) == 5, "the report does not hold 5 folds of the preset"
    scored = {json.dumps(json.loads(r["options"][1]), sort_keys=True) for r in runs}
    current = json.dumps(
        {k: list(v) if isinstance(v, tuple) else v for k, v in preset.params.items()},
        sort_keys=True,
    )
    assert scored == {current}, (
        "benchmarks/results/cross_validation.json scored other parameters than "
        "PRESETS['cnn-regularised']; run python -m benchmarks.cross_validate again"
    )
    row = report["models"][preset.name]
    figures = [
        f"{100 * row['mean_accuracy']:.2f}% ± {100 * row['std_accuracy']:.2f}",
        f"{row['time_ratio']:.2f}x",
    ]
    readme = (root / "README.md").read_text()
    for where, text in (("its description", preset.description), ("README", readme)):
        missing = [figure for figure in figures if figure not in text]
        assert not missing, f"{where} does not quote {missing} from the report"
