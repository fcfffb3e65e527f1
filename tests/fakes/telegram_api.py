"""A fake Telegram Bot API: the real python-telegram-bot talks to it over HTTP on 127.0.0.1.

It answers the methods the bot uses, records every call as PTB sent it (form fields; objects such
as `reply_markup` arrive as JSON text), and can be told to fail a method with a real HTTP status
(429 with `parameters.retry_after`, 500, 403, …), as Telegram does.

    with FakeTelegramAPI().serve() as fake:
        settings = Settings(telegram_api_base_url=fake.base_url, ...)
        ...
        assert fake.calls_to("sendMessage")[0].params["text"] == "..."
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.loopback import serve_in_thread

BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Desmigratif Info (test)",
    "username": "desmigratif_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_TRUE_METHODS = frozenset({
    "answerCallbackQuery", "setMyCommands", "deleteMyCommands", "setWebhook", "deleteWebhook", "close", "logOut",
})


@dataclass(frozen=True)
class Call:
    """One request the bot made: the method, the token in the URL, and the fields as sent."""

    method: str
    token: str
    params: dict[str, str]
    at: float  # time.monotonic() when it arrived

    def json(self, name: str) -> Any:
        """A field PTB sent as JSON text (reply_markup, allowed_updates, commands, …), decoded."""
        return json.loads(self.params[name])


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    remaining: int | None  # None: fail every time


@dataclass
class FakeTelegramAPI:
    """The fake Bot API's state; `serve()` runs it and yields it with `base_url` set."""

    base_url: str = ""
    _calls: list[Call] = field(default_factory=list)
    _failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    _updates: deque[dict[str, Any]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    # hold(): calls of a method beyond the first `after` hang unanswered and are never recorded, as if they
    # had not reached Telegram (a crash test kills the bot while they hang).
    _hold: dict[str, int] = field(default_factory=dict)
    _held: int = 0
    # latency: seconds between recording a call (it reached Telegram) and answering it, as on a real network;
    # a process killed in between has sent a message it does not know about.
    latency: float = 0.0

    # --- what tests use ---

    @contextmanager
    def serve(self) -> Iterator[FakeTelegramAPI]:
        """Serve the fake on a free loopback port for the duration of the block."""
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        with serve_in_thread(app, lifespan="off") as url:
            self.base_url = f"{url}/bot"
            yield self

    def reset(self) -> None:
        """Forget the recorded calls, pending failures and queued updates."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._updates.clear()
            self._hold.clear()
            self.latency = 0.0

    def fail(self, method: str, status: int = 500, *, retry_after: int | None = None, times: int | None = 1) -> None:
        """Answer the next `times` calls of `method` (every call when None) with an HTTP error."""
        with self._lock:
            self._failures.setdefault(method, deque()).append(_Failure(status, retry_after, times))

    def hold(self, method: str, *, after: int = 0) -> None:
        """Let `after` more calls of `method` through, then hang every further one unrecorded until released."""
        with self._lock:
            self._hold[method] = sum(1 for c in self._calls if c.method == method) + after

    def release(self, method: str) -> None:
        """Stop holding `method`; the calls that were hanging fail with 502 and stay unrecorded."""
        with self._lock:
            self._hold.pop(method, None)

    @property
    def held(self) -> int:
        """How many calls hang now."""
        with self._lock:
            return self._held

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (polling)."""
        with self._lock:
            self._updates.append(update)

    @property
    def calls(self) -> list[Call]:
        """Every call so far, in order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called `count` times; returns those calls (fails the test on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"{method} called {len(self.calls_to(method))} time(s), expected {count}; "
                             f"calls: {[c.method for c in self.calls]}")

    # --- the HTTP side ---

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params: dict[str, str] = {}
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            # Parsed by hand: Starlette's form parser needs python-multipart, which we do not ship.
            params = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        elif content_type.startswith("application/json"):
            params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (await request.json()).items()}
        with self._lock:
            limit = self._hold.get(method)
            holding = limit is not None and sum(1 for c in self._calls if c.method == method) >= limit
            if holding:
                self._held += 1
        if holding:
            try:
                while True:
                    await asyncio.sleep(0.02)
                    with self._lock:
                        if method not in self._hold:
                            break
            finally:
                with self._lock:
                    self._held -= 1
            return JSONResponse({"ok": False, "error_code": 502, "description": "held, never delivered"},
                                status_code=502)
        with self._lock:
            self._calls.append(Call(method, request.path_params["token"], params, time.monotonic()))
            failure = self._take_failure(method)
        if self.latency:
            await asyncio.sleep(self.latency)
        if failure is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                    "description": f"fake failure {failure.status}"}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
                body["description"] = f"Too Many Requests: retry after {failure.retry_after}"
            return JSONResponse(body, status_code=failure.status)
        if method == "getUpdates":
            return _ok(await self._get_updates(params))
        if method == "getMe":
            return _ok(BOT_USER)
        if method == "sendMessage":
            return _ok(self._message(params))
        if method == "getWebhookInfo":
            return _ok({"url": "", "has_custom_certificate": False, "pending_update_count": 0})
        if method in _TRUE_METHODS:
            return _ok(True)
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
        return failure

    async def _get_updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        with self._lock:
            # Telegram forgets every update below the offset the client confirms.
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
            ready = list(self._updates)
        if not ready:
            await asyncio.sleep(0.05)  # a short "long poll", so the client does not spin
        return ready

    def _message(self, params: dict[str, str]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if "reply_markup" in params:
            message["reply_markup"] = json.loads(params["reply_markup"])
        return message


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


# --- Update factories: the shapes Telegram posts to a webhook or returns from getUpdates ----------

_USER_DEFAULTS = {"first_name": "Siti", "is_bot": False}


def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, **_USER_DEFAULTS}
    if language_code is not None:
        user["language_code"] = language_code
    return user


def message_update(update_id: int, text: str, *, user_id: int = 5550001, language_code: str | None = "id",
                   chat_type: str = "private") -> dict[str, Any]:
    """A text message (or a /command) from a user in a private chat."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": chat_type, "first_name": "Siti"},
        "from": _user(user_id, language_code),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, data: str, *, user_id: int = 5550001, language_code: str | None = "id",
                    query_id: str | None = None) -> dict[str, Any]:
    """A press on an inline button of an earlier bot message."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id or f"cbq-{update_id}",
            "from": _user(user_id, language_code),
            "chat_instance": "-100200300",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Siti"},
                "from": BOT_USER,
                "text": "…",
            },
        },
    }
