"""Structured logs: one JSON object per line, with no personal data in them.

Code logs ids, never emails, tokens or what a person wrote; the formatter still masks an
email address or a bearer token that reaches a message (an SMTP error names the recipient,
a database error the value it refused), so a mistake elsewhere does not leak into the logs.
"""

import json
import logging
import re
import time
from datetime import UTC, datetime

import orjson

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")  # RFC 6750's token characters
TOKEN_SECRET = re.compile(r"(?<![\w-])[A-Za-z0-9_-]{43}(?![\w-])")  # secrets.token_urlsafe(32)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# The attributes every LogRecord has; anything else came in through `extra=`.
STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text):
    # Each pattern only where it could match: every request logs a line, and three
    # substitutions on each of its strings were a third of writing it.
    if "@" in text:
        text = EMAIL.sub("[email]", text)
    if "bearer" in text.lower():
        text = BEARER.sub(r"\1 [token]", text)
    if len(text) >= 43:
        text = TOKEN_SECRET.sub("[token]", text)
    return text


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", ...}`; extras of plain types ride along."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name, value in vars(record).items():
            if name not in STANDARD_ATTRIBUTES and name not in entry and isinstance(value, (str, int, float, bool)):
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        try:
            return orjson.dumps(entry).decode()  # as json.dumps(ensure_ascii=False), in a fifteenth of the time
        except orjson.JSONEncodeError:  # a lone surrogate (undecodable bytes in a path, say)
            return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """For a developer's terminal (`LOG_FORMAT=plain`), masked the same way."""

    def format(self, record):
        return redact(super().format(record))


request_log = logging.getLogger("heeljournal.requests")


class RequestLogMiddleware:
    """One line per request: the view's name (not the path, which may hold a date), status, time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        extra = {
            "method": request.method,
            "view": match.view_name if match else "unmatched",
            "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        }
        request_id = request.headers.get("X-Request-ID", "")
        if REQUEST_ID.match(request_id):
            extra["request_id"] = request_id
        request_log.info("%s %s %s", extra["method"], extra["view"], extra["status"], extra=extra)
        return response
