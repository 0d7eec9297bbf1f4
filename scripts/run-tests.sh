#!/usr/bin/env bash
# Run the test suite against a throwaway PostgreSQL server.
#   scripts/run-tests.sh [pytest args...]
# Exports TRUCE_TEST_PG_URL for the tests. With CI=true a server that cannot be
# started is a failure; elsewhere the PostgreSQL tests are skipped with a warning.
set -uo pipefail

cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen

# Prefer the venv's python/pytest when present.
if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi

if [ -d /usr/lib/postgresql/15/bin ]; then PATH="$PATH:/usr/lib/postgresql/15/bin"; fi

pg_dir=""
pg_user=""
as_pg() {
    # Run a command as the user that owns the cluster (initdb refuses root).
    if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

stop_pg() {
    if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
        if [ -f "$pg_dir/data/postmaster.pid" ]; then
            as_pg pg_ctl -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$pg_dir"
    fi
}
trap stop_pg EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_pg() {
    command -v initdb >/dev/null && command -v pg_ctl >/dev/null || {
        echo "run-tests: initdb/pg_ctl not found on PATH" >&2; return 1; }
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/truce-pg.XXXXXX") || return 1
    if [ "$(id -u)" = 0 ]; then
        if id postgres >/dev/null 2>&1; then pg_user=postgres; else pg_user=nobody; fi
        chown "$pg_user" "$pg_dir" || return 1
        chmod 700 "$pg_dir"
    fi
    as_pg mkdir "$pg_dir/sock" || return 1
    as_pg initdb -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-sync \
        >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; return 1; }
    local attempt
    for attempt in 1 2 3; do
        port=$(free_port) || return 1
        if as_pg pg_ctl -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
            start >/dev/null; then
            break
        fi
        port=""
    done
    [ -n "$port" ] || { cat "$pg_dir/server.log" >&2; return 1; }
    createdb -h 127.0.0.1 -p "$port" -U postgres truce_test || return 1
    export TRUCE_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/truce_test"
    echo "run-tests: PostgreSQL on 127.0.0.1:$port (data in $pg_dir)"
}

if ! start_pg; then
    if [ "${CI:-}" = "true" ]; then
        echo "run-tests: ERROR: could not start PostgreSQL, and CI=true requires it" >&2
        exit 1
    fi
    echo "run-tests: WARNING: could not start PostgreSQL; tests marked pg will be skipped" >&2
    stop_pg
    pg_dir=""
    unset TRUCE_TEST_PG_URL
fi

"$PY" -m pytest "$@"
status=$?
if [ "$status" = 5 ]; then
    echo "run-tests: ERROR: pytest collected no tests" >&2
fi
exit "$status"
