#!/usr/bin/env bash
# Start the local PostgreSQL cluster when it is installed but not accepting connections.
# Best effort: the test suite itself decides whether an unreachable server is a skip or a failure.
set -uo pipefail
host="${PGHOST:-127.0.0.1}"
port="${PGPORT:-5432}"
if ! command -v pg_isready >/dev/null 2>&1; then
    echo "ensure_postgres: PostgreSQL client tools not installed; PostgreSQL tests will skip unless required"
    exit 0
fi
if pg_isready -q -h "$host" -p "$port"; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    echo "ensure_postgres: starting PostgreSQL ${version}"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
        pg_isready -q -h "$host" -p "$port" && exit 0
        sleep 1
    done
fi
echo "ensure_postgres: PostgreSQL at ${host}:${port} is not reachable"
exit 0
