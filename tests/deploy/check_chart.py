"""The Helm chart, checked offline (no cluster, no helm binary): for the default values and for
production-like ones (helm/buddysystem/ci/production-values.yaml) it is linted (strict), its
values are validated against values.schema.json, it is rendered, and every rendered manifest
is validated against the Kubernetes API schemas (strict: unknown fields fail) of the oldest
and newest Kubernetes versions the chart supports. Then what the deployment relies on is read
from the manifests (probes, one beat, the migration hook, the wildcard host with TLS, the
upload size, resources and non-root everywhere), and values the schema must refuse are tried.

Needs Python >= 3.12 with tests/deploy/requirements.txt (helm-python-sdk: Helm's Go library,
whose Chart.render is `helm template`; helm-sdkpy, which the issue names, has lint but no
offline render). tests/deploy/check_deploy_files.sh makes that virtualenv and runs this.
"""

import sys
import time
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import yaml

CHART = Path(__file__).resolve().parents[2] / "helm" / "buddysystem"
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")  # Chart.yaml's kubeVersion, and the newest
RELEASE, NAMESPACE = "buddysystem", "buddysystem"
ERROR = 2  # lint message severities: 1 info, 2 warning, 3 error
INVALID = (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError)

failures: list[str] = []


def check(condition: bool, what: str) -> None:
    if not condition:
        failures.append(what)
        print(f"   FAILED: {what}")


def manifests(rendered: dict[str, str]) -> list[dict]:
    documents = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                document.setdefault("metadata", {}).setdefault("annotations", {})
                documents.append(document)
    return documents


def by_kind(documents: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def containers(document: dict) -> list[dict]:
    spec = document["spec"]
    pod = spec["template"]["spec"] if "template" in spec else spec
    return pod.get("initContainers", []) + pod["containers"]


def check_values(label: str, chart: helm.Chart, values: dict | None) -> list[dict]:
    print(f"-- {label} values")
    report = helm.lint(str(CHART), values, strict=True, namespace=NAMESPACE)
    problems = [m for m in report["messages"] if m["severity"] >= ERROR] + report["errors"]
    check(not problems, f"helm lint (strict): {problems}")
    try:
        chart.validate_schema(chart.merge_values(values))
    except helm.HelmError as error:
        check(False, f"values.schema.json refuses the {label} values: {error}")
    documents = manifests(chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True))
    print(f"   rendered {len(documents)} manifests")
    for version in KUBERNETES_VERSIONS:
        for document in documents:
            name = f"{document['kind']}/{document['metadata']['name']}"
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except INVALID as e:
                check(False, f"Kubernetes {version} schema, {name}: {getattr(e, 'message', e)}")
    check_workloads(documents, chart.merge_values(values))
    return documents


def check_workloads(documents: list[dict], values: dict) -> None:
    fullname = RELEASE  # the release is named after the chart
    deployments = by_kind(documents, "Deployment")
    web = deployments.get(f"{fullname}-web")
    check(web is not None, "a web Deployment")
    if web:
        (container,) = containers(web)
        check(container["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness /healthz")
        check(container["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness /readyz")
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        check(env.get("WEB_CONCURRENCY") == str(values["web"]["concurrency"]), "gunicorn workers")
    check(f"{fullname}-web" in by_kind(documents, "Service"), "a web Service")
    hpas = by_kind(documents, "HorizontalPodAutoscaler")
    if values["web"]["autoscaling"]["enabled"]:
        hpa = hpas.get(f"{fullname}-web", {})
        check(hpa.get("spec", {}).get("scaleTargetRef", {}).get("name") == f"{fullname}-web",
              "an HPA for the web Deployment")  # fmt: skip
        check(web is not None and "replicas" not in web["spec"], "no fixed replicas beside an HPA")
    pdbs = by_kind(documents, "PodDisruptionBudget")
    check(f"{fullname}-web" in pdbs, "a PodDisruptionBudget for web")

    for name, worker in values["workers"].items():
        deployment = deployments.get(f"{fullname}-worker-{name}")
        check(deployment is not None, f"a worker Deployment for {name}")
        if deployment:
            command = containers(deployment)[0]["command"]
            check(f"--queues={','.join(worker['queues'])}" in command, f"{name}: its queues")
            check(f"--concurrency={worker['concurrency']}" in command, f"{name}: concurrency")
            check(deployment["spec"]["replicas"] == worker["replicas"], f"{name}: replicas")
    matching = values["config"].get("CELERY_MATCHING_QUEUE")
    consumed = {q for w in values["workers"].values() if w["replicas"] > 0 for q in w["queues"]}
    check(matching in consumed, f"a worker consumes the match runs' queue {matching!r}")

    beat = deployments.get(f"{fullname}-beat")
    check(beat is not None and beat["spec"]["replicas"] == 1, "beat: exactly one replica")
    check(beat is not None and beat["spec"]["strategy"]["type"] == "Recreate", "beat: Recreate")

    jobs = by_kind(documents, "Job")
    job = jobs.get(f"{fullname}-migrate")
    check(job is not None, "a migration Job")
    if job:
        hooks = job["metadata"]["annotations"].get("helm.sh/hook", "").split(",")
        check({"pre-install", "pre-upgrade"} <= set(hooks), "migration Job: pre-install/upgrade")
        command = containers(job)[0]["command"]
        check("migrate_schemas" in command and "--executor=multiprocessing" in command,
              "migration Job: migrate_schemas in parallel")  # fmt: skip
        hook_weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
        for kind in ("ConfigMap", "Secret", "ServiceAccount"):
            for needed in by_kind(documents, kind).values():
                annotations = needed["metadata"]["annotations"]
                check("pre-install" in annotations.get("helm.sh/hook", "")
                      and int(annotations["helm.sh/hook-weight"]) < hook_weight,
                      f"{kind} exists before the migration Job on a first install")  # fmt: skip

    ingress = next(iter(by_kind(documents, "Ingress").values()), None)
    check(ingress is not None, "an Ingress")
    if ingress:
        domain = values["baseDomain"]
        hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
        check(hosts == {domain, f"*.{domain}"}, f"Ingress hosts: root and wildcard ({hosts})")
        tls_hosts = {h for tls in ingress["spec"].get("tls", []) for h in tls["hosts"]}
        check(tls_hosts == hosts, "TLS for the root domain and the wildcard")
        size = ingress["metadata"]["annotations"].get("nginx.ingress.kubernetes.io/proxy-body-size")
        check(size is not None and megabytes(size) >= 3, f"uploads up to 2 MB pass ({size})")

    policies = by_kind(documents, "NetworkPolicy")
    if values["networkPolicy"]["enabled"]:
        for name in values["workers"]:
            policy = policies.get(f"{fullname}-worker-{name}", {"spec": {"ingress": [{}]}})
            (rule,) = policy["spec"]["ingress"]
            ports = [p["port"] for p in rule.get("ports", [])]
            check(ports == ["metrics"] and "from" in rule, f"{name}: only metrics, only scrapers")
        check(f"{fullname}-beat" in policies, "beat takes no connection")
    check(bool(by_kind(documents, "ConfigMap")), "a ConfigMap")
    secret_name = values["existingSecret"] or f"{fullname}-env"
    check(values["existingSecret"] != "" or secret_name in by_kind(documents, "Secret"),
          "the chart's Secret, without an existing one")  # fmt: skip
    for document in documents:
        if document["kind"] not in ("Deployment", "Job"):
            continue
        pod = document["spec"]["template"]["spec"]
        name = document["metadata"]["name"]
        check(pod["securityContext"].get("runAsNonRoot") is True, f"{name}: runAsNonRoot")
        for container in containers(document):
            resources = container.get("resources", {})
            check({"requests", "limits"} <= set(resources), f"{name}: requests and limits")
            check(container["securityContext"].get("readOnlyRootFilesystem") is True,
                  f"{name}: read-only root filesystem")  # fmt: skip
            refs = {r.get("secretRef", {}).get("name") for r in container.get("envFrom", [])}
            check(secret_name in refs, f"{name}: environment from the Secret {secret_name}")


def megabytes(size: str) -> float:
    unit = size[-1].lower()
    number = float(size[:-1]) if unit.isalpha() else float(size)
    return number * {"k": 1 / 1024, "m": 1, "g": 1024}.get(unit, 1 / 1024 / 1024)


REFUSED = {
    "an unknown top-level value": {"replicaCount": 3},
    "DEBUG on": {"config": {"DEBUG": "true"}},
    "a secret in the ConfigMap": {"config": {"SECRET_KEY": "x" * 60}},
    "a base domain with a scheme": {"baseDomain": "https://buddy.esn.org"},
    "a short SECRET_KEY": {"secrets": {"SECRET_KEY": "short"}},
    "a worker without queues": {"workers": {"default": {"queues": []}}},
    "the metrics port on the web port": {"metrics": {"port": 8000}},
    "a non-quantity memory": {"beat": {"resources": {"limits": {"memory": "lots"}}}},
}


def check_refused(chart: helm.Chart) -> None:
    print("-- values the schema must refuse")
    for what, values in REFUSED.items():
        try:
            chart.validate_schema(chart.merge_values(values))
        except helm.HelmError:
            continue
        check(False, f"values.schema.json accepts {what}")


def main() -> None:
    started = time.monotonic()
    chart = helm.Chart.load(str(CHART))
    production = yaml.safe_load((CHART / "ci" / "production-values.yaml").read_text())
    default_documents = check_values("default", chart, None)
    production_documents = check_values("production-like", chart, production)
    check(len(production_documents) > len(default_documents), "a third worker in production")
    check_refused(chart)
    if failures:
        sys.exit(f"== chart check: {len(failures)} failure(s)")
    print(f"== chart check passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
