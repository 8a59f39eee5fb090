"""Structured (JSON lines) logs for operators."""

from __future__ import annotations

import logging
import sys
import time

import orjson


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Everything this process logs is the gateway's, uvicorn's lines included: one namespace.
        name = record.name if record.name.startswith("charter") else f"charter.{record.name}"
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}+00:00",
            "level": record.levelname.lower(),
            "logger": name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("charter", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler] if name in ("charter", "uvicorn") else []
        logger.propagate = name not in ("charter", "uvicorn")
    logging.getLogger("charter").setLevel(level.upper())
    logging.getLogger("uvicorn").setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))


# For uvicorn.run(log_config=...): keep uvicorn from installing its plain-text handlers.
UVICORN_LOG_CONFIG: dict[str, object] = {"version": 1, "disable_existing_loggers": False}
