"""The Telegram webhook route: check the secret and the body, then hand the update on (`api.channels`)."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.channels import take_telegram_update
from api.runtime import Runtime
from api.schemas import error_response
from bot.channels import telegram as tg

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000  # real updates are a few kB; anything this big is not from Telegram
router = APIRouter(tags=["webhooks"])
log = logging.getLogger(__name__)


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


WEBHOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Handled, a duplicate, ignored, or rejected for good (`status`); Telegram stops here"},
    400: error_response("Not a Telegram update (not JSON, not an object, no valid `update_id`)."),
    401: error_response(f"No `{SECRET_HEADER}` header."),
    403: error_response(f"A wrong `{SECRET_HEADER}` header."),
    404: error_response("The Telegram webhook is not enabled on this server."),
    413: error_response(f"The body is larger than {MAX_BODY_BYTES} bytes."),
    415: error_response("The body is not application/json."),
    500: error_response("The update could not be handled now (e.g. the database is down); Telegram delivers it again."),
    503: error_response("Another worker is handling this update; Telegram delivers it again."),
}


@router.post("/webhooks/telegram", responses=WEBHOOK_RESPONSES)
async def telegram_webhook(request: Request) -> JSONResponse:
    """Take one update from Telegram: answer it, then acknowledge (a 5xx makes Telegram redeliver)."""
    runtime: Runtime = request.app.state.runtime
    channel = runtime.channels.get(tg.CHANNEL)
    secret = runtime.settings.telegram_webhook_secret
    if not isinstance(channel, tg.TelegramChannel) or secret is None or runtime.settings.telegram_mode != "webhook":
        return _problem(404, "the Telegram webhook is not enabled on this server")
    given = request.headers.get(SECRET_HEADER)
    if given is None:
        return _problem(401, f"missing {SECRET_HEADER} header")
    if not hmac.compare_digest(given.encode("utf-8"), secret.get_secret_value().encode("utf-8")):
        return _problem(403, f"wrong {SECRET_HEADER} header")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return _problem(415, "send the update as application/json")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _problem(413, f"an update must be at most {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return _problem(400, "the body is not valid JSON")
    try:
        update = channel.parse(data)
    except tg.RejectedUpdate as error:  # from Telegram, but never handleable: acknowledge so it is not resent
        runtime.dispatcher.rejected(tg.CHANNEL, error.reason)
        return JSONResponse({"ok": True, "status": "rejected"})
    except tg.MalformedUpdate as error:  # not an update at all (no object, no update id)
        return _problem(400, str(error))
    # Acknowledge only after the update is answered or durably queued (bot/delivery.py has the guarantee).
    outcome = await take_telegram_update(runtime, update)
    if outcome.status == "busy":  # another worker holds it; should it die, the redelivery takes over
        return _problem(503, "this update is being handled; Telegram will deliver it again")
    if outcome.status == "failed" and outcome.sent == 0:
        return _problem(500, "the update could not be handled; Telegram will deliver it again")
    return JSONResponse({"ok": True, "status": outcome.status})
