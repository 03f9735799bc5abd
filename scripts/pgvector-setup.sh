#!/usr/bin/env bash
# Makes the pgvector extension available to the local PostgreSQL and creates it in the test
# database (SIAMESE_INDEX=pgvector, test/db/pgvector*.test.ts). Idempotent: does nothing when
# `CREATE EXTENSION IF NOT EXISTS vector` already succeeds.
#
# Debian bookworm has no pgvector package, so this builds the vendored upstream source
# (../shared/vendor/pgvector-0.8.6, tag v0.8.6, see ../shared/vendor/README.md) against the
# server's major version: postgresql-server-dev-<major> + build-essential, then
# `make OPTFLAGS="" && make install` in a writable copy (OPTFLAGS="" gives a portable binary
# instead of -march=native). Where a registry serves it (PGDG's postgresql-15-pgvector, the
# pgvector/pgvector image) install that instead; this script then only creates the extension.
#
# The extension is created by the postgres superuser (CREATE EXTENSION vector needs superuser:
# pgvector is not a trusted extension) in the test database AND in template1, so databases
# created later (CREATE DATABASE copies template1) have it too.
#
# Usage: scripts/pgvector-setup.sh [database ...]   (default: $PG_TEST_DB or siamese_test)
# Env:   PGVECTOR_SRC (default: <repo>/../shared/vendor/pgvector-0.8.6), PG_TEST_PORT (default: the cluster's).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
SRC="${PGVECTOR_SRC:-$here/../shared/vendor/pgvector-0.8.6}"
log() { echo "[pgvector-setup] $*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}

command -v pg_lsclusters >/dev/null 2>&1 || die "PostgreSQL is not installed (run scripts/pg-test-setup.sh first)"
read -r PG_VER _ PG_PORT PG_STATUS _ < <(pg_lsclusters --no-header | sort -k1,1nr | head -n1) || true
[[ -n "${PG_VER:-}" ]] || die "no PostgreSQL cluster (run scripts/pg-test-setup.sh first)"
[[ "${PG_STATUS:-}" == online* ]] || die "PostgreSQL $PG_VER is not running (run scripts/pg-test-setup.sh first)"
PG_PORT="${PG_TEST_PORT:-$PG_PORT}"
if [[ $# -gt 0 ]]; then dbs=("$@"); else dbs=("${PG_TEST_DB:-siamese_test}"); fi

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -p $PG_PORT -d $1 -c \"$2\""; }
create_everywhere() {
  local db
  for db in template1 "${dbs[@]}"; do
    psql_admin "$db" 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null 2>&1 || return 1
  done
}

if create_everywhere; then
  log "extension vector $(psql_admin "${dbs[0]}" "SELECT extversion FROM pg_extension WHERE extname='vector'") ready in: template1 ${dbs[*]}"
  exit 0
fi

# Not installed in this server: build it from the vendored source.
[[ -f "$SRC/vector.control" ]] || die "pgvector source not found at $SRC (set PGVECTOR_SRC)"
pg_config_bin="/usr/lib/postgresql/$PG_VER/bin/pg_config"
# (postgresql-15 ships a pg_config but not the server headers: check for postgres.h itself.)
if [[ ! -x "$pg_config_bin" ]] || [[ ! -f "$("$pg_config_bin" --includedir-server 2>/dev/null)/postgres.h" ]] ||
  ! command -v make >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1; then
  log "installing postgresql-server-dev-$PG_VER build-essential"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "postgresql-server-dev-$PG_VER" build-essential >&2 ||
    { apt-get update -qq >&2 && apt-get install -y -qq "postgresql-server-dev-$PG_VER" build-essential >&2; } ||
    die "apt-get install postgresql-server-dev-$PG_VER build-essential"
fi
work="$(mktemp -d -t pgvector-build.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cp -a "$SRC/." "$work/"
log "building $(basename "$SRC") for PostgreSQL $PG_VER in $work"
t0=$(date +%s)
make -C "$work" -s PG_CONFIG="$pg_config_bin" OPTFLAGS="" >&2 || die "make"
make -C "$work" -s PG_CONFIG="$pg_config_bin" OPTFLAGS="" install >&2 || die "make install"
log "built and installed in $(($(date +%s) - t0)) s"

create_everywhere || die "CREATE EXTENSION vector still fails after make install"
log "extension vector $(psql_admin "${dbs[0]}" "SELECT extversion FROM pg_extension WHERE extname='vector'") ready in: template1 ${dbs[*]}"
