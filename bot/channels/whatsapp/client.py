"""A small Graph API client on httpx: `POST {base}/{phone_number_id}/messages`, retrying throttling,
transient errors and 5xx with the one retry policy, raising `SendError` (a `base.SendFailed`) otherwise."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bot.channels.base import RetryPolicy, SendFailed

THROTTLING_CODES = frozenset({130429, 131056, 80007, 4})
TRANSIENT_CODES = frozenset({1, 2})
OUTSIDE_WINDOW_CODE = 131047
log = logging.getLogger(__name__)


class SendError(SendFailed):
    """The Graph API refused a message for good; `code` is Meta's error code or the HTTP status."""

    def __init__(self, code: str, *, attempts: int, retryable: bool) -> None:
        SendFailed.__init__(self, code, retryable=retryable, attempts=attempts)




def _error_code(response: httpx.Response) -> int | None:
    try:
        data = response.json()
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


class GraphClient:
    """A small async client for `POST {base}/{phone_number_id}/messages`, with retries on throttling."""

    def __init__(
        self,
        *,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {access_token}"},
            transport=transport,
            # A webhook waits on these calls, so fail fast rather than hold Meta's request open.
            timeout=timeout or httpx.Timeout(10.0, connect=5.0),
        )

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def post(self, body: dict[str, Any], *, attempts: int | None = None) -> dict[str, Any]:
        """Post one message body, retrying throttling, transient errors and 5xx; raise SendError otherwise."""
        limit = attempts or self.retry.attempts
        code = "unknown"
        for attempt in range(1, limit + 1):
            retryable = True
            try:
                response = await self._http.post(self.url, json=body)
            except httpx.TransportError as error:
                code = error.__class__.__name__
            else:
                if response.is_success:
                    try:
                        data = response.json()
                    except ValueError:
                        data = {}
                    return data if isinstance(data, dict) else {}
                meta_code = _error_code(response)
                code = str(meta_code) if meta_code is not None else f"http_{response.status_code}"
                retryable = (
                    meta_code in THROTTLING_CODES
                    or meta_code in TRANSIENT_CODES
                    or response.status_code >= 500
                    or response.status_code == 429
                )
                # Outside the 24-hour window (131047) and other refusals will not change by trying again.
                if meta_code == OUTSIDE_WINDOW_CODE:
                    retryable = False
            if not retryable:
                raise SendError(code, attempts=attempt, retryable=False)
            if attempt < limit:
                log.warning("whatsapp send got %s (attempt %d of %d); retrying", code, attempt, limit)
                await self._sleep(self.retry.delay(attempt))
        raise SendError(code, attempts=limit, retryable=True)

    async def send(self, to: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send one rendered message to the user `to`."""
        return await self.post(
            {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        )

    async def mark_read(self, wamid: str) -> None:
        """Show the user's message as read (blue ticks); one attempt, as it is only a courtesy."""
        await self.post({"messaging_product": "whatsapp", "status": "read", "message_id": wamid}, attempts=1)


def wamid_of(response: dict[str, Any]) -> str | None:
    """The id Meta gave the message just sent, if the response holds one."""
    messages = response.get("messages")
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
    wamid = first.get("id")
    return wamid if isinstance(wamid, str) and wamid else None


__all__ = ["GraphClient", "SendError", "wamid_of"]
