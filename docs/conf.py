"""Sphinx configuration of the sknn-estimators documentation.

Build with ``make docs`` (warnings are errors). Nothing here reaches the
network: no intersphinx inventories, no remote theme assets.
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # the package and benchmarks/, without installing
sys.path.insert(0, str(DOCS / "_ext"))

# The gallery examples and the API pages import Keras: keep TensorFlow quiet and
# on the backend the package needs, before anything imports it.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sknn_estimators  # noqa: E402
from sknn_estimators._keras_runtime import import_keras  # noqa: E402

# TensorFlow logs start-up notices while its libraries load; importing it
# through the package holds them back (the gallery's examples import Keras
# directly, and would otherwise be the first to import it).
import_keras()

project = "sknn-estimators"
author = "sknn-estimators developers"
copyright = "sknn-estimators developers"  # noqa: A001
release = sknn_estimators.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "sknn_docs",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"

# -- autodoc / autosummary ---------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say it all

# -- numpydoc ------------------------------------------------------------------
# The class template lists the methods itself; numpydoc's own member tables
# would document them twice (duplicate-object warnings).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- intersphinx ----------------------------------------------------------------
# No mappings: this machine and CI have no network, and a mapping would make
# every build try (and fail) to fetch a remote inventory. References to
# scikit-learn objects render as code.
intersphinx_mapping = {}

# -- sphinx-gallery ------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": ("sknn_estimators",),
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "write_computation_times": False,
    "remove_config_comments": True,
    "within_subsection_order": "ExampleTitleSortKey",  # iris (no TensorFlow) first
    "min_reported_time": 1,
}

# -- MyST (only to include CHANGELOG.md and the benchmark report) -------------
myst_enable_extensions = []
myst_heading_anchors = 3

# -- HTML ------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sknn-estimators {release}"
html_static_path = ["_static"]
html_css_files = ["sknn.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
# Pages without sub-pages get the full width instead of an empty navigation column.
html_sidebars = {
    page: []
    for page in (
        "index",
        "install",
        "quickstart",
        "migrating_from_scikeras",
        "changelog",
    )
}


# -- documentation of re-exported constants ---------------------------------------
def _attribute_comment(name, obj):
    """The ``#:`` comment of a module-level constant, from the module that
    defines it (the package re-exports constants from private modules, where
    their comments live); None when there is none."""
    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    attr = name.rpartition(".")[2]
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("sknn_estimators"):
            continue
        if getattr(module, attr, None) is not obj:
            continue
        try:
            comments = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except PycodeError:
            continue
        if ("", attr) in comments:
            return list(comments[("", attr)])
    return None


def _document_constants(app, what, name, obj, options, lines):
    if what == "data":
        comment = _attribute_comment(name, obj)
        if comment:
            lines[:] = comment


def setup(app):
    app.connect("autodoc-process-docstring", _document_constants)
