"""A fake WhatsApp Cloud (Graph) API: our WhatsApp client talks to it over HTTP on 127.0.0.1.

It accepts `POST /{version}/{phone_number_id}/messages`, records every body as sent (with the bearer
token), answers like Meta (a wamid for a message, `{"success": true}` for a read receipt) and can be
told to fail the next sends with a Graph error code and HTTP status, as Meta does. Like Meta it refuses
anything but a template to a user whose 24-hour window is closed (131047) and a template that was not
approved (132001); `status_delivery` builds the webhook body Meta sends later about a sent message:

    with FakeGraphAPI().serve() as fake:
        settings = Settings(whatsapp_api_base_url=fake.base_url, ...)
        fake.fail_next(130429, times=1)          # throttled once, then fine
        ...
        assert fake.sent()[0].body["text"]["body"] == "..."
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.loopback import serve_in_thread

VERSION = "v26.0"
ERROR_MESSAGES = {
    4: "Application request limit reached",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131026: "Message undeliverable",
    132001: "Template name does not exist in the translation",
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
}


@dataclass(frozen=True)
class GraphCall:
    """One call our client made: the path, the Authorization header, the JSON body, and the wamid answered
    (None for a read receipt or a refused send)."""

    path: str
    authorization: str | None
    body: dict[str, Any]
    wamid: str | None = None

    @property
    def is_read_receipt(self) -> bool:
        """True for a mark-as-read call rather than a message."""
        return self.body.get("status") == "read"


@dataclass(frozen=True)
class Failure:
    """A scripted error answer: Meta's error code (or None for a bare status) and the HTTP status."""

    code: int | None
    status: int


class FakeGraphAPI:
    """Records what the client sends and answers as the Graph API would, errors included."""

    def __init__(self) -> None:
        self.requests: list[GraphCall] = []
        self._failures: deque[Failure] = deque()
        self._always: Failure | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.templates: set[tuple[str, str]] = set()  # approved (name, language code)
        self.closed_windows: set[str] = set()  # users whose last message is more than 24 hours old
        self.base_url = ""
        self.app = Starlette(routes=[Route("/{version}/{phone_id}/messages", self._messages, methods=["POST"])])

    def reset(self) -> None:
        """Forget the recorded requests and any scripted failure."""
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self._always = None
            self.templates.clear()
            self.closed_windows.clear()

    def fail_next(self, code: int | None, *, status: int = 400, times: int = 1) -> None:
        """Answer the next `times` message sends with this error (read receipts are not affected)."""
        with self._lock:
            self._failures.extend(Failure(code, status) for _ in range(times))

    def fail_always(self, code: int | None, *, status: int = 400) -> None:
        """Answer every message send with this error until reset."""
        with self._lock:
            self._always = Failure(code, status)

    def sent(self) -> list[GraphCall]:
        """Message sends (not read receipts), in arrival order, failed attempts included."""
        with self._lock:
            return [r for r in self.requests if not r.is_read_receipt]

    def read_receipts(self) -> list[str]:
        """The wamids marked as read."""
        with self._lock:
            return [r.body["message_id"] for r in self.requests if r.is_read_receipt]

    @contextmanager
    def serve(self) -> Iterator[FakeGraphAPI]:
        """Serve on a free loopback port; `base_url` includes the API version, like WHATSAPP_API_BASE_URL."""
        with serve_in_thread(self.app, lifespan="off") as url:
            self.base_url = f"{url}/{VERSION}"
            yield self

    def _refusal(self, body: dict[str, Any]) -> Failure | None:
        """Meta's own refusals: an unapproved template, or a free-form message outside the window."""
        if body.get("type") == "template":
            template = body.get("template") or {}
            key = (template.get("name"), (template.get("language") or {}).get("code"))
            return None if key in self.templates else Failure(132001, 404)
        return Failure(131047, 400) if body.get("to") in self.closed_windows else None

    async def _messages(self, request: Request) -> JSONResponse:
        body = await request.json()
        receipt = body.get("status") == "read"
        with self._lock:
            failure = None
            if not receipt:
                failure = self._failures.popleft() if self._failures else self._always
            number = next(self._ids)
            if failure is None and not receipt:
                failure = self._refusal(body)
            wamid = f"wamid.fake{number}" if failure is None and not receipt else None
            self.requests.append(GraphCall(request.url.path, request.headers.get("authorization"), body, wamid))
        if failure is not None:
            if failure.code is None:
                return JSONResponse({"error": {"message": "Internal error"}}, status_code=failure.status)
            error = {"message": ERROR_MESSAGES.get(failure.code, "Error"), "type": "OAuthException",
                     "code": failure.code, "fbtrace_id": f"trace{number}"}
            return JSONResponse({"error": error}, status_code=failure.status)
        if receipt:
            return JSONResponse({"success": True})
        to = body.get("to", "")
        return JSONResponse({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                             "messages": [{"id": wamid}]})


def status_delivery(wamid: str, status: str, *, user: str, code: int | None = None,
                    phone_number_id: str = "106540352242922") -> dict[str, Any]:
    """A webhook delivery of one status event (`sent`, `delivered`, `read`, `failed` with an error code)."""
    event: dict[str, Any] = {"id": wamid, "status": status, "timestamp": "1764000100", "recipient_id": user}
    if code is not None:
        event["errors"] = [{"code": code, "title": ERROR_MESSAGES.get(code, "Error"),
                            "message": ERROR_MESSAGES.get(code, "Error"),
                            "error_data": {"details": ERROR_MESSAGES.get(code, "Error")}}]
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
             "statuses": [event]}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}
