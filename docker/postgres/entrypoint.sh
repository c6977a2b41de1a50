#!/bin/sh
# Starts the cluster as the primary or, on first start with EPJ_DB_ROLE=replica, turns it into a streaming standby.
# The role is fixed once (marker file): a promoted replica must stay a primary across restarts.
set -eu
: "${EPJ_DB_ROLE:=primary}"
marker="$PGDATA/.epj-role"

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

exec postgres -D "$PGDATA" -c config_file=/etc/epj-db/postgresql.conf "$@"
