#!/usr/bin/env bash
# The whole test suite: starts (installing if needed) the servers it needs, then runs
# `cargo test --workspace --all-features` with their addresses, and stops them. Tests that need
# a server fail, never pass, when it is missing.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh --test store fleet::   # extra arguments go to cargo test
set -euo pipefail
cd "$(dirname "$0")/.."

# A server that cannot be started fails the run here (`eval "$(…)"` alone would hide it).
services=$(scripts/test-services.sh)
eval "$services"
stop() {
    eval "${PIIGUARD_TEST_POSTGRES_STOP:-}" >/dev/null 2>&1 || true
    eval "${PIIGUARD_TEST_POSTGRES_TLS_STOP:-}" >/dev/null 2>&1 || true
    eval "${PIIGUARD_TEST_VAULT_STOP:-}" >/dev/null 2>&1 || true
    eval "${PIIGUARD_TEST_KMS_STOP:-}" >/dev/null 2>&1 || true
}
trap stop EXIT

cargo test --workspace --all-features "$@"

# PostgreSQL crashing under load stops the server every other test uses: alone, after them.
if [ $# -eq 0 ]; then
    cargo test --workspace --all-features --test store -- --ignored --exact \
        fleet::postgres_only::a_database_crash_mid_write_loses_nothing_acknowledged
fi
