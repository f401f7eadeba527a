"""Structured logs: one JSON object per line, and one line per request.

``PLEDGE_LOG_FORMAT`` (settings) picks the formatter. A request gets an id (the proxy's
``X-Request-ID`` when it sends a sane one, else a new one), returned in the response's
``X-Request-ID`` and carried by every line logged while the request runs, so a log
collector can put a request's lines together.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("pledge_request_id", default=None)

logger = logging.getLogger("pledge.request")

# Accepted from the proxy as is: short, and nothing that could break a log line.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# URL parts that are secrets (invitation tokens, password reset keys): never logged.
SECRET_URL_KWARGS = ("token", "key", "uidb36")
# What a record carries besides the standard attributes, and its name in the JSON.
EXTRA_FIELDS = ("request_id", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message, the
    request's fields when known, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestContextFilter(logging.Filter):
    """Stamp every record with the id of the request it was logged in, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


def loggable_path(request) -> str:
    """The request's path with secret URL parts (tokens, keys) replaced."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name in SECRET_URL_KWARGS:
        value = match.kwargs.get(name) if match else None
        if value:
            path = path.replace(str(value), "[secret]")
    return path


class RequestLogMiddleware:
    """Outermost: give the request its id, then log one line when the response leaves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration = round((time.perf_counter() - started) * 1000, 1)
            path = loggable_path(request)
            logger.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def logging_config(*, log_format: str, level: str) -> dict:
    """``LOGGING`` for settings: one console handler in ``log_format`` ("json" or
    "plain"), with each request's context on the records it logs. Only the standard
    library is imported here, so settings may call it."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "matchmaking.logs.RequestContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "json": {"()": "matchmaking.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # RequestLogMiddleware writes one line per request, status and duration included.
            "django.server": {"level": "WARNING"},
        },
    }
