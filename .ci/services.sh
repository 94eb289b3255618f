#!/usr/bin/env bash
# Start the services the test suite uses, on loopback, in throw-away folders.
# Source it: `. .ci/services.sh` exports the URLs the tests read.
# Needs the Debian packages postgresql (and later redis-server, chromium).
set -euo pipefail

MF_SERVICES_DIR="${MF_SERVICES_DIR:-$(mktemp -d /tmp/mentorflow-services.XXXXXX)}"
chmod 755 "$MF_SERVICES_DIR"
export MF_SERVICES_DIR

start_postgres() {
    local bin port data
    bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    port="${MF_POSTGRES_PORT:-55432}"
    data="$MF_SERVICES_DIR/pg"
    mkdir -p "$data"
    chown postgres "$data"
    su postgres -s /bin/sh -c "$bin/initdb -D '$data' -A trust -U postgres --no-sync" >/dev/null
    su postgres -s /bin/sh -c "$bin/pg_ctl -D '$data' -l '$data/server.log' -w \
        -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" >/dev/null
    export MENTORFLOW_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL on 127.0.0.1:$port"
}

start_postgres
