"""The layout's rules, checked on the source: no import cycle, no private name used outside its module, no
source file over 700 lines, and nothing that points outside the repository."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "edgesched"
MAX_LINES = 700


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    """Every module of the package by name: its Python files, and the compiled core through its stub."""
    return {_module_name(p): p for p in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.pyi")]}


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``import from`` names."""
    if node.level == 0:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Every edgesched module each module imports (at module level or inside a function)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path, node)
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for t in targets:
                if t in modules and t != module:
                    graph[module].add(t)
    return graph


def test_no_import_cycle():
    graph = _imports(_modules())
    # A package's __init__ imports its own modules; a module importing its package's names is the cycle to catch,
    # so an edge from a package to one of its own submodules does not count.
    edges = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)


def test_no_private_name_used_outside_its_module():
    modules = _modules()
    found = []
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                base = _resolve(module, path, node)
                if not base.startswith("edgesched"):
                    continue
                for alias in node.names:
                    private = alias.name.startswith("_") and f"{base}.{alias.name}" not in modules
                    if private:
                        found.append(f"{module} imports {alias.name} from {base}")
    assert not found, found


def _source_files() -> list[Path]:
    """The sources the line limit applies to: Python modules and the C++ core and bindings."""
    return [*PACKAGE.rglob("*.py"), *(ROOT / "src" / "cpp").rglob("*.[ch]pp")]


def test_no_source_file_over_700_lines():
    long = {str(p.relative_to(ROOT)): n for p in _source_files() if p.name != "reference.py"
            and (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_nothing_points_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    pattern = re.compile(r"DESIGN\.md|\.\./shared|seeds/0|[Ss]eed 00\d|\b[Ii]ssues? #?\d")
    hits = []
    for name in tracked.stdout.split():
        path = ROOT / name
        if path.suffix not in {".py", ".pyi", ".cpp", ".hpp", ".md", ".toml", ".txt", ".cfg", ""} or not path.is_file():
            continue
        for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if pattern.search(line) and path.name != "test_layout.py":
                hits.append(f"{name}:{i}: {line.strip()}")
    assert not hits, hits
