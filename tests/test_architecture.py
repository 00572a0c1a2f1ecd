"""The core's data flows one way, checked statically on the source (no import is executed).

Layers, bottom to top: settings / clock / safetext / errors -> knowledge, nlu, storage -> engine ->
handoff -> channels -> runtime / app / cli. A customer message goes channel in -> engine -> storage ->
replies -> channel out; the engine reaches the hand-off only through `bot.engine.ports.HumanQueue`,
which the runtime wires, and delivery to channels happens after the turn (`Runtime.handle`).

Every import statement counts: at module level, inside functions (lazy imports) and under
`if TYPE_CHECKING:`, because each of them is an arrow in the design even when it costs nothing at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "bot"

# Edges that go up today and are someone else's to remove; listed so no new one can join them silently.
# The Telegram channel starts the aiohttp application of bot.app (lazily) when it serves webhooks.
KNOWN_UPWARD = {
    ("bot.channels.telegram", "bot.app"),
    ("bot.channels.telegram.webhook", "bot.app"),
}


# -- the graph ---------------------------------------------------------------------------------------


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, not `.__init__`)."""
    modules: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` lives in: itself, or the nearest enclosing one we know (a name inside it)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: dict[str, Path]) -> set[str]:
    """The package's modules one import statement reaches."""
    if isinstance(node, ast.Import):
        return {m for alias in node.names if (m := _known(alias.name, modules)) is not None}
    if node.level:  # relative: resolved against the importing module's package
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    reached = set()
    for alias in node.names:
        # `from bot.engine.booking import render` reaches the submodule, `from bot.engine import Engine` the package.
        name = f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
        if (target := _known(name, modules)) is not None:
            reached.add(target)
    return reached


def import_graph(root: Path, package: str = PACKAGE) -> dict[str, set[str]]:
    """module -> the package's modules it imports, from every import statement anywhere in its source."""
    modules = module_names(root, package)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):  # walk, not body: lazy imports in functions and TYPE_CHECKING blocks count
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _imported(node, module, path.name == "__init__.py", modules)
        edges |= {parent for target in edges for parent in _entered_packages(module, target, modules)}
        edges.discard(module)
        graph[module] = edges
    return graph


def _entered_packages(importer: str, target: str, modules: dict[str, Path]) -> set[str]:
    """The packages whose `__init__` importing `target` runs first: its ancestors, except the importer's
    own (already being imported when the importer runs)."""
    parts = target.split(".")
    ancestors = {".".join(parts[:n]) for n in range(1, len(parts))}
    return {a for a in ancestors if a in modules and not (importer == a or importer.startswith(a + "."))}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each as the modules along it, the first repeated at the end. One per back edge
    found by a depth-first search, so every cyclic group of modules shows up at least once."""
    found: list[list[str]] = []
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = [start]
        on_path = {start}
        stack: list[Iterator[str]] = [iter(sorted(graph[start]))]
        while stack:
            target = next(stack[-1], None)
            if target is None:
                on_path.discard(path.pop())
                stack.pop()
                continue
            if target in on_path:
                found.append(path[path.index(target) :] + [target])
            elif target not in done and target in graph:
                done.add(target)
                path.append(target)
                on_path.add(target)
                stack.append(iter(sorted(graph[target])))
        done.add(start)
    return found


def violations(graph: dict[str, set[str]], importers: tuple[str, ...], imported: tuple[str, ...]) -> list[str]:
    """Edges from modules under any of `importers` to modules under any of `imported`, as "a -> b"."""
    return sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        if _under(source, importers)
        for target in targets
        if _under(target, imported)
    )


def _under(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


# -- the rules ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT)


def test_the_graph_sees_the_whole_package(graph: dict[str, set[str]]) -> None:
    # A guard against a graph that silently finds nothing (a wrong root would pass every rule).
    assert {"bot.engine.conversation", "bot.handoff.service", "bot.runtime"} <= set(graph)
    assert "bot.engine.ports" in graph["bot.engine.conversation"]
    assert "bot.handoff.service" in graph["bot.runtime"]


def test_the_engine_does_not_import_the_handoff_or_the_channels(graph: dict[str, set[str]]) -> None:
    bad = violations(graph, ("bot.engine",), ("bot.handoff", "bot.channels"))
    assert not bad, "the engine reaches up (use a port in bot/engine/ports.py, wired by bot/runtime.py):\n" + "\n".join(bad)


def test_storage_nlu_and_knowledge_import_nothing_above_them(graph: dict[str, set[str]]) -> None:
    bad = violations(graph, ("bot.storage", "bot.nlu", "bot.knowledge"), ("bot.engine", "bot.handoff", "bot.channels"))
    assert not bad, "a lower layer imports the engine, the hand-off or a channel:\n" + "\n".join(bad)


def test_the_handoff_does_not_import_the_channels(graph: dict[str, set[str]]) -> None:
    bad = violations(graph, ("bot.handoff",), ("bot.channels",))
    assert not bad, "the hand-off reaches a channel (channels register a CustomerDelivery instead):\n" + "\n".join(bad)


def test_the_repair_lifecycle_does_not_import_the_channels(graph: dict[str, set[str]]) -> None:
    bad = violations(graph, ("bot.repairs", "bot.scheduler"), ("bot.channels",))
    assert not bad, "the repair lifecycle reaches a channel (it reaches customers through CustomerDelivery):\n" + "\n".join(bad)


def test_the_engine_knows_only_the_rules_of_the_repair_lifecycle(graph: dict[str, set[str]]) -> None:
    """A turn records what the customer did (bot.repairs.lifecycle); the jobs, the staff desk and the
    delivery to customers are above the engine."""
    allowed = ("bot.repairs.lifecycle", "bot.repairs.statuses", "bot.repairs")
    bad = [edge for edge in violations(graph, ("bot.engine",), ("bot.repairs", "bot.scheduler")) if edge.split(" -> ")[1] not in allowed]
    assert not bad, "the engine imports the repair jobs or the scheduler:\n" + "\n".join(bad)


def test_only_the_entry_points_import_the_top(graph: dict[str, set[str]]) -> None:
    """bot.runtime, bot.app and bot.cli wire everything; only the entry points above them import them."""
    top = ("bot.runtime", "bot.app", "bot.cli")
    entry_points = ("bot.__main__", "bot.cli", "bot.app")
    bad = [
        edge
        for edge in violations(graph, (PACKAGE,), top)
        if not _under(edge.split(" -> ")[0], entry_points) and tuple(edge.split(" -> ")) not in KNOWN_UPWARD
    ]
    assert not bad, "a module imports the wiring above it:\n" + "\n".join(bad)


def test_there_is_no_import_cycle(graph: dict[str, set[str]]) -> None:
    found = cycles(graph)
    assert not found, "import cycles in bot/ (move the shared names down, or pass the collaborator in):\n" + "\n".join(
        " -> ".join(cycle) for cycle in found
    )


# -- the checker itself ------------------------------------------------------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


def test_the_checker_finds_a_planted_cycle_and_an_upward_import(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/engine/__init__.py": "from bot.engine.a import A\n",
            "bot/engine/a.py": "def f():\n    from bot.engine import b  # lazy\n",
            "bot/engine/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\n",
            "bot/engine/c.py": "from ..handoff.service import Service\n",
            "bot/handoff/__init__.py": "",
            "bot/handoff/service.py": "import bot.engine.c\n",
            "bot/storage/__init__.py": "from bot.engine.a import A\n",
        },
    )
    graph = import_graph(root)
    assert graph["bot.engine.a"] == {"bot.engine.b"}  # the submodule, found inside a function
    assert graph["bot.engine.b"] == {"bot.engine.a"}  # relative, under TYPE_CHECKING
    assert graph["bot.engine.c"] == {"bot.handoff.service", "bot.handoff"}  # the package's __init__ runs first
    found = [set(cycle) for cycle in cycles(graph)]
    assert {"bot.engine.a", "bot.engine.b"} in found
    assert any({"bot.engine.c", "bot.handoff.service"} <= cycle for cycle in found)
    assert violations(graph, ("bot.engine",), ("bot.handoff", "bot.channels")) == [
        "bot.engine.c -> bot.handoff",
        "bot.engine.c -> bot.handoff.service",
    ]
    assert "bot.storage -> bot.engine.a" in violations(graph, ("bot.storage",), ("bot.engine",))


def test_the_checker_sees_a_cycle_through_package_inits(tmp_path: Path) -> None:
    """Importing bot.y.k runs bot/y/__init__.py first: a cycle can close through it with no module
    importing another one back directly."""
    root = _package(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/x/__init__.py": "from bot.x.m import M\n",
            "bot/x/m.py": "from bot.y.k import K\nM = 1\n",
            "bot/y/__init__.py": "from bot.y.n import N\n",
            "bot/y/k.py": "K = 1\n",
            "bot/y/n.py": "from bot.x.z import Z\nN = 1\n",
            "bot/x/z.py": "Z = 1\n",
        },
    )
    assert any({"bot.x", "bot.x.m", "bot.y", "bot.y.n"} <= set(cycle) for cycle in cycles(import_graph(root)))


def test_the_checker_passes_a_clean_package(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/engine/__init__.py": "from bot.engine.a import A\n",
            "bot/engine/a.py": "from bot import settings\nA = 1\n",
            "bot/settings.py": "import os\n",
        },
    )
    graph = import_graph(root)
    assert graph["bot.engine.a"] == {"bot.settings"}
    assert cycles(graph) == []
