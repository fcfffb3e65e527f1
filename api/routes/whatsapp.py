"""WhatsApp Cloud API webhooks: Meta's verification handshake and signed event deliveries."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from api.schemas import error_response
from bot.channels.whatsapp import (
    CHANNEL,
    BadSignature,
    MissingSignature,
    WhatsAppChannel,
    verify_signature,
    verify_token_matches,
)

if TYPE_CHECKING:
    from api.runtime import Runtime
    from api.settings import Settings

MAX_BODY_BYTES = 1_000_000  # Meta's deliveries are a few kB; anything this big is not from Meta
MAX_CHALLENGE_CHARS = 200
log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks/whatsapp", tags=["webhooks"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    if not settings.whatsapp_enabled:
        raise HTTPException(404, "WhatsApp is not configured on this server")
    return settings


NOT_CONFIGURED: dict[int | str, dict[str, Any]] = {404: error_response("WhatsApp is not configured on this server.")}
VERIFY_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_CONFIGURED,
    403: error_response("Verification failed: a wrong `hub.mode` or `hub.verify_token`."),
}
DELIVERY_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_CONFIGURED,
    400: error_response("The body is not a JSON object."),
    401: error_response("No `X-Hub-Signature-256` header."),
    403: error_response("A wrong `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret)."),
    413: error_response(f"The body is larger than {MAX_BODY_BYTES} bytes."),
    503: error_response("A message of the delivery could not be handled now; Meta delivers it again."),
}


@router.get("", response_class=PlainTextResponse, responses=VERIFY_RESPONSES)
def verify(
    request: Request,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=MAX_CHALLENGE_CHARS)] = None,
) -> PlainTextResponse:
    """Answer Meta's subscription handshake by echoing the challenge when the verify token matches."""
    settings = _settings(request)
    assert settings.whatsapp_verify_token is not None
    if challenge is None or not verify_token_matches(settings.whatsapp_verify_token.get_secret_value(), mode, token):
        raise HTTPException(403, "verification failed: wrong hub.mode or hub.verify_token")
    return PlainTextResponse(challenge)


async def _raw_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, f"body larger than {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413, f"body larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("", responses=DELIVERY_RESPONSES)
async def receive(request: Request) -> JSONResponse:
    """Check the signature over the raw body, then answer every message in the delivery."""
    settings = _settings(request)
    runtime: Runtime = request.app.state.runtime
    channel = runtime.channels.get(CHANNEL)
    if not isinstance(channel, WhatsAppChannel):
        raise HTTPException(404, "WhatsApp is not configured on this server")
    body = await _raw_body(request)
    assert settings.whatsapp_app_secret is not None
    try:
        # The HMAC covers the bytes exactly as Meta sent them (its \uXXXX escapes included), so verify
        # before parsing and never against re-serialised JSON.
        verify_signature(settings.whatsapp_app_secret.get_secret_value(), body,
                         request.headers.get("x-hub-signature-256"))
    except MissingSignature as error:
        raise HTTPException(401, str(error)) from None
    except BadSignature as error:
        raise HTTPException(403, str(error)) from None
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise HTTPException(400, "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise HTTPException(400, "the body must be a JSON object")
    # Every message in order (a message that fails now does not stop the others), then the statuses.
    for reason in channel.rejected(payload):  # never handleable: counted and acknowledged, never retried
        runtime.dispatcher.rejected(CHANNEL, reason)
    report = await runtime.dispatcher.handle_all(channel, channel.incoming(payload))
    try:
        statuses, failed = await channel.statuses(payload)
    except Exception:
        log.exception("the delivery statuses of a whatsapp delivery could not be recorded")
        return JSONResponse({"detail": "temporarily unable to handle the delivery; retry later"}, status_code=503)
    for ticket, code in failed:  # a staff reply Meta accepted but could not deliver
        await runtime.handoffs.reply_failed(ticket, code)
    if report.count("busy"):  # another worker holds one; should it die, the redelivery takes over
        return JSONResponse({"detail": "a message of this delivery is being handled; retry later"}, status_code=503)
    if report.count("failed"):
        # Unacknowledged deliveries are retried by Meta; the messages handled meanwhile are dropped as duplicates.
        return JSONResponse({"detail": "temporarily unable to handle the delivery; retry later"}, status_code=503)
    return JSONResponse({"status": "ok", "handled": report.count("handled"),
                         "duplicates": report.count("duplicate"), "statuses": statuses})
