"""Services own the whole write (ARCHITECTURE.md, habits 1 and 12): a page or an
endpoint calls one service, which opens the transaction, writes the record with
its custom values, its audit rows and queues its tasks after commit. None of
that is assembled in crm/web/ or api/."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BANNED = {"atomic", "on_commit", "set_rollback", "savepoint"}


def _uses_of_transaction(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.db":
            for alias in node.names:
                if alias.name == "transaction" or alias.name in BANNED:
                    yield node.lineno, f"imports {alias.name} from django.db"
        elif isinstance(node, ast.ImportFrom) and node.module == "django.db.transaction":
            yield node.lineno, "imports from django.db.transaction"
        elif isinstance(node, ast.Attribute) and node.attr in BANNED:
            yield node.lineno, f"uses .{node.attr}"


@pytest.mark.parametrize("package", ["crm/web", "api"])
def test_pages_and_endpoints_leave_transactions_to_the_services(package):
    offences = [
        f"{path.relative_to(ROOT)}:{line} {what}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, what in _uses_of_transaction(path)
    ]
    assert offences == []
