"""The Kubernetes manifests (infra/k8s): every overlay renders (our Python kustomize renderer, and
kubectl's built-in kustomize when installed, which must agree), every built-in resource validates
against the Kubernetes OpenAPI schemas (kubernetes-validate, strict: no unknown fields), the
CloudNativePG Cluster structurally, and the overlays say what the platform needs: probes on
/health, an HPA and a PDB per Deployment, a NATS JetStream cluster, Redis, a primary cluster in the
primary region and replica clusters of it elsewhere, routing in each region's failover order."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from infra import k8s_overlays
from infra.kustomize import render
from regions import load_layout

K8S = Path(__file__).resolve().parents[2] / "infra" / "k8s"
KUBERNETES = "1.32"
REGIONS = load_layout().codes

# The part of CloudNativePG's Cluster (postgresql.cnpg.io/v1) these manifests use, as its API
# reference defines it; unknown fields are refused so a typo cannot pass.
_SECRET_KEY = {"type": "object", "required": ["name", "key"], "additionalProperties": False,
               "properties": {"name": {"type": "string"}, "key": {"type": "string"}}}
CNPG_CLUSTER = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "postgresql.cnpg.io/v1"},
        "kind": {"const": "Cluster"},
        "spec": {
            "type": "object",
            "required": ["instances", "storage", "bootstrap"],
            "additionalProperties": False,
            "properties": {
                "instances": {"type": "integer", "minimum": 1},
                "imageName": {"type": "string"},
                "primaryUpdateStrategy": {"enum": ["unsupervised", "supervised"]},
                "storage": {"type": "object", "required": ["size"], "properties": {"size": {"type": "string"}}},
                "postgresql": {"type": "object", "properties": {"parameters": {
                    "type": "object", "additionalProperties": {"type": "string"}}}},
                "resources": {"type": "object"},
                "bootstrap": {
                    "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
                    "properties": {
                        "initdb": {"type": "object", "additionalProperties": False,
                                   "properties": {"database": {"type": "string"}, "owner": {"type": "string"}}},
                        "pg_basebackup": {"type": "object", "required": ["source"], "additionalProperties": False,
                                          "properties": {"source": {"type": "string"}}},
                    },
                },
                "replica": {"type": "object", "required": ["source"], "additionalProperties": False,
                            "properties": {"enabled": {"type": "boolean"}, "source": {"type": "string"}}},
                "externalClusters": {"type": "array", "items": {
                    "type": "object", "required": ["name"], "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string"},
                        "connectionParameters": {"type": "object", "additionalProperties": {"type": "string"}},
                        "sslKey": _SECRET_KEY, "sslCert": _SECRET_KEY, "sslRootCert": _SECRET_KEY,
                    },
                }},
            },
        },
    },
}


def _key(doc: dict[str, Any]) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


@pytest.fixture(scope="module", params=REGIONS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, dict[tuple[str, str], dict[str, Any]]]:
    region = request.param
    docs = render(K8S / "overlays" / region)
    by_key = {_key(d): d for d in docs}
    assert len(by_key) == len(docs), "duplicate resources"
    return region, by_key


def test_overlays_are_generated_from_the_region_layout() -> None:
    assert sorted(p.name for p in (K8S / "overlays").iterdir()) == sorted(REGIONS)
    for region in REGIONS:
        for name, text in k8s_overlays.files(region).items():
            assert (K8S / "overlays" / region / name).read_text() == text, f"run python -m infra.k8s_overlays ({region}/{name})"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed: the Python renderer alone is checked")
def test_our_renderer_agrees_with_kubectl_kustomize(overlay: Any) -> None:
    region, ours = overlay
    out = subprocess.run(["kubectl", "kustomize", str(K8S / "overlays" / region)], capture_output=True, text=True,
                         check=True, timeout=60)
    theirs = {_key(d): d for d in yaml.safe_load_all(out.stdout) if d}
    assert theirs == ours


def test_every_resource_validates(overlay: Any) -> None:
    region, docs = overlay
    for key, doc in docs.items():
        if doc["apiVersion"] == "postgresql.cnpg.io/v1":
            jsonschema.validate(doc, CNPG_CLUSTER)
        else:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        assert doc["metadata"]["namespace"] == f"charter-{region}", key
        assert doc["metadata"]["labels"]["charter.global-signal.org/region"] == region, key


def test_the_validation_can_fail() -> None:
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "x", "imagee": "y"}]}}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES, strict=True)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {},
                             "spec": {"instances": 3, "storage": {"size": "1Gi"}, "bootstrap": {"initdb": {}},
                                      "replicas": {"enabled": True}}}, CNPG_CLUSTER)


def test_each_deployment_has_probes_a_service_an_hpa_and_a_pdb(overlay: Any) -> None:
    _, docs = overlay
    deployments = [d for (kind, _), d in docs.items() if kind == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {"gateway", "nations", "projects", "metrics", "redis"}
    for d in deployments:
        name = d["metadata"]["name"]
        container = d["spec"]["template"]["spec"]["containers"][0]
        assert ("Service", name) in docs
        if name == "redis":
            continue
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["path"] == "/health", (name, probe)
        assert docs[("HorizontalPodAutoscaler", name)]["spec"]["scaleTargetRef"]["name"] == name
        pdb = docs[("PodDisruptionBudget", name)]
        assert pdb["spec"]["selector"]["matchLabels"] == d["spec"]["selector"]["matchLabels"]
        assert container["image"] == "ghcr.io/global-signal-charter/charter:0.1.0"
        assert {"configMapRef": {"name": "charter-region"}} in container["envFrom"]


def test_config_routing_and_database_per_region(overlay: Any) -> None:
    region, docs = overlay
    assert docs[("ConfigMap", "charter-region")]["data"]["CHARTER_REGION"] == region
    routing = yaml.safe_load(docs[("ConfigMap", "charter-gateway")]["data"]["routing.yaml"])
    failover = [region, *load_layout().regions[region].failover]
    for name, spec in routing["subgraphs"].items():
        assert [e["region"] for e in spec["endpoints"]] == failover
        assert spec["endpoints"][0]["url"] == f"http://{name}:4001/graphql"  # the local Service first
        assert len(spec["schema_hash"]) == 64
    secrets = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in docs[("Deployment", "nations")]["spec"]["template"]["spec"]["containers"][0]["env"]
        if "valueFrom" in e
    }
    assert secrets == {"charter-database"}  # credentials from a Secret, never in the manifests
    cluster = docs[("Cluster", "charter-pg")]["spec"]
    if region == k8s_overlays.PRIMARY_REGION:
        assert "initdb" in cluster["bootstrap"] and "replica" not in cluster
    else:
        assert cluster["bootstrap"] == {"pg_basebackup": {"source": "charter-pg-ams"}}
        assert cluster["replica"] == {"enabled": True, "source": "charter-pg-ams"}
        assert [c["name"] for c in cluster["externalClusters"]] == ["charter-pg-ams"]


def test_nats_is_a_jetstream_cluster_and_redis_is_there(overlay: Any) -> None:
    _, docs = overlay
    nats = docs[("StatefulSet", "nats")]["spec"]
    assert nats["replicas"] == 3 and nats["serviceName"] == "nats-headless"
    assert nats["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    conf = docs[("ConfigMap", "nats-config")]["data"]["nats.conf"]
    assert "jetstream" in conf and all(f"nats-{i}.nats-headless:6222" in conf for i in range(3))
    assert ("PodDisruptionBudget", "nats") in docs and ("Service", "redis") in docs
