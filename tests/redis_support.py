"""The local Redis for tests: skipped with the reason when it does not answer, a failure with
DAILYPAPERS_REQUIRE_REDIS=1 (CI). Each test gets a key prefix of its own, so parallel runs never share counters."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

REDIS_URL = os.environ.get("DAILYPAPERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_REDIS = os.environ.get("DAILYPAPERS_REQUIRE_REDIS") == "1"


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A unique key prefix on the reachable local Redis; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        client.close()
        message = f"Redis is not reachable ({REDIS_URL}): {exc}"
        if REQUIRE_REDIS:
            pytest.fail(f"{message}; DAILYPAPERS_REQUIRE_REDIS=1 makes this a failure")
        pytest.skip(message)
    prefix = f"dailypapers-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()
