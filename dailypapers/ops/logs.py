"""Log output: readable lines, or JSON objects one per line (DAILYPAPERS_LOG_FORMAT=json) for a collector.

Every record carries the id of the request it was written in (ops/observe.py), so one request's lines can be
found among those of all processes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from dailypapers.ops.observe import request_id_var

# Attributes every LogRecord has; anything else was passed in ``extra=`` and goes into the JSON object.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "color_message"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or "-"  # "-": written outside any request
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and value != "-":
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def log_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for our loggers and uvicorn's (which ``serve`` hands to uvicorn, so every
    worker process configures itself the same way)."""
    formatter: dict[str, Any] = (
        {"()": "dailypapers.ops.logs.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    access_level = "WARNING" if log_format == "json" else level
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "dailypapers.ops.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # JSON mode writes its own access lines (with the request id and route); uvicorn's would repeat them.
            "uvicorn.access": {"handlers": [], "level": access_level, "propagate": True},
        },
    }


def configure(log_format: str, level: str = "INFO") -> None:
    import logging.config

    logging.config.dictConfig(log_config(log_format, level))
