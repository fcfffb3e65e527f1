"""Structured logs: JSON lines (or text) with a request id on every record, and secrets redacted.

One object per line: `time`, `level`, `logger`, `message`, `request_id`, plus the record's safe extras
(primitive values passed with `extra=`). The request id comes from a sane incoming `X-Request-ID` or is
generated; it is echoed in the response and carried to every record logged while the request is handled,
including in worker threads (`asyncio.to_thread` copies the context).

Message texts, user ids and secrets are never logged by our code; as a second line of defence the
formatter replaces the configured secret values, anything shaped like a Telegram bot token and the row
details a database error quotes (the engine hides statement parameters: `knowledge.db.make_engine`), and
the HTTP client loggers (whose request lines carry the bot token in the URL) are held at WARNING.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from contextvars import ContextVar
from typing import Any, Literal

LogFormat = Literal["json", "text"]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# A Telegram bot token (digits, a colon, 30+ URL-safe characters), wherever it appears (e.g. in a URL).
_BOT_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
REDACTED = "[redacted]"
# What a database error message may quote of the row it refused: PostgreSQL's DETAIL line ("Key (user_id)=
# (515151) already exists", "Failing row contains (…)") and SQLAlchemy's parameter dump (should an engine
# be made without hide_parameters). Both can hold user ids and message texts.
_DB_DETAIL = re.compile(r"(DETAIL:\s*|\[parameters: )[^\n]*")
# Loggers that write a full request URL at INFO: with Telegram the URL holds the bot token.
QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "hpack", "apscheduler")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
_secrets: set[str] = set()

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}
_SAFE_TYPES = (str, int, float, bool, type(None))
# Extras whose name suggests user text or a credential are dropped, whatever their value.
_UNSAFE_EXTRA = re.compile(r"text|body|token|secret|password|authorization|payload|phone", re.IGNORECASE)


def register_secrets(values: Iterable[str | None]) -> None:
    """Values that must never reach a log line (tokens, app secrets); they are replaced when formatting."""
    for value in values:
        if value and len(value) >= 6:  # a very short value would redact ordinary words
            _secrets.add(value)


def redact(text: str) -> str:
    """The text with registered secrets, bot-token-shaped strings and database row details replaced."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _DB_DETAIL.sub(lambda found: found.group(1) + REDACTED + ("]" if found.group(1)[0] == "[" else ""), text)
    return _BOT_TOKEN.sub(REDACTED, text)


def sane_request_id(value: str | None) -> str | None:
    """The incoming id when it is short and plain (letters, digits, `._:-`), else None."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    """A fresh random request id."""
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or None) on every record, for both formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate; never drops a record."""
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise the record with its safe extras; secrets redacted."""
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "pid": record.process,
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_") or key in data or _UNSAFE_EXTRA.search(key):
                continue
            if isinstance(value, _SAFE_TYPES):
                data[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            data["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            data["exc"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            data["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A human-readable line with the request id; secrets redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Format as text, then redact."""
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return redact(super().format(record))


def logging_config(fmt: LogFormat = "json", level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary (also handed to uvicorn, so every worker process uses it)."""
    formatter = "api.logs.JsonFormatter" if fmt == "json" else "api.logs.TextFormatter"
    level = level.upper()
    quiet = "WARNING" if logging.getLevelName(level) < logging.WARNING else level
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "api.logs.RequestIdFilter"}},
        "formatters": {"default": {"()": formatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "default",
                       "filters": ["request_id"]},
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # uvicorn's own handlers are replaced by ours; its access log is off (api.access logs route templates,
            # never a query string, which could carry WhatsApp's verify token).
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            **{name: {"level": quiet, "handlers": [], "propagate": True} for name in QUIET_LOGGERS},
        },
    }


def configure_logging(fmt: LogFormat = "text", level: str = "WARNING", *, force: bool = False) -> None:
    """Install the handler and formatter on the root logger of this process.

    Like `logging.basicConfig`, it leaves a root logger that already has handlers alone unless forced (so a
    command run inside a test keeps the test's log capture).
    """
    if logging.getLogger().handlers and not force:
        return
    logging.config.dictConfig(logging_config(fmt, level))


class RequestIdMiddleware:
    """Take a sane `X-Request-ID` or make one; keep it in a contextvar for the logs and echo it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request under its id."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope.get("headers", []) if k == _HEADER_KEY), None)
        request_id = sane_request_id(given.decode("latin-1") if given is not None else None) or new_request_id()
        encoded = request_id.encode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER_KEY]
                headers.append((_HEADER_KEY, encoded))
                message["headers"] = headers
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


__all__ = [
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "RequestIdFilter",
    "RequestIdMiddleware",
    "TextFormatter",
    "configure_logging",
    "logging_config",
    "new_request_id",
    "redact",
    "register_secrets",
    "request_id_var",
    "sane_request_id",
]
