"""The approval engine knows its kinds only by name (docs/decisions/010): nothing
in crm/approvals imports a domain package. It may use the core beneath every
domain (access, teams, users, audit) and, for notifications, crm.activities'
notify; domain packages import it to register their kinds, never the reverse."""

import ast
from pathlib import Path

from tests.architecture.test_layers import imported_packages

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "crm" / "approvals"
# The crm packages the engine may import, and for crm.activities only this module.
ALLOWED = {"approvals", "access", "teams", "users", "audit", "activities"}
NOTIFICATIONS = "crm.activities.services"


def crm_imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("crm."):
            yield node.module, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("crm."):
                    yield alias.name, node.lineno


def engine_files():
    return [p for p in ENGINE.rglob("*.py") if "migrations" not in p.parts]


def test_the_engine_imports_no_domain_package():
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in engine_files()
        for module, line in crm_imports(path)
        if module.split(".")[1] not in ALLOWED or (module.split(".")[1] == "activities" and module != NOTIFICATIONS)
    ]
    assert offences == []


def test_the_engine_stays_inside_crm():
    # And of course beneath api/ops/billing (the layer test says so for all of crm).
    names = {name for path in engine_files() for name, _line in imported_packages(path)}
    assert not names & {"api", "ops", "billing", "config"}
