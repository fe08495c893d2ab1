"""The image cannot silently rot: no Docker engine runs in CI, so what the
Dockerfile and the chart's containers call is checked against the project.

- `python manage.py <command> <options>`: the command exists and takes the options;
- `gunicorn <options> <module:attribute>`: gunicorn takes the options, the config
  module (`-c python:...`) imports, the WSGI application exists;
- `celery -A <app> <subcommand> <options>`: the app resolves to our Celery app,
  the subcommand takes the options, a `--scheduler` class imports;
- requirements.lock (all the image installs) provides every library the app imports.
"""

import ast
import contextlib
import importlib
import importlib.metadata
import io
import json
import re
import shlex
import sys

import pytest
from celery import Celery
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError
from gunicorn.config import Config as GunicornConfig

from tests.deploy.conftest import ROOT, containers, pod_specs
from tests.test_lock import pins

APP_PACKAGES = ["config", "tenants", "crm", "billing", "api", "ops"]
# Shell words that separate one command from the next in `sh -c` scripts and RUN lines.
SEPARATORS = {";", "&&", "||", "|", "&", ">", "<", "do", "done", "then", "else", "fi", "until", "while", "if"}


def split_commands(script):
    """The commands (argument lists) of a shell script, leading VAR=value dropped."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    commands, current = [], []
    for token in lexer:
        if token in SEPARATORS:
            commands.append(current)
            current = []
        else:
            current.append(token)
    commands.append(current)
    result = []
    for command in commands:
        while command and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", command[0]):
            command = command[1:]
        if command:
            result.append(command)
    return result


def dockerfile_commands():
    """Commands of the Dockerfile's RUN, CMD and HEALTHCHECK lines."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        instruction = re.match(r"^(RUN|CMD|ENTRYPOINT|HEALTHCHECK)\s+(.*)$", line.strip())
        if not instruction:
            continue
        keyword, rest = instruction.groups()
        if keyword == "HEALTHCHECK":
            rest = re.sub(r"^(--\S+\s+)*CMD\s+", "", rest)
        if rest.lstrip().startswith("["):
            commands.append(json.loads(rest))  # exec form
        else:
            commands += split_commands(rest)
    return commands


def chart_commands(manifests):
    """Commands of every container the chart renders (`sh -c` scripts split up)."""
    commands = []
    for _, spec in pod_specs(manifests):
        for container in containers(spec):
            argv = container.get("command", []) + container.get("args", [])
            if argv[:2] == ["sh", "-c"]:
                commands += split_commands(argv[2])
            elif argv:
                commands.append(argv)
    return commands


def check(argv):
    """Checks one command against the project; returns a label for what was
    checked (None for programs outside the project: apt-get, pip, sleep...).
    Raises AssertionError with the reason when the command would fail."""
    if argv[:2] == ["python", "manage.py"]:
        return check_manage_py(argv[2], argv[3:])
    if argv[0] == "gunicorn":
        return check_gunicorn(argv[1:])
    if argv[0] == "celery":
        return check_celery(argv[1:])
    return None


def check_manage_py(name, arguments):
    commands = get_commands()
    assert name in commands, f"manage.py has no command {name!r}"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    try:
        parser.parse_args(arguments)
    except CommandError as exc:
        raise AssertionError(f"manage.py {name} {' '.join(arguments)}: {exc}") from exc
    return f"manage.py {name}"


def check_gunicorn(arguments):
    with contextlib.redirect_stderr(io.StringIO()) as errors:
        try:
            options = GunicornConfig().parser().parse_args(arguments)
        except SystemExit:
            raise AssertionError(
                f"gunicorn {' '.join(arguments)}: {errors.getvalue().strip().splitlines()[-1]}"
            ) from None
    config = options.config or ""
    assert config.startswith("python:"), f"gunicorn without our config module: {arguments}"
    importlib.import_module(config.removeprefix("python:"))
    [application] = options.args
    module, attribute = application.split(":")
    assert callable(getattr(importlib.import_module(module), attribute)), application
    return "gunicorn"


def check_celery(arguments):
    assert arguments[0] == "-A", f"celery without -A: {arguments}"
    app = find_app(arguments[1])
    assert isinstance(app, Celery), f"celery -A {arguments[1]} is not a Celery app"
    subcommand, options = arguments[2], arguments[3:]
    assert subcommand in celery_cli.commands, f"celery has no subcommand {subcommand!r}"
    context = celery_cli.commands[subcommand].make_context(
        subcommand, list(options), obj=CLIContext(app=app, no_color=True, workdir=None, quiet=True)
    )
    scheduler = context.params.get("scheduler")
    if scheduler:
        module, _, attribute = scheduler.partition(":")
        getattr(importlib.import_module(module), attribute)
    return f"celery {subcommand}"


def checked(commands):
    return {label for label in map(check, commands) if label}


def test_the_dockerfile_calls_only_what_the_project_has():
    assert checked(dockerfile_commands()) == {"manage.py collectstatic", "manage.py compilemessages", "gunicorn"}


@pytest.mark.parametrize("manifests", ["default_manifests", "production_manifests"])
def test_the_charts_containers_call_only_what_the_project_has(manifests, request):
    assert checked(chart_commands(request.getfixturevalue(manifests))) == {
        "manage.py upgrade",
        "gunicorn",
        "celery worker",
        "celery beat",
    }


def test_the_image_runs_what_the_procfile_runs():
    """The Procfile is how `make run` starts the three processes; the image and
    chart must start the same programs with the same entry points."""
    procfile = (ROOT / "Procfile").read_text()
    for entry_point in (
        "python:ops.observability.gunicorn",
        "config.wsgi:application",
        "-A config worker",
        "-A config beat",
        "django_celery_beat.schedulers:DatabaseScheduler",
    ):
        assert entry_point in procfile


def test_a_missing_command_or_option_is_caught():
    """The checks above fail for a renamed command, option or entry point."""
    broken = [
        ["python", "manage.py", "upgrade_everything"],
        ["python", "manage.py", "upgrade", "--chek"],
        ["gunicorn", "-c", "python:ops.observability.gunicorn", "config.wsgi:app"],
        ["gunicorn", "-c", "python:ops.observability.no_such_module", "config.wsgi:application"],
        ["celery", "-A", "config", "worker", "--concurency=2"],
        ["celery", "-A", "config", "beat", "--scheduler", "django_celery_beat.schedulers:NoScheduler"],
    ]
    for argv in broken:
        with pytest.raises(Exception):  # noqa: B017, PT011 (each broken argv fails in its own way)
            check(argv)


def _base_distributions():
    """Names of the distributions the image installs: every pin of requirements.lock."""
    return set(pins("requirements.lock"))


def _optional(node, parents):
    """An import inside `try: ... except ImportError` is optional; one under
    `if TYPE_CHECKING:` is only for the type checker (a dev dependency)."""
    for parent in parents.get(node, []):
        if isinstance(parent, ast.If) and ast.unparse(parent.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            return True
        if isinstance(parent, ast.Try) and any(
            isinstance(handler.type, ast.Name) and handler.type.id in ("ImportError", "ModuleNotFoundError")
            for handler in parent.handlers
        ):
            return True
    return False


def imported_libraries():
    """{top-level module: first file importing it} for the app's required imports."""
    libraries = {}
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            parents = {}
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    parents[child] = [*parents.get(node, []), node]
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules = [node.module]
                else:
                    continue
                if _optional(node, parents):
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in APP_PACKAGES:
                        libraries.setdefault(top, str(path.relative_to(ROOT)))
    return libraries


def test_the_base_dependencies_provide_every_library_the_app_imports():
    installed = _base_distributions()
    providers = importlib.metadata.packages_distributions()
    missing = {
        module: where
        for module, where in imported_libraries().items()
        if not {re.sub(r"[-_.]+", "-", d).lower() for d in providers.get(module, [])} & installed
    }
    assert missing == {}
