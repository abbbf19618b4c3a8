#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster on 127.0.0.1 (Debian's packages).
# Installs postgresql when missing, starts a cluster in a temporary folder, sets DATABASE_URL,
# runs the command, and stops the cluster again.
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL fehlt: bitte 'sudo apt-get install postgresql' ausführen." >&2
    exit 1
  fi
  echo "Installing Debian's postgresql ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(pg_bin)
PORT=${PGTEST_PORT:-55432}
DATA=$(mktemp -d /tmp/lueckenlos-pg.XXXXXX)
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$DATA"
  RUN_AS=(runuser -u postgres --)
fi
cleanup() { "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true; rm -rf "$DATA"; }
trap cleanup EXIT

"${RUN_AS[@]}" "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
OPTIONS="-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c max_connections=300"
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o "$OPTIONS" start >/dev/null
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -c "CREATE DATABASE lueckenlos_test" >/dev/null

export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/lueckenlos_test"
# For the fault tests that restart the database under a running worker.
export PGTEST_DATA="$DATA" PGTEST_BIN="$BIN" PGTEST_OPTIONS="$OPTIONS"
echo "PostgreSQL test cluster on 127.0.0.1:$PORT"
"$@"
