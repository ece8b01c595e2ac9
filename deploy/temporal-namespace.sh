#!/bin/sh
# docker-compose.yml "temporal-namespace" (temporalio/admin-tools): create the refunds'
# namespace when it does not exist yet (temporalio/server, unlike the deprecated auto-setup image,
# creates none).
set -eu
if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "temporal-namespace: $NAMESPACE exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
  echo "temporal-namespace: created $NAMESPACE (retention $RETENTION)"
fi
