#!/usr/bin/env bash
# Make the pgvector extension available to the local PostgreSQL (vector search on PostgreSQL uses it).
# Debian 12 does not package pgvector, so build Debian trixie's source package against the installed server
# (~20 s). Best effort: without it, PostgreSQL deployments fall back to the in-memory vector index.
set -uo pipefail
host="${PGHOST:-127.0.0.1}"
port="${PGPORT:-5432}"
command -v psql >/dev/null 2>&1 || exit 0
pg_isready -q -h "$host" -p "$port" || exit 0
available=$(psql -h "$host" -p "$port" -U postgres -tAc "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'" 2>/dev/null)
[ "$available" = "1" ] && exit 0
version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
[ -n "$version" ] || { echo "ensure_pgvector: no local PostgreSQL cluster; skipping"; exit 0; }
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
echo "ensure_pgvector: building pgvector for PostgreSQL ${version} from Debian's source package"
if [ ! -f /etc/apt/sources.list.d/dailypapers-trixie-src.sources ]; then
    $SUDO tee /etc/apt/sources.list.d/dailypapers-trixie-src.sources >/dev/null <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-server-dev-${version}" dpkg-dev make gcc >/dev/null || exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq pgvector >/dev/null 2>&1) || { echo "ensure_pgvector: no pgvector source package"; exit 0; }
src="$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -1)"
make -s -C "$src" PG_CONFIG="/usr/lib/postgresql/${version}/bin/pg_config" >/dev/null 2>&1 \
  && $SUDO make -s -C "$src" install PG_CONFIG="/usr/lib/postgresql/${version}/bin/pg_config" >/dev/null 2>&1 \
  && echo "ensure_pgvector: installed" || echo "ensure_pgvector: build failed; vector search on PostgreSQL uses the in-memory index"
exit 0
