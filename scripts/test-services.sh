#!/usr/bin/env bash
# Starts the servers the test suite needs, installing them first where missing, and prints the
# environment the tests read (`export` lines, for `eval`). Used by scripts/test.sh.
#
# - PostgreSQL: a throwaway cluster in a temporary directory, on 127.0.0.1 at a free port, run
#   by the `postgres` system user when started as root (initdb refuses root). The tests get
#   PIIGUARD_TEST_POSTGRES (a superuser URL, for migrations) and create their own databases.
set -euo pipefail

log() { echo "test-services: $*" >&2; }

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        log "cannot install $* without root: install it and run again"
        exit 1
    fi
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

pg_bin() {
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return
        fi
    done
}

start_postgres() {
    local bin
    bin=$(pg_bin)
    if [ -z "$bin" ]; then
        apt_install postgresql
        bin=$(pg_bin)
    fi
    local run_as=()
    local data
    data=$(mktemp -d /tmp/piiguard-pg.XXXXXX)
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$data"
        run_as=(runuser -u postgres --)
    fi
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${run_as[@]}" "$bin/initdb" -D "$data/db" -U postgres --auth=trust -E UTF8 >/dev/null
    "${run_as[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c fsync=on -c max_connections=200" \
        start >/dev/null
    log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($data)"
    echo "export PIIGUARD_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres'"
    echo "export PIIGUARD_TEST_POSTGRES_STOP='${run_as[*]} $bin/pg_ctl -D $data/db -m fast stop'"
}

start_postgres
