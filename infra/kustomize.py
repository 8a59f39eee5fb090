"""A small kustomize renderer in Python, for the subset infra/k8s uses (so overlays render and are
checked where no kustomize or kubectl binary is installed): `resources` (files and directories),
`configMapGenerator` (literals, files) with `generatorOptions.disableNameSuffixHash`, `patches`
(strategic-merge patch files: maps merge, lists of named items merge by name, null deletes),
`namespace`, `labels` (metadata only, as with includeSelectors: false) and `images`.
Anything else in a kustomization is refused rather than silently ignored.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]

SUPPORTED = {
    "apiVersion", "kind", "resources", "configMapGenerator", "generatorOptions", "patches", "namespace",
    "labels", "images",
}
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "StorageClass",
                  "PersistentVolume", "PriorityClass"}


class KustomizeError(ValueError):
    pass


def render(directory: Path) -> list[Doc]:
    k = yaml.safe_load((directory / "kustomization.yaml").read_text()) or {}
    unknown = set(k) - SUPPORTED
    if unknown:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    docs: list[Doc] = []
    for entry in k.get("resources") or ():
        path = (directory / entry).resolve()
        if path.is_dir():
            docs += render(path)
        else:
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    options = k.get("generatorOptions") or {}
    for gen in k.get("configMapGenerator") or ():
        if not options.get("disableNameSuffixHash") and not (gen.get("options") or {}).get("disableNameSuffixHash"):
            raise KustomizeError(f"{directory}: name suffix hashes are not supported; disable them")
        docs.append(_config_map(directory, gen))
    for patch in k.get("patches") or ():
        _apply_patch(directory, patch, docs)
    if k.get("namespace"):
        for d in docs:
            if d.get("kind") not in CLUSTER_SCOPED:
                d.setdefault("metadata", {})["namespace"] = k["namespace"]
    for label in k.get("labels") or ():
        if label.get("includeSelectors") or label.get("includeTemplates"):
            raise KustomizeError(f"{directory}: labels with includeSelectors/includeTemplates are not supported")
        for d in docs:
            d.setdefault("metadata", {}).setdefault("labels", {}).update(label.get("pairs") or {})
    for image in k.get("images") or ():
        for d in docs:
            _retag(d, image)
    return docs


def _config_map(directory: Path, gen: Doc) -> Doc:
    data: dict[str, str] = {}
    for literal in gen.get("literals") or ():
        key, _, value = literal.partition("=")
        data[key] = value
    for file in gen.get("files") or ():
        key, _, rel = file.partition("=") if "=" in file else (Path(file).name, "", file)
        data[key] = (directory / rel).read_text()
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": gen["name"]}, "data": data}


def _apply_patch(directory: Path, patch: Doc, docs: list[Doc]) -> None:
    if "path" in patch:
        body = yaml.safe_load((directory / patch["path"]).read_text())
    else:
        body = yaml.safe_load(patch["patch"])
    target = patch.get("target") or {"kind": body["kind"], "name": body["metadata"]["name"]}
    matched = [d for d in docs if d.get("kind") == target.get("kind") and d["metadata"]["name"] == target.get("name")]
    if len(matched) != 1:
        raise KustomizeError(f"{directory}: patch target {target} matches {len(matched)} resources")
    merged = merge(matched[0], body)
    matched[0].clear()
    matched[0].update(merged)


def merge(base: Any, patch: Any) -> Any:
    """Strategic-merge subset: maps merge key by key (None deletes), lists of maps that all have a
    `name` merge item by item, any other value is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        items = copy.deepcopy(base)
        index = {item["name"]: i for i, item in enumerate(items)}
        for item in patch:
            if item["name"] in index:
                items[index[item["name"]]] = merge(items[index[item["name"]]], item)
            else:
                items.append(copy.deepcopy(item))
        return items
    return copy.deepcopy(patch)


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def _retag(doc: Doc, image: Doc) -> None:
    spec = doc.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    for container in [*(pod.get("containers") or ()), *(pod.get("initContainers") or ())]:
        name = container.get("image", "")
        bare = name.split("@")[0].rsplit(":", 1)[0] if ":" in name.split("/")[-1] else name.split("@")[0]
        if bare == image["name"]:
            new = image.get("newName", bare)
            if "newTag" in image:
                new += f":{image['newTag']}"
            elif "digest" in image:
                new += f"@{image['digest']}"
            container["image"] = new
