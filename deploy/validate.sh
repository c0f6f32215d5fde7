#!/usr/bin/env bash
# Checks the deployment files offline (CI runs it; no cluster, no Docker engine needed):
#  1. deploy/kubernetes: rendered by kubectl's own kustomize (every file parses, every object has a kind and a name, no
#     object twice), then each object checked against Kubernetes' API schema (deploy/validate/schema-check.mjs).
#  2. docker-compose.yml: docker-compose config (the file's schema, variables and merges), with placeholder tokens.
# Tollgate's own facts (probes on paths the code serves, grace periods above the shutdown timeouts, secret keys, labels
# and selectors) are checked by KubernetesManifestTests. Needs kubectl, docker-compose and node (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in kubectl docker-compose node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "deploy/validate.sh: $tool is missing (Debian: kubernetes-client, docker-compose, nodejs npm)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== kubernetes: render with kubectl kustomize ($(kubectl version --client 2>/dev/null | head -1))"
# kubectl apply -f deploy/kubernetes/ is how it is meant to be applied, and that reads every file of the folder, so the
# kustomization that renders it offline is made here rather than kept beside the manifests.
mkdir "$work/render"
{
  echo "resources:"
  for manifest in deploy/kubernetes/*.yaml deploy/kubernetes/examples/*.yaml; do
    copy="$(basename "$(dirname "$manifest")")-$(basename "$manifest")"
    cp "$manifest" "$work/render/$copy"
    echo "  - $copy"
  done
} > "$work/render/kustomization.yaml"
kubectl kustomize "$work/render" > "$work/rendered.yaml"
grep -E '^kind: ' "$work/rendered.yaml" | sort | uniq -c

echo "== kubernetes: schema check"
[ -d deploy/validate/node_modules ] || npm ci --prefix deploy/validate --no-audit --no-fund --loglevel=error
node deploy/validate/schema-check.mjs "$work/rendered.yaml"

echo "== docker-compose.yml: docker-compose config ($(docker-compose version --short 2>/dev/null))"
TOLLGATE_ADMIN_TOKEN=placeholder-admin TOLLGATE_SERVICE_TOKEN=placeholder-service docker-compose -f docker-compose.yml config -q
services=$(TOLLGATE_ADMIN_TOKEN=x TOLLGATE_SERVICE_TOKEN=x docker-compose -f docker-compose.yml config --services | sort | tr '\n' ' ')
echo "services: $services"
[ "$services" = "fake-upstream gateway-1 gateway-2 postgres silo-1 silo-2 " ] || { echo "unexpected compose services: $services" >&2; exit 1; }

echo "deploy/validate.sh: all checks passed"
