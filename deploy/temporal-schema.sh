#!/bin/sh
# docker-compose.yml "temporal-schema" (temporalio/admin-tools): create the Temporal databases
# when missing and bring both schemas to the versions this image ships. Safe to run at every
# `docker compose up`: create skips an existing database, update-schema applies only what is new.
set -eu
schemas=/etc/temporal/schema/postgresql/v12
tool() { temporal-sql-tool --plugin "$SQL_PLUGIN" --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER" "$@"; }

for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}
  dir=${db#*:}
  echo "temporal-schema: database $name"
  tool --db "$name" create 2>/dev/null || echo "temporal-schema: $name exists"
  # setup-schema -v 0.0 only creates the version table; it fails harmlessly once it exists.
  tool --db "$name" setup-schema -v 0.0 2>/dev/null || true
  tool --db "$name" update-schema -d "$schemas/$dir/versioned"
done
echo "temporal-schema: done"
