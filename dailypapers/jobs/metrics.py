"""Job run counters for Prometheus. Infrastructure, beside the scheduler that feeds them: ops.metrics exposes
them with the backlogs, which read domain tables (so the scheduler must not import ops)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

JOB_RUNS = Counter("dailypapers_job_runs_total", "Background job runs, by job and outcome.", ["job", "status"])
JOB_SECONDS = Histogram(
    "dailypapers_job_duration_seconds",
    "Duration of background job runs.",
    ["job"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
)


def record_job(job: str, status: str, seconds: float) -> None:
    JOB_RUNS.labels(job, status).inc()
    JOB_SECONDS.labels(job).observe(seconds)


__all__ = ["JOB_RUNS", "JOB_SECONDS", "record_job"]
