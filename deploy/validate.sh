#!/usr/bin/env bash
# Checks the deployment files offline (CI runs it; no cluster, no Docker engine needed):
#  1. deploy/kubernetes: rendered by kubectl's own kustomize (every file parses, every object has a kind and a name, no
#     object twice), then each object checked against Kubernetes' API schema (deploy/validate/schema-check.mjs).
#  2. docker-compose.yml: docker-compose config (the file's schema, variables and merges), with placeholder tokens.
#  3. Dockerfile: its own `dotnet publish` line (ReadyToRun, for this machine's platform), run for both processes, so the
#     recipe no image is built from here still publishes (about a minute and a half).
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

echo "== Dockerfile: its publish command, for the silo and the gateway"
publish=$(sed -n 's|^RUN \(dotnet publish .*\) -o /app$|\1|p' Dockerfile)
[ -n "$publish" ] || { echo "the Dockerfile has no 'RUN dotnet publish … -o /app' line" >&2; exit 1; }
for PROJECT in Silo Gateway; do
  # As Docker runs it (sh -c, with the build argument PROJECT in the environment), into a scratch folder.
  if ! PROJECT=$PROJECT sh -c "$publish -o '$work/publish-$PROJECT'" > "$work/publish-$PROJECT.log" 2>&1; then
    tail -30 "$work/publish-$PROJECT.log" >&2; echo "the Dockerfile's publish failed for $PROJECT" >&2; exit 1
  fi
  [ -f "$work/publish-$PROJECT/Tollgate.$PROJECT.dll" ] || { echo "the Dockerfile's publish made no Tollgate.$PROJECT.dll" >&2; exit 1; }
  echo "$PROJECT: $(du -sm "$work/publish-$PROJECT" | cut -f1) MB published"
done
# The silo references the gateway (Silo:ApiUrls serves its APIs), whose appsettings.json comes along: the silo's must be the one kept.
cmp -s src/Silo/appsettings.json "$work/publish-Silo/appsettings.json" || { echo "the silo's publish kept another appsettings.json than its own" >&2; exit 1; }

echo "deploy/validate.sh: all checks passed"
