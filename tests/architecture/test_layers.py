"""ARCHITECTURE.md as code: import directions and where tenant context may be set."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# An import may only point down this list.
LAYERS = ["config", "api", "ops", "billing", "crm", "tenants"]


def python_files(package):
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def imported_packages(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0], node.lineno


@pytest.mark.parametrize("package", LAYERS)
def test_imports_only_point_down_the_layers(package):
    allowed = set(LAYERS[LAYERS.index(package) :])
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in python_files(package)
        for name, line in imported_packages(path)
        if name in LAYERS and name not in allowed
    ]
    assert offences == []


def test_crm_never_imports_billing():
    offences = [
        str(p.relative_to(ROOT))
        for p in python_files("crm")
        if any(name == "billing" for name, _ in imported_packages(p))
    ]
    assert offences == []


# Tenant context is set in one place per entry point (request, task, command),
# plus the provisioning code that builds a tenant's schema.
CONTEXT_SETTERS = {"set_tenant", "schema_context", "tenant_context", "set_schema"}
ALLOWED_CONTEXT_FILES = {
    "tenants/routing.py",  # requests
    "tenants/task_context.py",  # Celery tasks
    "tenants/provisioning.py",  # migrating spare schemas
    "tenants/services.py",  # creating a new tenant's owner
    "tenants/fanout.py",  # periodic tasks: queueing one task per tenant from public
    "ops/backups/structure.py",  # restore: migrating a staging schema to a backup's migration state
    "ops/upgrades/migrate.py",  # manage.py upgrade: migrating each tenant schema in its workers
}


def test_tenant_context_is_set_only_at_entry_points():
    offences = []
    for package in LAYERS:
        for path in python_files(package):
            relative = str(path.relative_to(ROOT))
            if relative in ALLOWED_CONTEXT_FILES or relative.startswith("ops/management/commands/"):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                name = getattr(node, "attr", None) or getattr(node, "id", None)
                if isinstance(node, (ast.Attribute, ast.Name)) and name in CONTEXT_SETTERS:
                    offences.append(f"{relative}:{node.lineno} uses {name}")
    assert offences == []


BANNED_MODULE_NAMES = {"utils.py", "helpers.py", "common.py", "misc.py"}


def test_no_grab_bag_modules():
    found = [
        str(p.relative_to(ROOT)) for package in LAYERS for p in python_files(package) if p.name in BANNED_MODULE_NAMES
    ]
    assert found == []


def test_only_the_billing_gateway_imports_stripe():
    importers = [
        str(p.relative_to(ROOT))
        for package in LAYERS
        for p in python_files(package)
        if any(name == "stripe" for name, _ in imported_packages(p))
    ]
    assert importers == ["billing/gateway.py"]


# A password changes through crm.users.services.set_password, which also ends the
# user's API tokens; the user manager sets the first password of a new user.
ALLOWED_PASSWORD_SETTERS = {"crm/users/services.py", "crm/users/models.py"}


def test_passwords_change_only_through_the_users_service():
    offences = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in LAYERS
        for path in python_files(package)
        if str(path.relative_to(ROOT)) not in ALLOWED_PASSWORD_SETTERS
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr == "set_password"
        and not (isinstance(node.value, ast.Name) and node.value.id == "services")
    ]
    assert offences == []
