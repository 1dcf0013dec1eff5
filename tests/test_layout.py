"""The package's layout: no import circle between its modules, lazy imports
(inside functions) included."""

import ast
from pathlib import Path

import sknn_estimators

PACKAGE = Path(sknn_estimators.__file__).parent


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path, modules):
    """The package modules that ``path`` imports anywhere in its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(name for name in names if name in modules)
    return found


def import_graph():
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        edges = imported_modules(path, paths) - {name}
        # Importing a submodule runs its package's __init__ first; the
        # package's lazy __init__ (PEP 562) imports nothing at module level.
        graph[name] = {e for e in edges if not name.startswith(e + ".")}
    return graph


def find_cycle(graph):
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt, [*stack, nxt])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_the_import_graph_is_found():
    graph = import_graph()
    assert "sknn_estimators._base" in graph["sknn_estimators._cnn"] | {
        m for m in graph["sknn_estimators._wrappers"]
    }
    assert "sknn_estimators._persistence" in graph["sknn_estimators._base"]


def test_no_import_circle_lazy_imports_included():
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
