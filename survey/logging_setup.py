"""Structured logs: one JSON object per line, with the request id and the user id.

Every request gets an id (taken from a sane `X-Request-ID` header set by nginx, else generated),
which is sent back in the response header and attached to every log record written while the
request runs. After each request one access line is written (method, path, status, duration).

What never reaches the log: form data, query strings, answers, passwords, and the respondent's
token (it is the credential of /r/<token>, as the set-password token is of /passwort/<token>;
paths show only their first characters). SQL parameters
are hidden from database error messages, because they may carry answers or password hashes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request, session

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_TOKEN_IN_PATH = re.compile(r"^/(r|passwort)/([^/]{6})[^/]*")
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s|$)", re.DOTALL)
# Extra fields with these names are replaced, whatever the caller passed.
_SENSITIVE = re.compile(r"pass|secret|answer|draft|token|form|cookie|authori", re.IGNORECASE)
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
REDACTED = "[entfernt]"


def mask_path(path: str) -> str:
    """The path with a respondent or set-password token cut to its first six characters."""
    return _TOKEN_IN_PATH.sub(lambda m: f"/{m.group(1)}/{m.group(2)}…", path)


class RequestContextFilter(logging.Filter):
    """Adds request_id and user_id to every record written inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
            record.user_id = _user_id()
        return True


def _user_id() -> int | None:
    # The session says who is logged in without a database query (Flask-Login keeps _user_id there,
    # as "<id>:<session version>", see User.get_id).
    try:
        value = session.get("_user_id")
    except RuntimeError:
        return None
    try:
        return int(str(value).partition(":")[0]) if value is not None else None
    except (TypeError, ValueError):
        return None


class JsonFormatter(logging.Formatter):
    """One JSON object per line; sensitive extra fields and SQL parameters are removed."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for name, value in vars(record).items():
            if name in _STANDARD_ATTRIBUTES or name.startswith("_"):
                continue
            entry[name] = REDACTED if _SENSITIVE.search(name) else value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def scrub(text: str) -> str:
    """Text without the SQL parameters SQLAlchemy puts into its error messages."""
    return _SQL_PARAMETERS.sub("[parameters: entfernt]", text)


class _StderrHandler(logging.StreamHandler):
    """Writes to the current sys.stderr (gunicorn and systemd collect it; tests may swap it)."""

    _lueckenlos = False  # set on the one handler `_handler` installs (looked up by this mark)

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self._stream = None if value is sys.stderr else value


def _handler() -> logging.Handler:
    """The one handler of the `survey` logger (create_app may run several times in one process)."""
    logger = logging.getLogger("survey")
    for handler in logger.handlers:
        if getattr(handler, "_lueckenlos", False):
            return handler
    handler = _StderrHandler()
    handler._lueckenlos = True
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # one line per event, not a second copy through the root logger
    return handler


def init_app(app: Flask) -> None:
    """Structured logging for `app`: request ids, access lines, no secrets. Call before db.init_app."""
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    app.extensions["log_handler"] = _handler()
    # Database errors must not print their parameters (answers, password hashes) into the log.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                               "hide_parameters": True}
    access = logging.getLogger("survey.access")

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex[:16]
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = getattr(g, "request_id", None)
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = getattr(g, "request_started", None)
        if not app.config.get("ACCESS_LOG", True) or started is None:
            return response
        access.info(
            "%s %s %s", request.method, mask_path(request.path), response.status_code,
            extra={
                "method": request.method,
                "path": mask_path(request.path),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "remote": request.remote_addr,  # the client as ProxyFix (TRUSTED_PROXIES) sees it, not a raw header
            },
        )
        return response
