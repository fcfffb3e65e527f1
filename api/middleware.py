"""Request body bounds for the admin API: a body over the limit gets 413 with a JSON detail, never a parse."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_LIMIT = 64 * 1024
IMPORT_LIMIT = 2 * 1024 * 1024


class BodyLimit:
    """Refuse request bodies larger than a per-path limit under `prefix` (other paths pass untouched).

    The declared Content-Length is checked before anything is read; a body that streams without one is
    counted as it arrives and stopped at the limit, so an oversized upload never sits in memory whole.
    """

    def __init__(self, app: ASGIApp, *, prefix: str = "/api/v1", default: int = DEFAULT_LIMIT,
                 larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.prefix = prefix
        self.default = default
        self.larger = larger if larger is not None else {"/api/v1/import": IMPORT_LIMIT}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, bounded."""
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(path.rstrip("/"), self.default)
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None:
            if not declared.strip().isdigit():
                await _reply(send, 400, "the Content-Length header is not a number")
                return
            if int(declared) > limit:
                await _reply(send, 413, _too_large(limit))
                return
        seen = 0

        async def bounded() -> Message:
            """Receive the next body chunk, counting it against the limit."""
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the route's body read; FastAPI passes HTTPExceptions through as they are.
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, bounded, send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit // 1024} KiB; send less (an import may be up to " \
           f"{IMPORT_LIMIT // (1024 * 1024)} MiB)"


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
