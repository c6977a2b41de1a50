#!/bin/sh
# Starts the cluster as the primary or, on first start with EPJ_DB_ROLE=replica, turns it into a streaming standby.
# The role is fixed once (marker file): a promoted replica must stay a primary across restarts.
#
# `epj-db-entrypoint rejoin` (run in a one-off container on a STOPPED cluster's volume) instead makes the cluster
# a replica of a running primary: the harness's failback. It lives here because this file is in the image anyway.
set -eu
: "${EPJ_DB_ROLE:=primary}"
marker="$PGDATA/.epj-role"
conf=/etc/epj-db/postgresql.conf

# rejoin: EPJ_SOURCE_HOST, EPJ_SOURCE_PORT (the new primary), EPJ_APPLICATION_NAME, optional EPJ_PRIMARY_SLOT.
rejoin() {
  : "${EPJ_SOURCE_HOST:?EPJ_SOURCE_HOST is required}"
  : "${EPJ_SOURCE_PORT:?EPJ_SOURCE_PORT is required}"
  : "${EPJ_APPLICATION_NAME:?EPJ_APPLICATION_NAME is required}"
  src="host=$EPJ_SOURCE_HOST port=$EPJ_SOURCE_PORT user=postgres dbname=postgres connect_timeout=5"
  state=$(pg_controldata "$PGDATA" | sed -n 's/^Database cluster state: *//p')
  echo "epj-db rejoin: target cluster state '$state'"
  case "$state" in
    "shut down"|"shut down in recovery") ;;
    *)
      # Killed (SIGKILL, power loss): finish crash recovery first. pg_rewind would do it too, but with PGDATA's own
      # postgresql.conf, which lacks wal_log_hints, and pg_rewind then refuses the target. Standby mode is not
      # allowed in single-user mode, so standby.signal steps aside meanwhile (the target is rewound anyway).
      rm -f "$PGDATA/standby.signal" "$PGDATA/postmaster.pid"
      echo "epj-db rejoin: crash recovery (single-user)"
      # (A cluster too damaged to recover makes pg_rewind fail next, which falls back to a base backup.)
      postgres --single -F -D "$PGDATA" -c config_file="$conf" template1 </dev/null >/dev/null || echo "epj-db rejoin: crash recovery failed"
      ;;
  esac
  pg_controldata "$PGDATA" 2>&1 | grep -E "^(Latest checkpoint location|Latest checkpoint's TimeLineID|Minimum recovery ending location|Database cluster state)" | sed 's/^/epj-db rejoin: target /'
  if pg_rewind --target-pgdata="$PGDATA" --source-server="$src" --write-recovery-conf; then
    how=pg_rewind
  else
    # Rewind impossible (WAL recycled, damaged cluster, …): start over from a full copy of the new primary.
    echo "epj-db rejoin: pg_rewind failed; taking a fresh base backup instead"
    find "$PGDATA" -mindepth 1 -delete
    pg_basebackup -h "$EPJ_SOURCE_HOST" -p "$EPJ_SOURCE_PORT" -U postgres -D "$PGDATA" -X stream -c fast -R
    how=pg_basebackup
  fi
  # Both tools copy the source's own postgresql.auto.conf, role marker and (rewind) keep our stale slots: replace
  # them, so the replica names itself (pg_stat_replication.application_name) and a restart keeps it a replica.
  rm -rf "$PGDATA/pg_replslot/"*
  sed -i '/^primary_conninfo/d;/^primary_slot_name/d' "$PGDATA/postgresql.auto.conf"
  echo "primary_conninfo = 'host=$EPJ_SOURCE_HOST port=$EPJ_SOURCE_PORT user=postgres application_name=$EPJ_APPLICATION_NAME connect_timeout=2'" >> "$PGDATA/postgresql.auto.conf"
  if [ -n "${EPJ_PRIMARY_SLOT:-}" ]; then
    echo "primary_slot_name = '$EPJ_PRIMARY_SLOT'" >> "$PGDATA/postgresql.auto.conf"
  fi
  touch "$PGDATA/standby.signal"
  echo replica > "$marker"
  echo "epj-db rejoin: done by $how"
}

# A new volume: start from the cluster baked into the image (the same one at both sites).
if [ ! -f "$PGDATA/PG_VERSION" ] && [ -n "${EPJ_DB_TEMPLATE:-}" ]; then
  cp -a "$EPJ_DB_TEMPLATE/." "$PGDATA/"
  chmod 0700 "$PGDATA"
fi

if [ "${1:-}" = rejoin ]; then
  rejoin
  exit 0
fi

if [ ! -f "$marker" ]; then
  case "$EPJ_DB_ROLE" in
    primary) ;;
    replica)
      : "${EPJ_PRIMARY_HOST:?EPJ_PRIMARY_HOST is required for a replica}"
      : "${EPJ_PRIMARY_PORT:=5432}"
      : "${EPJ_APPLICATION_NAME:=replica}"
      # Same cluster as the primary (both volumes come from the image), so streaming can start at once.
      rm -rf "$PGDATA/pg_replslot/"*
      touch "$PGDATA/standby.signal"
      cat >> "$PGDATA/postgresql.auto.conf" <<CONF
primary_conninfo = 'host=$EPJ_PRIMARY_HOST port=$EPJ_PRIMARY_PORT user=postgres application_name=$EPJ_APPLICATION_NAME connect_timeout=2'
primary_slot_name = '$EPJ_APPLICATION_NAME'
CONF
      ;;
    *) echo "epj-db: unknown EPJ_DB_ROLE '$EPJ_DB_ROLE' (primary or replica)" >&2; exit 2 ;;
  esac
  echo "$EPJ_DB_ROLE" > "$marker"
fi

exec postgres -D "$PGDATA" -c config_file="$conf" "$@"
