"""The UI reads through selectors and writes through services (ARCHITECTURE.md,
habits 1 and 2): no page builds its own queryset from a model."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def web_modules():
    return sorted((ROOT / "crm" / "web").rglob("*.py"))


def _runtime_nodes(tree):
    """Every node but those under `if TYPE_CHECKING:` (names for annotations only)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            skipped.update(id(child) for statement in node.body for child in ast.walk(statement))
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def test_ui_views_never_query_a_model_themselves():
    offences = []
    for path in web_modules():
        for node in _runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager"):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} uses .{node.attr}")
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("crm.")
                and node.module.endswith(".models")
            ):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
    assert offences == []
