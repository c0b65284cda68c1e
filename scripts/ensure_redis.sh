#!/usr/bin/env bash
# Start the local Redis when it is installed but not answering (as ensure_postgres.sh does for PostgreSQL).
# Best effort: the test suite decides whether an unreachable Redis is a skip or (DAILYPAPERS_REQUIRE_REDIS=1)
# a failure.
set -uo pipefail
host="${REDIS_HOST:-127.0.0.1}"
port="${REDIS_PORT:-6379}"
if ! command -v redis-cli >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure_redis: Redis not installed; Redis tests will skip unless required"
    exit 0
fi
if [ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = "PONG" ]; then exit 0; fi
echo "ensure_redis: starting redis-server on ${host}:${port}"
if [ -r /etc/redis/redis.conf ]; then
    # The packaged configuration (persistence, limits), with our address and port, in the background.
    redis-server /etc/redis/redis.conf --bind "$host" --port "$port" --daemonize yes >/dev/null 2>&1 \
        || redis-server --bind "$host" --port "$port" --daemonize yes >/dev/null 2>&1 || true
else
    redis-server --bind "$host" --port "$port" --daemonize yes >/dev/null 2>&1 || true
fi
for _ in $(seq 1 30); do
    [ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = "PONG" ] && exit 0
    sleep 1
done
echo "ensure_redis: Redis at ${host}:${port} is not reachable"
exit 0
