"""The package's import graph: data flows one way, with no cycles, for every module.

Every module of ``elegans_keras`` belongs to a part (its first package below
the root, or a top-level module) and every part has a place in :data:`TIERS`:
the foundation (errors, checks, atomic writes...) that anything may import,
then connectome and datasets -> layers (with training and distribution) ->
models -> pretrained -> plots -> study -> experiments -> cli. A module may
import the foundation and the tiers below its own, never its own tier's other
parts nor a higher tier. A new part fails :func:`test_every_part_has_a_tier`
until it is placed here.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "elegans_keras"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def import_graph() -> nx.DiGraph:
    """Module -> imported package module, for every import anywhere in a module."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        package.split(".")[: len(package.split(".")) - node.level + 1]
                        + ([base] if base else [])
                    )
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph.add_edge(name, target)
    return graph


# Parts anything may import (and the package root, which only imports them: the rest is lazy).
FOUNDATION = (
    "",
    "atomic",
    "checks",
    "errors",
    "lazy",
    "options",
    "progress",
    "quiet",
    "registry",
    "runlogs",
    "saving",
)
# Lowest first: connectome -> layers -> models -> experiments/study -> cli, and their neighbours.
TIERS = (
    ("connectome", "datasets"),
    ("layers", "training", "distribute"),
    ("models",),
    ("pretrained",),
    ("plots",),
    ("study",),
    ("experiments",),
    ("cli",),
)
BACKENDS = ("keras", "tensorflow", "jax", "torch")


def part(module: str) -> str:
    """``elegans_keras.connectome.core`` -> ``connectome``; the root package -> ``""``."""
    return module.split(".")[1] if module.count(".") else ""


def tier(name: str) -> int:
    """The tier of a part: -1 for the foundation, else its index in :data:`TIERS`."""
    if name in FOUNDATION:
        return -1
    return next(k for k, parts in enumerate(TIERS) if name in parts)


def test_every_part_has_a_tier():
    parts = {part(module) for module in import_graph()}
    placed = set(FOUNDATION) | {name for names in TIERS for name in names}
    assert parts - placed == set(), "place these parts in TIERS or FOUNDATION"
    assert placed - parts == set(), "parts that no longer exist"
    assert len(placed) == len(FOUNDATION) + sum(map(len, TIERS))  # each named once


def test_every_import_flows_down_the_tiers():
    """Each edge of the import graph, for every module: down a tier, or to the foundation."""
    graph = import_graph()
    wrong = []
    for source, target in graph.edges:
        s, t = part(source), part(target)
        if s == t or t in FOUNDATION:
            continue
        if s in FOUNDATION or tier(t) >= tier(s):
            wrong.append(f"{source} imports {target}")
    assert wrong == []


def test_the_connectome_imports_no_deep_learning_backend():
    """connectome is numpy/scipy/networkx only: not even a function-level import of a backend."""
    for path in (PACKAGE / "connectome").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in BACKENDS, f"{path.name} imports {name}"


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 40
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], f"import cycles: {cycles[:5]}"


def test_the_study_does_not_import_the_experiments():
    graph = import_graph()
    study = [m for m in graph if m.startswith("elegans_keras.study")]
    assert study
    for module in study:
        for target in nx.descendants(graph, module):
            assert not target.startswith("elegans_keras.experiments"), (module, target)


def test_lower_layers_do_not_import_higher_ones():
    """connectome -> layers -> models -> experiments/study -> cli, never backwards."""
    order = ["connectome", "layers", "models", "study", "experiments", "cli"]
    graph = import_graph()
    for source, target in graph.edges:
        s, t = part(source), part(target)
        if s in order and t in order:
            assert order.index(t) <= order.index(s), f"{source} imports {target}"
