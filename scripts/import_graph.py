"""Print the package-level import graph of `dailypapers`: edges, cycles, longest module, type-ignore count.

Usage: python scripts/import_graph.py [--all]

Packages are the first component under `dailypapers/` (a top-level module such as `db.py` counts as its own
package). Entry points (app, cli, wiring, models, migrations, __main__) are left out unless `--all` is given,
because they import everything by design. Exit status 1 when any cycle is found, so the check can be scripted.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "dailypapers"
ENTRY_POINTS = {"app", "cli", "wiring", "models", "migrations", "__main__", "__init__"}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "dailypapers" or len(parts) < 2:
        return None
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; returns the components with more than one member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def main() -> int:
    include_all = "--all" in sys.argv
    graph: dict[str, set[str]] = defaultdict(set)
    longest = (0, "")
    ignores = 0
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text()
        lines = text.count("\n")
        longest = max(longest, (lines, str(path.relative_to(ROOT.parent))))
        ignores += text.count("type: ignore")
        source = package_of(module_name(path)) if path.parent != ROOT else path.stem
        if source is None or (not include_all and source in ENTRY_POINTS):
            continue
        for target_module in imports_of(path):
            target = package_of(target_module)
            if target is None or target == source or (not include_all and target in ENTRY_POINTS):
                continue
            if (ROOT / target).is_dir() or (ROOT / f"{target}.py").exists():
                graph[source].add(target)
    edges = sum(len(targets) for targets in graph.values())
    cycles = strongly_connected(graph)
    print(f"packages: {len(set(graph) | {t for ts in graph.values() for t in ts})}")
    print(f"inter-package edges: {edges}")
    print(f"cycles (strongly connected components > 1): {len(cycles)}")
    for component in cycles:
        print(f"  {len(component)}: {' '.join(component)}")
    print(f"type: ignore comments: {ignores}")
    print(f"longest module: {longest[1]} ({longest[0]} lines)")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
