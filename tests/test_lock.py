"""The lock files agree with pyproject.toml: every install (make run, make test,
the Dockerfile) reads the locks, so a dependency added or re-bounded in
pyproject.toml without `make lock` would silently not be what runs."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(lock_name):
    """{canonical name: version} of a lock file, each pin with its hashes."""
    found = {}
    lines = (ROOT / lock_name).read_text().splitlines()
    for number, line in enumerate(lines):
        match = PIN.match(line)
        if match:
            assert lines[number + 1].strip().startswith("--hash=sha256:"), f"{lock_name}: {line} has no hash"
            found[canonicalize_name(match[1])] = match[2]
    return found


def declared(extra=None):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(text) for text in requirements]


@pytest.mark.parametrize(("lock_name", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")])
def test_every_dependency_of_pyproject_is_pinned_within_its_range(lock_name, extra):
    locked = pins(lock_name)
    for requirement in declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in {lock_name}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock_name} pins {name}=={locked[name]}, outside {requirement}: run `make lock`"
        )


def test_the_dev_lock_runs_the_tests_against_the_apps_own_versions():
    app, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in app} == app


def test_every_install_reads_the_locks_and_nothing_else():
    makefile = (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in makefile and "$(LOCK)" in makefile and "$(DEV_LOCK)" in makefile
    assert "pip install -e" not in makefile
    assert "--require-hashes" in dockerfile and "requirements.lock" in dockerfile
    assert "pyproject.toml" not in re.sub(r"#.*", "", dockerfile)
