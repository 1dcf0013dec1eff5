"""Run scikeras' own tests and tutorials against ``sknn_estimators.wrappers``.

Usage::

    python tools/scikeras_compat.py SNAPSHOT [--tests] [--tutorials] [-k EXPR]
        [--junit FILE] [--strict] [--expected FILE] [--timeout SECONDS]

SNAPSHOT is a snapshot of https://github.com/adriangb/scikeras: a bare git
repository (read with ``git archive HEAD``) or an extracted checkout. Nothing
of scikeras is copied into this repository; the snapshot is copied into a
temporary directory and the copy is changed there. With neither ``--tests``
nor ``--tutorials``, both run. The package under test is the one in the
repository this script lives in: its root goes first on ``PYTHONPATH``, so a
worktree tests its own code even when another checkout is installed editable.

What changes in the copy, and nothing else:

* ``from scikeras.wrappers import ...`` becomes
  ``from sknn_estimators.wrappers import ...``.
* ``from scikeras.<module> import NAMES`` (``scikeras.utils``,
  ``scikeras.utils.transformers``, ``scikeras.utils.random_state``, any
  ``scikeras._...``) becomes an import from ``sknn_estimators.wrappers`` when
  that module exports every name in ``__all__``. Otherwise, in the tests:

  - a test module that imports such a name is deselected and the reason
    printed: those modules (``test_utils.py``, ``test_utils_transformers.py``,
    ``test_random_state.py``) test scikeras' own helpers, not the wrapper;
  - the helper ``multi_output_models.py`` subclasses
    ``ClassifierLabelEncoder``, and ``test_input_outputs.py``,
    ``test_compile_kwargs.py`` and ``test_scikit_learn_checks.py`` import it.
    ``ClassifierLabelEncoder`` (and ``RegressorTargetEncoder``) are the
    classes of the wrappers' default ``target_encoder``, so the name is bound
    to ``type(KerasClassifier().target_encoder)`` of ours: the class a user
    subclasses to change the default target encoding.

  In the tutorials the import is rewritten to ``sknn_estimators.wrappers``
  anyway: a tutorial must run with only the import changed, so a missing name
  is a failure to report.
* Keras renamed ``keras.src.backend.common.variables.KerasVariable``, which
  ``test_compile_kwargs.py`` imports; the import becomes the public
  ``from keras import Variable as KerasVariable`` (``KERAS_RENAMES``), or the
  whole module would fail to collect whatever the wrapper does.
* Tests that download data (they mention ``fetch_california_housing``,
  ``fetch_openml`` or ``mnist.load_data``) are deselected and printed.
* Tutorials: the python cells of each MyST notebook run in a fresh
  subprocess. ``!`` shell lines become ``pass``; ``%memit STMT``, ``%timeit
  STMT`` and ``%time STMT`` run ``STMT`` once; other ``%`` magics are dropped.
  A preamble (``TUTORIAL_PREAMBLE`` below) replaces the data downloads with
  offline stand-ins; the tutorial code itself is not edited.

The report gives the counts and the failures grouped by test file. It exits 0
unless ``--strict`` is given; then it exits 1 when a test or tutorial fails
that ``--expected FILE`` does not list (lines ``nodeid  # reason``; tutorials
are listed as ``tutorial::NAME``).
"""

import argparse
import ast
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OURS = "sknn_estimators.wrappers"
TUTORIALS = (
    "Basic_Usage",
    "MLPClassifier_MLPRegressor",
    "Meta_Estimators",
    "DataTransformers",
    "AutoEncoders",
    "sparse",
    "Benchmarks",
)
DOWNLOADS = ("fetch_california_housing", "fetch_openml", "mnist.load_data")
# scikeras' default target encoders, found as the class of our default.
TARGET_ENCODERS = {
    "ClassifierLabelEncoder": "KerasClassifier",
    "RegressorTargetEncoder": "KerasRegressor",
}
# Private Keras names that scikeras' tests import, and today's public name.
KERAS_RENAMES = {
    "from keras.src.backend.common.variables import KerasVariable": (
        "from keras import Variable as KerasVariable"
    ),
}
OUTCOMES = {"failure": "failed", "error": "errors", "skipped": "skipped"}
SCIKERAS_IMPORT = re.compile(
    r"^(?P<indent>[ \t]*)from scikeras(?P<module>(?:\.\w+)*) import "
    r"(?P<names>\([^)]*\)|[^\n]*)",
    re.MULTILINE,
)

# Offline stand-ins for the tutorials' downloads, with the same shapes per
# sample and the same dtypes, on fewer samples.
TUTORIAL_PREAMBLE = '''\
# ---- offline stand-ins (tools/scikeras_compat.py), not part of the tutorial
import keras as _keras
import numpy as _np
import sklearn.datasets as _skd
from sklearn.utils import Bunch as _Bunch


def _mnist_standin(path="mnist.npz"):
    """MNIST's shapes and dtypes from sklearn's 8x8 digits: each pixel
    becomes a 3x3 block, padded to 28x28, scaled to uint8 0-255."""
    digits = _skd.load_digits()
    images = _np.kron(digits.images, _np.ones((3, 3)))
    images = _np.pad(images, ((0, 0), (2, 2), (2, 2)))
    images = (images * (255 / 16)).round().astype("uint8")
    labels = digits.target.astype("uint8")
    return (images[:-500], labels[:-500]), (images[-500:], labels[-500:])


def _california_housing_standin(*, return_X_y=False, as_frame=False, **_):
    X, y = _skd.make_regression(20640, 8, n_informative=8, random_state=0)
    y = (y - y.min()) / (y.max() - y.min()) * 5
    if return_X_y:
        return X, y
    return _Bunch(data=X, target=y, feature_names=[f"x{i}" for i in range(8)])


_keras.datasets.mnist.load_data = _mnist_standin
_skd.fetch_california_housing = _california_housing_standin
# ---- end of stand-ins
'''


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run scikeras' tests and tutorials against sknn_estimators."
    )
    parser.add_argument("snapshot", type=Path, help="bare git repo or checkout")
    parser.add_argument("--tests", action="store_true", help="run the tests")
    parser.add_argument("--tutorials", action="store_true", help="run tutorials")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    parser.add_argument("--junit", type=Path, help="keep pytest's junit xml here")
    parser.add_argument("--strict", action="store_true", help="exit 1 on failures")
    parser.add_argument("--expected", type=Path, help="allowed failures")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds per tutorial"
    )
    args = parser.parse_args(argv)
    if not (args.tests or args.tutorials):
        args.tests = args.tutorials = True

    started = time.monotonic()
    env = _environment()
    exported = _header(env)
    failed = []
    with tempfile.TemporaryDirectory(prefix="scikeras_compat_") as tmp:
        source = _extract(args.snapshot, Path(tmp) / "scikeras")
        if args.tests:
            failed += run_tests(source, Path(tmp), exported, env, args)
        if args.tutorials:
            failed += run_tutorials(source, Path(tmp), env, args.timeout)
    print(f"\nTotal time: {time.monotonic() - started:.0f} s")

    if not args.strict:
        return 0
    allowed = _read_expected(args.expected) if args.expected else {}
    unexpected = [nodeid for nodeid in failed if nodeid not in allowed]
    print(f"{len(unexpected)} failure(s) not in the expected list")
    for nodeid in unexpected:
        print(f"  {nodeid}")
    return 1 if unexpected else 0


def _environment():
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2")
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), path]))
    return env


def _header(env):
    """Print what is tested, and return the names ``OURS`` exports."""
    probe = (
        "import json, sknn_estimators, sknn_estimators.wrappers as w; "
        "print(json.dumps([sknn_estimators.__file__, list(w.__all__)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(f"cannot import {OURS}:\n{out.stderr}")
    package_file, exported = json.loads(out.stdout.splitlines()[-1])
    print(f"python: {sys.executable}")
    print(f"sknn_estimators: {package_file}")
    print(f"{OURS} exports: {', '.join(exported)}")
    return set(exported)


def _extract(snapshot, dest):
    """Copy the snapshot's files to ``dest``; a bare repo through git archive."""
    snapshot = snapshot.resolve()
    if (snapshot / "tests").is_dir():
        shutil.copytree(snapshot, dest, ignore=shutil.ignore_patterns(".git"))
        print(f"snapshot: {snapshot} (checkout)")
        return dest
    dest.mkdir()
    rev = subprocess.run(
        ["git", "-C", str(snapshot), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.Popen(
        ["git", "-C", str(snapshot), "archive", "HEAD"], stdout=subprocess.PIPE
    )
    subprocess.run(["tar", "x", "-C", str(dest)], stdin=archive.stdout, check=True)
    if archive.wait():
        sys.exit(f"git archive failed in {snapshot}")
    print(f"snapshot: {snapshot} (bare repository, HEAD {rev})")
    return dest


def swap_imports(text, exported, fallback):
    """Rewrite scikeras imports to ``OURS``; return the text and the names
    that ``OURS`` does not export. ``fallback(indent, names)`` gives the
    replacement for such an import, or None to leave it as it is."""
    missing = []

    def replace(match):
        indent, module = match["indent"], match["module"]
        names = [n.strip() for n in match["names"].strip("()").split(",")]
        names = [n for n in names if n]
        absent = [
            n.split(" as ")[0] for n in names if n.split(" as ")[0] not in exported
        ]
        if module == ".wrappers" or not absent:
            return f"{indent}from {OURS} import {match['names']}"
        missing.extend(f"scikeras{module}.{name}" for name in absent)
        replacement = fallback(indent, names)
        return match[0] if replacement is None else replacement

    return SCIKERAS_IMPORT.sub(replace, text), missing


def run_tests(source, tmp, exported, env, args):
    print("\n== scikeras tests")
    tests = tmp / "tests"
    shutil.copytree(source / "tests", tests)
    (tmp / "pytest.ini").write_text("[pytest]\n")  # not our pyproject's settings
    ignored = {}
    for path in sorted(tests.glob("*.py")):
        text, missing = swap_imports(
            path.read_text(),
            exported,
            functools.partial(_encoder_stand_in, path=path),
        )
        for old, new in KERAS_RENAMES.items():
            if old in text:
                text = text.replace(old, new)
                print(f"tests/{path.name}: {old} -> {new}")
        path.write_text(text)
        if missing and path.name.startswith("test_"):
            ignored[path.name] = missing

    print("Deselected modules (they test scikeras helpers we do not export):")
    for name, missing in ignored.items():
        print(f"  tests/{name}: imports {', '.join(missing)}")
    downloads = _download_tests(tests)
    print("Deselected tests (they download data):")
    for nodeid in downloads:
        print(f"  {nodeid}")

    junit = args.junit.resolve() if args.junit else tmp / "junit.xml"
    command = [sys.executable, "-m", "pytest", "tests", "-c", "pytest.ini"]
    command += [
        "-p",
        "no:cacheprovider",
        "-q",
        "--tb=short",
        "--show-capture=no",
        "--continue-on-collection-errors",
        f"--junit-xml={junit}",
    ]
    command += [f"--ignore=tests/{name}" for name in ignored]
    command += [f"--deselect={nodeid}" for nodeid in downloads]
    if args.keyword:
        command += ["-k", args.keyword]
    print("$ " + " ".join(command[1:]), flush=True)
    subprocess.run(command, cwd=tmp, env=env)
    return _report_junit(junit, tmp)


def _encoder_stand_in(indent, names, path):
    """In a helper module, bind scikeras' default target encoders to the class
    of ours; other names are imported from ours all the same (and fail)."""
    if path.name.startswith("test_"):
        return None  # the module is deselected
    if not all(n in TARGET_ENCODERS for n in names):
        return _all_from_ours(indent, names)
    lines = [
        f"{indent}from {OURS} import {TARGET_ENCODERS[n]} as _{n}Owner  # noqa"
        for n in names
    ]
    lines += [f"{indent}{n} = type(_{n}Owner().target_encoder)" for n in names]
    print(f"tests/{path.name}: {', '.join(names)} = the class of our default")
    return "\n".join(lines)


def _download_tests(tests):
    """The nodeids of the test functions that mention a download."""
    nodeids = []
    for path in sorted(tests.glob("test_*.py")):
        text = path.read_text()
        for node, owner in _test_functions(ast.parse(text)):
            body = ast.get_source_segment(text, node)
            if any(name in body for name in DOWNLOADS):
                prefix = f"tests/{path.name}::" + (f"{owner}::" if owner else "")
                nodeids.append(prefix + node.name)
    return nodeids


def _test_functions(module):
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            yield node, None
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    yield item, node.name


def _report_junit(junit, root):
    """Print the counts and the failures by file; return the failed nodeids."""
    if not junit.exists():
        print("pytest wrote no junit report")
        return ["tests"]
    counts = defaultdict(int)
    by_file = defaultdict(list)
    for case in ET.parse(junit).iter("testcase"):
        nodeid = _nodeid(case, root)
        outcome = "passed"
        for child in case:
            outcome = OUTCOMES.get(child.tag, outcome)
            if child.tag in ("failure", "error"):
                by_file[nodeid.split("::")[0]].append((nodeid, _first_line(child)))
        counts[outcome] += 1

    print("\n== failures and errors by file")
    for path in sorted(by_file):
        print(f"{path} ({len(by_file[path])})")
        for nodeid, first in by_file[path]:
            print(f"  {nodeid}: {first}")
    summary = ", ".join(
        f"{counts[k]} {k}" for k in ("passed", "failed", "errors", "skipped")
    )
    print(f"\nscikeras tests: {summary}")
    return [nodeid for failures in by_file.values() for nodeid, _ in failures]


def _first_line(element):
    """The error's first line; after a bare "ValueError:", the next one too."""
    text = element.get("message") or element.text or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    count = 2 if lines and lines[0].endswith(":") else 1
    return " ".join(lines[:count])[:200]


def _nodeid(case, root):
    """pytest's nodeid from junit's dotted classname and the test's name."""
    parts = case.get("classname", "").split(".")
    for i in range(len(parts), 0, -1):
        path = "/".join(parts[:i]) + ".py"
        if (root / path).exists():
            return "::".join([path, *parts[i:], case.get("name", "")])
    return "::".join(filter(None, [case.get("classname"), case.get("name")]))


CELL = re.compile(r"^```(?:python|\{code-cell\}[^\n]*)\n(.*?)^```", re.M | re.S)
TIMED_MAGIC = re.compile(r"^(\s*)%(?:memit|timeit|time)\s+(.*)$")


def tutorial_script(markdown):
    """The notebook's python cells as one script, the imports swapped."""
    cells = []
    for number, match in enumerate(CELL.finditer(markdown), 1):
        lines = []
        for line in match[1].splitlines():
            stripped = line.lstrip()
            indent = line[: len(line) - len(stripped)]
            if stripped.startswith("!"):
                line = f"{indent}pass  # was: {stripped}"
            elif timed := TIMED_MAGIC.match(line):
                line = f"{timed[1]}{timed[2]}  # was: {stripped}"
            elif stripped.startswith("%"):
                line = f"{indent}# dropped: {stripped}"
            lines.append(line)
        text, _ = swap_imports("\n".join(lines), (), _all_from_ours)
        cells.append(f"# ---- cell {number}\n{text}\n")
    return TUTORIAL_PREAMBLE + "\n" + "\n".join(cells)


def _all_from_ours(indent, names):
    return f"{indent}from {OURS} import {', '.join(names)}"


def run_tutorials(source, tmp, env, timeout):
    print("\n== scikeras tutorials", flush=True)
    notebooks = source / "docs" / "source" / "notebooks"
    work = tmp / "tutorials"
    work.mkdir()
    failed = []
    for name in TUTORIALS:
        script = work / f"{name}.py"
        script.write_text(tutorial_script((notebooks / f"{name}.md").read_text()))
        started = time.monotonic()
        try:
            run = subprocess.run(
                [sys.executable, script.name],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            ok, stderr = run.returncode == 0, run.stderr
        except subprocess.TimeoutExpired:
            ok, stderr = False, f"timed out after {timeout:.0f} s"
        seconds = time.monotonic() - started
        print(f"{name}: {'passed' if ok else 'FAILED'} ({seconds:.0f} s)", flush=True)
        if not ok:
            failed.append(f"tutorial::{name}")
            print(f"    in {_failing_cell(script, stderr)}")
            tail = stderr.strip().splitlines()[-12:]
            print("\n".join("    " + line for line in tail))
    print(
        f"\nscikeras tutorials: {len(TUTORIALS) - len(failed)} passed, "
        f"{len(failed)} failed"
    )
    return failed


def _failing_cell(script, stderr):
    """The notebook cell of the script's last line in the traceback."""
    lines = re.findall(rf'File "[^"]*{re.escape(script.name)}", line (\d+)', stderr)
    if not lines:
        return "no cell (see the tail)"
    code = script.read_text().splitlines()[: int(lines[-1])]
    cells = [
        line.removeprefix("# ---- ") for line in code if line.startswith("# ---- cell ")
    ]
    cell = cells[-1] if cells else "the preamble"
    return f"{cell}: {code[-1].strip()}"


def _read_expected(path):
    """``nodeid  # reason`` lines; blank lines and ``#`` comments skipped."""
    allowed = {}
    for line in path.read_text().splitlines():
        nodeid, _, reason = line.partition("#")
        if nodeid.strip():
            allowed[nodeid.strip()] = reason.strip()
    return allowed


if __name__ == "__main__":
    sys.exit(main())
