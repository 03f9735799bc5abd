#!/usr/bin/env bash
# A streaming standby of the local PostgreSQL cluster, for DATABASE_READ_URL (issue 18, read
# scaling; docs/replicas/read-scaling.md). Run as root on the database host.
#
#   scripts/pg-standby-setup.sh start DIR PORT [APPLY_DELAY]   prints the standby's URL
#   scripts/pg-standby-setup.sh delay DIR APPLY_DELAY           e.g. 3s, or 0 (reload, no restart)
#   scripts/pg-standby-setup.sh stop DIR                        stops it and removes DIR
#
# `start` copies the running cluster with `pg_basebackup -R -X stream --checkpoint=fast` into DIR
# (a new, empty directory), gives it its own postgresql.conf / pg_hba.conf (loopback only, on
# PORT, its socket in DIR) and starts it with pg_ctl as the postgres user. Nothing of the primary
# changes: the copy connects over the primary's Unix socket as postgres, which Debian's default
# pg_hba.conf allows (`local replication all peer`), with wal_level=replica and max_wal_senders=10,
# PostgreSQL 15's defaults. No replication slot is created, so a standby that is never stopped
# cannot make the primary keep WAL forever (the price: one that falls too far behind must be made again).
# APPLY_DELAY sets recovery_min_apply_delay: the standby receives WAL at once but applies each
# commit only that long after it was made (a lagging standby, for the tests).
# The URL printed uses the test role and database of scripts/pg-test-setup.sh (its passwords
# come with the copy). Environment: PG_TEST_USER, PG_TEST_PASSWORD, PG_TEST_DB as there.
set -euo pipefail

PG_USER="${PG_TEST_USER:-siamese}"
PG_PASSWORD="${PG_TEST_PASSWORD:-siamese}"
PG_DB="${PG_TEST_DB:-siamese_test}"

log() { echo "[pg-standby-setup] $*" >&2; }
die() {
  log "$*"
  exit 1
}

cmd="${1:-}"
dir="${2:-}"
[[ -n "$cmd" && -n "$dir" ]] || die "usage: $0 start DIR PORT [APPLY_DELAY] | delay DIR APPLY_DELAY | stop DIR"
command -v pg_lsclusters >/dev/null || die "PostgreSQL is not installed (scripts/pg-test-setup.sh installs it)"
read -r PG_VER _ PRIMARY_PORT _ < <(pg_lsclusters --no-header | sort -k1,1nr | head -n1)
BIN="/usr/lib/postgresql/$PG_VER/bin"
as_postgres() { su postgres -s /bin/bash -c "$*"; }

case "$cmd" in
start)
  port="${3:-}"
  delay="${4:-0}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "start needs a port"
  [[ "$delay" =~ ^[0-9]+(ms|s|min)?$ ]] || die "APPLY_DELAY must look like 3s, 500ms or 0"
  [[ -x "$BIN/pg_basebackup" ]] || die "pg_basebackup not found in $BIN"
  if [[ -e "$dir" && -n "$(ls -A "$dir")" ]]; then die "$dir exists and is not empty"; fi
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  # The standby's directory must be reachable by postgres (mktemp -d makes its parent root-only).
  parent="$(dirname "$dir")"
  [[ "$(stat -c %U "$parent")" == postgres ]] || chmod o+x "$parent" 2>/dev/null || true
  log "base backup of $PG_VER/main (port $PRIMARY_PORT) into $dir"
  as_postgres "'$BIN/pg_basebackup' -h /var/run/postgresql -p $PRIMARY_PORT -D '$dir' -R -X stream --checkpoint=fast --no-sync"
  cat >"$dir/postgresql.conf" <<EOF
# standby made by scripts/pg-standby-setup.sh (primary: $PG_VER/main on port $PRIMARY_PORT)
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
shared_buffers = 32MB
max_connections = 100
ssl = off
fsync = off
cluster_name = 'siamese-standby-$port'
recovery_min_apply_delay = '$delay'
EOF
  cat >"$dir/pg_hba.conf" <<EOF
local all all peer
host all all 127.0.0.1/32 scram-sha-256
EOF
  : >"$dir/pg_ident.conf"
  chown postgres:postgres "$dir/postgresql.conf" "$dir/pg_hba.conf" "$dir/pg_ident.conf"
  as_postgres "'$BIN/pg_ctl' -D '$dir' -l '$dir/standby.log' -w -t 60 start" >&2 || {
    tail -n 30 "$dir/standby.log" >&2 || true
    die "the standby did not start"
  }
  for _ in $(seq 1 100); do
    [[ "$(as_postgres "psql -h '$dir' -p $port -qtA -c 'SELECT pg_is_in_recovery()'" 2>/dev/null)" == t ]] && break
    sleep 0.1
  done
  [[ "$(as_postgres "psql -h '$dir' -p $port -qtA -c 'SELECT pg_is_in_recovery()'")" == t ]] || die "the copy is not in recovery"
  log "standby on 127.0.0.1:$port (recovery_min_apply_delay = $delay)"
  echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
  ;;
delay)
  delay="${3:-}"
  [[ "$delay" =~ ^[0-9]+(ms|s|min)?$ ]] || die "APPLY_DELAY must look like 3s, 500ms or 0"
  port="$(sed -nE 's/^port = ([0-9]+)$/\1/p' "$dir/postgresql.conf")"
  # recovery_min_apply_delay is reloadable: no restart.
  as_postgres "psql -h '$dir' -p $port -qtA -c \"ALTER SYSTEM SET recovery_min_apply_delay = '$delay'\" -c 'SELECT pg_reload_conf()'" >/dev/null
  log "recovery_min_apply_delay = $delay"
  ;;
stop)
  if [[ -f "$dir/postmaster.pid" ]]; then
    as_postgres "'$BIN/pg_ctl' -D '$dir' -m immediate -w -t 30 stop" >&2 || log "pg_ctl stop failed"
  fi
  [[ -f "$dir/PG_VERSION" || ! -e "$dir" || -z "$(ls -A "$dir")" ]] || die "$dir is not a standby made here: not removing it"
  rm -rf "$dir"
  ;;
*)
  die "unknown command $cmd"
  ;;
esac
