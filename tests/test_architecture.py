"""The package's import graph: data flows one way, with no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "elegans_keras"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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
        s, t = (m.split(".")[1] if m.count(".") else "" for m in (source, target))
        if s in order and t in order:
            assert order.index(t) <= order.index(s), f"{source} imports {target}"
