"""The chart and the code agree on the environment: every variable the app reads
can be set through the chart, and the chart (or the image) sets none it does not read."""

import ast
import functools
import re

import yaml

from tests.deploy.conftest import CHART, ROOT, containers, pod_specs, render

APP_PACKAGES = ["config", "tenants", "crm", "billing", "api", "ops"]
# Read by the code, deliberately not settable through the chart.
NOT_FOR_THE_CHART = {
    "TEST_DATABASE_NAME": "names the test database; only test runs set it",
    "DEMO_PASSWORD": "password of the demo tenant that `make run` creates (manage.py demo_tenant)",
}


def _is_os_environ(node):
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _read_name(node):
    """The variable a node reads, or None: os.environ.get("X"), os.getenv("X"),
    os.environ["X"], "X" in os.environ. (os.environ.setdefault only gives Django
    its settings module and reads no configuration.)"""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        func = node.func
        environ_get = func.attr == "get" and _is_os_environ(func.value)
        getenv = func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"
        if environ_get or getenv:
            return node.args[0]
    if isinstance(node, ast.Subscript) and _is_os_environ(node.value):
        return node.slice
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.In)
        and _is_os_environ(node.comparators[0])
    ):
        return node.left
    return None


def variables_read(path):
    """Every environment variable `path` reads by name, directly or through a
    function of its own that reads its parameter (settings' _env_bool, _secret)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    readers = {}  # function name -> index of the parameter it reads from the environment
    for function in tree.body:
        if isinstance(function, ast.FunctionDef):
            parameters = [argument.arg for argument in function.args.args]
            for node in ast.walk(function):
                read = _read_name(node)
                if isinstance(read, ast.Name) and read.id in parameters:
                    readers[function.name] = parameters.index(read.id)
    names = set()
    for node in ast.walk(tree):
        read = _read_name(node)
        if (
            read is None
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in readers
            and len(node.args) > readers[node.func.id]
        ):
            read = node.args[readers[node.func.id]]
        if isinstance(read, ast.Constant) and isinstance(read.value, str):
            names.add(read.value)
    return names


@functools.cache
def code_variables():
    return frozenset().union(
        *(
            variables_read(path)
            for package in APP_PACKAGES
            for path in (ROOT / package).rglob("*.py")
            if "migrations" not in path.parts
        )
    )


def chart_variables(manifests):
    """Every variable the rendered chart puts in a pod: ConfigMap and Secret keys
    (they reach the pods through envFrom) and the containers' own env entries."""
    names = set()
    for manifest in manifests:
        if manifest["kind"] in ("ConfigMap", "Secret"):
            names |= set(manifest.get("data") or {})
    for _, spec in pod_specs(manifests):
        for container in containers(spec):
            names |= {variable["name"] for variable in container.get("env", [])}
    return names


def everything_set():
    """The chart rendered with every `config` and `secrets` value given. The values
    are placeholders, so the schema is not asked; that values.yaml and the schema
    list the same keys is a test of its own."""
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    arguments = []
    for group in ("config", "secrets"):
        for name in values[group]:
            arguments += ["--set-string", f"{group}.{name}=1"]
    return render("--skip-schema-validation", *arguments)


def test_the_scan_sees_reads_through_the_settings_helpers():
    found = variables_read(ROOT / "config" / "settings.py")
    # os.environ.get, _secret(...), _env_bool(...) and os.environ[...] respectively.
    assert {"DATABASE_URL", "SECRET_KEY", "DJANGO_DEBUG", "TEST_DATABASE_NAME"} <= found


def test_every_variable_the_code_reads_is_settable_through_the_chart_and_no_other():
    wanted = code_variables() - set(NOT_FOR_THE_CHART)
    settable = chart_variables(everything_set())
    assert {
        "missing from the chart": sorted(wanted - settable),
        "set by the chart, read by no code": sorted(settable - wanted),
    } == {"missing from the chart": [], "set by the chart, read by no code": []}


def test_the_default_and_production_renders_set_only_variables_the_code_reads(default_manifests, production_manifests):
    read = code_variables()
    assert chart_variables(default_manifests + production_manifests) - read == set()


def test_values_yaml_and_the_schema_list_the_same_settings():
    import json

    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = json.loads((CHART / "values.schema.json").read_text())
    for group in ("config", "secrets"):
        assert set(values[group]) == set(schema["properties"][group]["properties"]), group


def test_the_dockerfile_sets_only_variables_the_code_or_python_reads():
    """ENV lines for the app's settings must name variables the app reads; those
    for Python, pip and the shell are theirs."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    names = set()
    for line in dockerfile.splitlines():
        if line.startswith("ENV "):
            names |= set(re.findall(r"([A-Z_][A-Z0-9_]*)=", line))
    app_names = {name for name in names if name != "PATH" and not name.startswith(("PYTHON", "PIP_"))}
    assert app_names and app_names - code_variables() == set()
