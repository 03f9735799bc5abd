#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster (installing it on a fresh Debian machine) and
# creates the test role and database idempotently. Prints the URL to export as
# TEST_DATABASE_URL_PG. Used by .ci/run; handy locally: `export TEST_DATABASE_URL_PG=$(scripts/pg-test-setup.sh)`.
set -euo pipefail

PG_USER="${PG_TEST_USER:-siamese}"
PG_PASSWORD="${PG_TEST_PASSWORD:-siamese}"
PG_DB="${PG_TEST_DB:-siamese_test}"
PG_PORT="${PG_TEST_PORT:-5432}"

log() { echo "[pg-test-setup] $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "PostgreSQL not installed: apt-get install -y postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

# The newest installed major version's 'main' cluster (15 on these machines).
read -r PG_VER PG_CLUSTER PG_CLUSTER_PORT PG_STATUS _ < <(pg_lsclusters --no-header | sort -k1,1nr | head -n1) || true
if [[ -z "${PG_VER:-}" ]]; then
  PG_VER=$(ls /usr/lib/postgresql | sort -n | tail -n1)
  log "no cluster: pg_createcluster $PG_VER main"
  pg_createcluster "$PG_VER" main >&2
  read -r PG_VER PG_CLUSTER PG_CLUSTER_PORT PG_STATUS _ < <(pg_lsclusters --no-header | sort -k1,1nr | head -n1)
fi
PG_PORT="$PG_CLUSTER_PORT"
if [[ "$PG_STATUS" != online* ]]; then
  log "starting cluster $PG_VER/$PG_CLUSTER on port $PG_PORT"
  pg_ctlcluster "$PG_VER" "$PG_CLUSTER" start >&2
fi
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 0.2
done
pg_isready -h 127.0.0.1 -p "$PG_PORT" >&2

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -p $PG_PORT $*"; }
if [[ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'\"")" != "1" ]]; then
  log "creating role $PG_USER"
  psql_admin "-c \"CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD' CREATEDB\""
fi
if [[ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname='$PG_DB'\"")" != "1" ]]; then
  log "creating database $PG_DB"
  psql_admin "-c \"CREATE DATABASE $PG_DB OWNER $PG_USER\""
fi

echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
