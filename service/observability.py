"""Logs: one line per request with a request id, as text or JSON, never personal data.

A request id comes from the client's ``X-Request-ID`` header when it is a
plausible id, or is made up; it is sent back in the response and attached to
every log line written while the request runs. Request lines carry the method,
the path (never the query string, which may hold search text) and the status.

In JSON mode every line is one JSON object: the app's, uvicorn's (its server and
error loggers are taken over), other libraries' and tracebacks alike. Tracebacks
keep their frames and exception types, but an exception's message is written only
when its type is one whose message describes code, not data: a database error can
quote the row it failed on (names, emails), a validation error the value it refused.
"""

import contextvars
import json
import logging
import re
import sys
import time
import traceback
import uuid
from typing import Any

from sqlalchemy.exc import StatementError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import problem_message

logger = logging.getLogger("mentormatch")
request_logger = logging.getLogger("mentormatch.request")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Attributes every LogRecord has; anything else was passed with extra= and is data.
# (uvicorn adds a coloured copy of its message, which says nothing more.)
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
}
# Loggers of the server that runs the app; their records go through our handler too. Its
# access log is never written: its lines hold query strings, which may hold names (the
# app writes its own line per request instead).
SERVER_LOGGERS = ("uvicorn", "uvicorn.error")
SILENCED_LOGGERS = ("uvicorn.access",)
# Exceptions whose messages are about the code (a missing attribute, a wrong type).
_MESSAGE_IS_CODE = (
    AttributeError,
    ImportError,
    NameError,
    NotImplementedError,
    RecursionError,
    TypeError,
    ZeroDivisionError,
)
_LOGGED = "__mentormatch_logged__"


def _message(exc: BaseException) -> str:
    if isinstance(exc, StatementError):
        # The SQL has placeholders only; the driver's message may quote values.
        statement = " ".join((exc.statement or "").split())[:500]
        return f"{type(exc.orig).__name__} [SQL: {statement}]"
    if isinstance(exc, _MESSAGE_IS_CODE):
        return str(exc)
    return "(message withheld: it may hold personal data)"


def _format_chain(
    exc: BaseException, seen: set[int], lines: list[str], indent: str = ""
) -> list[str]:
    seen.add(id(exc))
    if exc.__cause__ is not None and id(exc.__cause__) not in seen:
        _format_chain(exc.__cause__, seen, lines, indent)
        lines.append(f"\n{indent}The above exception was the direct cause of the following:\n\n")
    elif (
        exc.__context__ is not None
        and not exc.__suppress_context__
        and id(exc.__context__) not in seen
    ):
        _format_chain(exc.__context__, seen, lines, indent)
        lines.append(f"\n{indent}During handling of the above exception, another occurred:\n\n")
    if exc.__traceback__ is not None:
        lines.append(f"{indent}Traceback (most recent call last):\n")
        for frame in traceback.format_list(traceback.extract_tb(exc.__traceback__)):
            lines.append(indent + frame.replace("\n", "\n" + indent).rstrip(" "))
    name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
    lines.append(f"{indent}{name}: {_message(exc)}\n")
    if isinstance(exc, BaseExceptionGroup):
        for number, inner in enumerate(exc.exceptions, 1):
            lines.append(f"{indent}+---- {number} ----\n")
            _format_chain(inner, seen, lines, indent + "| ")
    return lines


def format_exception(exc: BaseException) -> str:
    """A traceback with every frame and exception type, and only messages that hold no data."""
    return "".join(_format_chain(exc, set(), [])).rstrip("\n")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class _AlreadyLogged(logging.Filter):
    """Drop the server's copy of a traceback ``RequestLog`` has already written."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and getattr(record.exc_info[1], _LOGGED, False))


class JsonFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return format_exception(ei[1])

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return format_exception(ei[1])

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        base = self.formatMessage(record)
        fields = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD)
        text = f"{base} {fields}".rstrip()
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours: recognised when logging is configured again (each app, each worker)."""


def configure_logging(*, level: str, log_format: str) -> None:
    handler = _Handler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(_AlreadyLogged())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            TextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    for name in ("mentormatch", *SERVER_LOGGERS):
        taken = logging.getLogger(name)
        taken.handlers[:] = [handler]
        taken.propagate = False
    for name in SILENCED_LOGGERS:
        silenced = logging.getLogger(name)
        silenced.handlers.clear()
        silenced.propagate = False
    logger.setLevel(level.upper())
    # Other libraries log to the root; their lines take the same form. Handlers that are
    # not ours (a test runner's) stay.
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _Handler)] + [handler]
    logging.captureWarnings(log_format == "json")


class RequestLog:
    """Pure ASGI middleware: request id in and out, one log line per request, and the 500.

    An exception nothing else handled is logged here, with the request id, and answered
    with a 500 that carries the id (and nothing of the error); it is then raised on for
    the server, whose own copy of the traceback is dropped.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        rid = offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            logger.error("unexpected error", exc_info=exc)
            setattr(exc, _LOGGED, True)
            if not response_started:
                detail = f"an unexpected error; quote request id {rid} when reporting it"
                for message in problem_message(500, detail, "internal_error"):
                    await send_with_id(message)
            raise
        finally:
            request_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id.reset(token)
