"""The Helm chart rendered with the helm that `make test` installs (bin/install_helm.py).

Rendering needs no cluster: `helm template` with the chart's default values and
with helm/ci/production-values.yaml. Each render is a list of manifests (dicts).
"""

import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "crm"
PRODUCTION_VALUES = ROOT / "helm" / "ci" / "production-values.yaml"
HELM = ROOT / ".run" / "tools" / "helm"
RELEASE = "crm"


def helm(*args):
    """Run helm; returns the completed process (check its returncode)."""
    assert HELM.exists(), f"{HELM} is missing: `make test` installs it (bin/install_helm.py)"
    return subprocess.run([str(HELM), *args], capture_output=True, text=True, timeout=60)


def render(*args):
    """`helm template` of the chart with extra arguments; the manifests it renders."""
    result = helm("template", RELEASE, str(CHART), "--namespace", "crm", *args)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def default_manifests():
    return render()


@pytest.fixture(scope="session")
def production_manifests():
    return render("--values", str(PRODUCTION_VALUES))


@pytest.fixture(scope="session")
def other_branches_manifests():
    """The templates' other branches: what the two renders above leave out."""
    return render(
        "--set",
        ",".join(
            [
                "podAntiAffinity=hard",
                "persistence.enabled=false",
                "web.autoscaling.enabled=false",
                "worker.autoscaling.enabled=false",
                "web.podDisruptionBudget.enabled=false",
                "ingress.tls.enabled=false",
                "worker.metricsPort=0",
                "networkPolicy.metricsNamespace=monitoring",
                "networkPolicy.backendPodSelectors[0].app=postgresql",
                "serviceAccount.create=false",
            ]
        ),
    )


def find(manifests, kind, name=None):
    found = [m for m in manifests if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)]
    assert found, f"no {kind} {name or ''} rendered"
    return found


def pod_specs(manifests):
    """(owner name, pod spec) of every Deployment and Job."""
    return [
        (m["metadata"]["name"], m["spec"]["template"]["spec"]) for m in manifests if m["kind"] in ("Deployment", "Job")
    ]


def containers(pod_spec):
    return pod_spec.get("initContainers", []) + pod_spec["containers"]
