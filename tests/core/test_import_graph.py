"""The layering holds (docs/development.md, "The list of domains and their layers"): core at the bottom,
no domain imports a domain listed after it in core.domains.DOMAINS, and no two modules import each other,
however indirectly, even through an import hidden inside a function.

The graph is read from the source (ast), so an import that only runs on some path counts as well."""

import ast
from pathlib import Path

import epiqr
from epiqr.core.domains import DOMAINS

SRC = Path(epiqr.__file__).parent
# Project wiring (settings, urls, the API's mount, the command line) sits above every domain.
WIRING = {"epiqr", "epiqr.settings", "epiqr.urls", "epiqr.api", "epiqr.wsgi", "epiqr.cli", "epiqr.__main__"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The epiqr modules an import statement reads (`from . import x` names module x when it is one)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
            parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join(parts + ([node.module] if node.module else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    out = []
    for name in names:
        while name not in MODULES and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in MODULES and name != module and name.startswith("epiqr"):
            out.append(name)
    return out


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: line}, every import statement (module level or inside a function)."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        edges = graph.setdefault(module, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(module, node):
                    edges.setdefault(target, node.lineno)
    return graph


def domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in DOMAINS else None


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return found


def test_the_graph_reader_sees_imports_inside_functions():
    graph = import_graph()
    assert "epiqr.core.events" in graph["epiqr.cases.services"]
    assert set(MODULES) >= {"epiqr.core.domains", "epiqr.cases.events", "epiqr.settings"}


def test_circles_are_found():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b": 1}, "b": {}}) == []


def test_no_domain_imports_a_domain_above_it():
    rank = {name: i for i, name in enumerate(DOMAINS)}
    upward = []
    for module, edges in import_graph().items():
        if module in WIRING:
            continue
        here = domain(module)
        assert here is not None, f"{module} belongs to no domain: add it to one, or to WIRING here"
        for target, line in edges.items():
            there = domain(target)
            if target in WIRING:
                upward.append(f"{module}:{line} imports the project wiring {target}")
            elif rank[there] > rank[here]:
                upward.append(f"{module}:{line} imports {target} ({there} is above {here})")
    assert upward == [], "\n".join(
        ["imports against the layer order of core/domains.py (react through events instead):", *upward]
    )


# Circles left, each with its reason; this list only shrinks.
KNOWN_CIRCLES = [
    # keyring.signer makes a development key on first use through services.signing_key_rotate, whose
    # writes use keyring's key material: split keyring into its pure part and the key services/selectors.
    ["epiqr.core.keyring", "epiqr.core.services"],
]


def test_no_import_circle_between_modules():
    found = circles(import_graph())
    new = [c for c in found if c not in KNOWN_CIRCLES]
    assert new == [], "modules importing each other: " + "; ".join(" <-> ".join(c) for c in new)
    gone = [c for c in KNOWN_CIRCLES if c not in found]
    assert gone == [], f"remove {gone} from KNOWN_CIRCLES: the circle is gone"
