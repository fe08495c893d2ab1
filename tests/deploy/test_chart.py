"""The Helm chart (helm/crm): it lints, renders manifests that Kubernetes accepts,
refuses values it does not know, and keeps the promises of helm/README.md."""

import json
import re

import pytest
import yaml
from kubernetes_validate import utils as kubernetes

from tests.deploy.conftest import CHART, PRODUCTION_VALUES, containers, find, helm, pod_specs, render

RENDERS = ["default_manifests", "production_manifests"]


def kubernetes_versions():
    """The oldest Kubernetes the chart claims (Chart.yaml's kubeVersion) and the
    newest whose schemas kubernetes-validate ships."""
    claimed = yaml.safe_load((CHART / "Chart.yaml").read_text())["kubeVersion"]
    oldest = re.fullmatch(r">=\s*(\d+\.\d+\.\d+)(-0)?", claimed).group(1)
    return [oldest, kubernetes.latest_version()]


@pytest.mark.parametrize("values", [[], ["--values", str(PRODUCTION_VALUES)]], ids=["default", "production"])
def test_the_chart_lints(values):
    result = helm("lint", "--strict", str(CHART), *values)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("version", kubernetes_versions())
@pytest.mark.parametrize("manifests", [*RENDERS, "other_branches_manifests"])
def test_every_rendered_manifest_is_valid_kubernetes(manifests, version, request):
    errors = []
    for manifest in request.getfixturevalue(manifests):
        try:
            kubernetes.validate(manifest, version, strict=True)
        except Exception as exc:  # ValidationError, SchemaNotFoundError: each one a finding
            errors.append(f"{manifest['kind']}/{manifest['metadata']['name']}: {str(exc).splitlines()[0]}")
    assert errors == []


@pytest.mark.parametrize(
    "typo",
    [
        "config.TRIAL_DAY=3",  # a setting's name misspelt
        "web.gunicorn.worker=3",  # a nested key misspelt
        "worker.autoscaling.maxReplica=3",
        "networkPolicy.egress[0].cidr=10.0.0.0/8",
        "secret.SECRET_KEY=x",  # `secrets`, not `secret`
    ],
)
def test_a_values_typo_fails(typo):
    result = helm("template", "crm", str(CHART), "--set", typo)
    assert result.returncode != 0 and "Additional property" in result.stderr


def test_a_value_of_the_wrong_kind_fails():
    result = helm("template", "crm", str(CHART), "--set", "config.LOG_FORMAT=xml")
    assert result.returncode != 0 and "LOG_FORMAT" in result.stderr


def test_the_values_schema_is_closed_at_every_object_level():
    """Free-form maps (labels, annotations, node selectors) take any key by nature;
    they are the named string maps below, every other object is closed."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    free_form = {"definitions.stringMap", "properties.networkPolicy.properties.backendPodSelectors.items"}
    open_objects = []

    def walk(node, path):
        if isinstance(node, dict):
            types = node.get("type")
            is_object = types == "object" or (isinstance(types, list) and "object" in types) or "properties" in node
            if is_object and node.get("additionalProperties") is not False:
                if not (path in free_form and node.get("additionalProperties") == {"type": "string"}):
                    open_objects.append(path)
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{path}[{index}]")

    walk(schema, "")
    assert open_objects == []


def test_values_yaml_has_a_comment_on_every_setting():
    """values.yaml is documented line by line: every key holding a value has a
    comment on the line above it. A block may instead be described as a whole by
    the comment above it (`resources:` for its requests and limits), but only when
    none of its keys has a comment of its own: half-documented blocks fail."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    content = [(n, line) for n, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]

    def indentation(line):  # a list item's dash counts as its start
        return len(line) - len(line.lstrip(" "))

    def commented(number):
        return number > 0 and lines[number - 1].lstrip().startswith("#")

    ancestors_of, leaves_by_parent = {}, {}
    for index, (number, line) in enumerate(content):
        ancestors, level = [], indentation(line)
        for earlier, text in reversed(content[:index]):
            if indentation(text) < level:
                ancestors.append(earlier)
                level = indentation(text)
        ancestors_of[number] = ancestors
        key = re.match(r"^[\s-]*([A-Za-z_][\w./-]*):(.*)$", line)
        following = content[index + 1][1] if index + 1 < len(content) else ""
        is_block = (
            key
            and not key.group(2).strip()
            and indentation(following) > indentation(line)
            and not following.lstrip().startswith("-")
        )
        if key and not is_block:
            leaves_by_parent.setdefault(ancestors[0] if ancestors else None, []).append(number)

    undocumented = []
    for parent, leaves in leaves_by_parent.items():
        if any(commented(n) for n in leaves):
            missing = [n for n in leaves if not commented(n)]
        else:
            chain = [parent, *ancestors_of[parent]] if parent is not None else []
            missing = [] if any(commented(n) for n in chain) else leaves
        undocumented += [f"values.yaml:{n + 1}: {lines[n].strip()}" for n in missing]
    assert undocumented == []


def test_beat_runs_exactly_one_pod_replaced_by_recreate(default_manifests, production_manifests):
    for manifests in (default_manifests, production_manifests):
        [beat] = find(manifests, "Deployment", "crm-beat")
        assert beat["spec"]["replicas"] == 1
        assert beat["spec"]["strategy"] == {"type": "Recreate"}
        assert not [
            h for h in find(manifests, "HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == "crm-beat"
        ]


def test_beat_replicas_cannot_be_raised_through_values():
    result = helm("template", "crm", str(CHART), "--set", "beat.replicas=2")
    assert result.returncode != 0


def test_the_upgrade_job_is_a_plain_job_with_a_deadline_named_for_the_revision(default_manifests):
    [job] = find(default_manifests, "Job")
    assert job["metadata"]["name"] == "crm-upgrade-1"  # `helm template` renders revision 1
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {})
    assert job["spec"]["activeDeadlineSeconds"] > 0
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][:3] == ["python", "manage.py", "upgrade"]
    source = (CHART / "templates" / "upgrade-job.yaml").read_text()
    assert re.search(r"name: .*-upgrade-\{\{ \.Release\.Revision \}\}", source)


def test_no_cronjob_duplicates_the_backups_beat_schedules(default_manifests, production_manifests):
    assert not [m for m in default_manifests + production_manifests if m["kind"] == "CronJob"]


@pytest.mark.parametrize("manifests", RENDERS)
def test_every_app_pod_waits_until_the_schema_is_current(manifests, request):
    for name, spec in pod_specs(request.getfixturevalue(manifests)):
        if name.startswith("crm-upgrade"):
            continue
        [wait] = spec["initContainers"]
        assert "manage.py upgrade --check" in " ".join(wait["command"]), name


@pytest.mark.parametrize("manifests", RENDERS)
def test_every_pod_runs_locked_down(manifests, request):
    for name, spec in pod_specs(request.getfixturevalue(manifests)):
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for container in containers(spec):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert context["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert context["capabilities"]["drop"] == ["ALL"], (name, container["name"])
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), (name, container["name"])
            mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
            assert "/tmp" in mounts, (name, container["name"])
    for account in find(request.getfixturevalue(manifests), "ServiceAccount"):
        assert account["automountServiceAccountToken"] is False


@pytest.mark.parametrize("manifests", RENDERS)
def test_the_app_writes_only_to_mounted_volumes(manifests, request):
    """With a read-only root filesystem, every folder the settings point at must be a mount."""
    for name, spec in pod_specs(request.getfixturevalue(manifests)):
        for container in spec["containers"]:
            mounts = [mount["mountPath"] for mount in container["volumeMounts"]]
            for variable in container.get("env", []):
                if variable["name"] in ("MEDIA_ROOT", "BACKUP_DIR", "PROMETHEUS_MULTIPROC_DIR"):
                    assert any(
                        variable["value"].startswith(path + "/") or variable["value"] == path for path in mounts
                    ), (name, variable)


def test_web_pods_are_probed_on_healthz(default_manifests):
    [web] = find(default_manifests, "Deployment", "crm-web")
    [container] = web["spec"]["template"]["spec"]["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}


@pytest.mark.parametrize("manifests", RENDERS)
def test_web_and_worker_scale_and_survive_drains_on_several_nodes(manifests, request):
    rendered = request.getfixturevalue(manifests)
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in find(rendered, "HorizontalPodAutoscaler")}
    budgets = {b["metadata"]["name"] for b in find(rendered, "PodDisruptionBudget")}
    assert scaled == {"crm-web", "crm-worker"} and budgets == {"crm-web", "crm-worker"}
    for name in ("crm-web", "crm-worker"):
        [deployment] = find(rendered, "Deployment", name)
        assert "replicas" not in deployment["spec"]  # the autoscaler owns it
        assert deployment["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]


def test_the_ingress_serves_the_base_domain_and_every_tenant_over_tls(production_manifests):
    [ingress] = find(production_manifests, "Ingress")
    hosts = ["crm.acme.example", "*.crm.acme.example"]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == hosts
    assert ingress["spec"]["tls"][0]["hosts"] == hosts
    [service] = find(production_manifests, "Service")
    for rule in ingress["spec"]["rules"]:
        assert rule["http"]["paths"][0]["backend"]["service"]["name"] == service["metadata"]["name"]


def test_web_is_reachable_from_the_ingress_controller_only(production_manifests):
    [policy] = find(production_manifests, "NetworkPolicy", "crm-web")
    sources = [
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
    ]
    assert sources == ["ingress-nginx", "monitoring"]  # the controller, and Prometheus when named


def test_egress_goes_only_to_the_listed_ports_and_networks(production_manifests):
    [policy] = find(production_manifests, "NetworkPolicy", "crm-egress")
    assert policy["spec"]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "crm",
        "app.kubernetes.io/instance": "crm",
    }
    database = [rule for rule in policy["spec"]["egress"] if rule["ports"][0]["port"] == 5432]
    assert database == [{"ports": [{"port": 5432, "protocol": "TCP"}], "to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}]


def test_an_in_cluster_database_admits_only_this_releases_pods():
    manifests = render("--set", "networkPolicy.backendPodSelectors[0].app=postgresql")
    [policy] = find(manifests, "NetworkPolicy", "crm-backend-0")
    assert policy["spec"]["podSelector"]["matchLabels"] == {"app": "postgresql"}
    assert policy["spec"]["ingress"] == [
        {
            "from": [
                {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "crm", "app.kubernetes.io/instance": "crm"}}}
            ]
        }
    ]


def test_existing_secrets_are_loaded_after_the_charts_own(production_manifests):
    [web] = find(production_manifests, "Deployment", "crm-web")
    sources = web["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert sources == [
        {"configMapRef": {"name": "crm"}},
        {"secretRef": {"name": "crm"}},
        {"secretRef": {"name": "crm-settings"}},
    ]
    # The keys come from that Secret, so the chart generates none.
    [secret] = find(production_manifests, "Secret")
    assert not secret.get("data")


def test_keys_are_generated_only_when_nothing_gives_them(default_manifests):
    [secret] = find(default_manifests, "Secret")
    assert set(secret["data"]) == {"SECRET_KEY", "BACKUP_ENCRYPTION_KEY", "METRICS_TOKEN"}
    # Kept on uninstall: backups made with a generated key stay readable.
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
