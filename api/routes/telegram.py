"""The Telegram webhook route and the Telegram channel's place in the app's lifespan."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.runtime import Runtime
from api.schemas import error_response
from bot.channels import telegram as tg
from bot.delivery import record_rejected

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000  # real updates are a few kB; anything this big is not from Telegram
router = APIRouter(tags=["webhooks"])
log = logging.getLogger(__name__)


def install(runtime: Runtime) -> None:
    """Add the Telegram channel to the runtime's start-ups when TELEGRAM_BOT_TOKEN is set."""
    if runtime.settings.telegram_bot_token is not None:
        runtime.startups.append(telegram_lifespan)


@asynccontextmanager
async def telegram_lifespan(runtime: Runtime) -> AsyncIterator[tg.TelegramChannel]:
    """Run the PTB Application for the life of the worker; poll too when TELEGRAM_MODE=polling."""
    settings = runtime.settings
    assert settings.telegram_bot_token is not None
    polling = settings.telegram_mode == "polling"
    if not polling and settings.telegram_webhook_secret is None:
        raise RuntimeError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook "
                           "(or set TELEGRAM_MODE=polling on a laptop)")
    channel = tg.create_channel(settings.telegram_bot_token.get_secret_value(),
                                base_url=settings.telegram_api_base_url, polling=polling,
                                conversation=runtime.conversation, engine=runtime.engine)
    channel.lease_seconds = settings.delivery_lease_seconds
    application = channel.application
    # initialize() costs one getMe per worker; setWebhook is a deploy step (`desmigratif telegram`).
    async with application:
        await application.start()
        try:
            if polling:
                await tg.start_polling(channel)
            runtime.channels[tg.CHANNEL] = channel
            log.info("telegram channel ready (%s)", settings.telegram_mode)
            yield channel
        finally:
            runtime.channels.pop(tg.CHANNEL, None)
            await tg.stop_polling(channel)
            await application.stop()


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
        record_rejected(tg.CHANNEL, error.reason)
        return JSONResponse({"ok": True, "status": "rejected"})
    except tg.MalformedUpdate as error:  # not an update at all (no object, no update id)
        return _problem(400, str(error))
    # Acknowledge only after the update is answered or durably queued (bot/delivery.py has the guarantee).
    outcome = await channel.process(update)
    if outcome.status == "busy":  # another worker holds it; should it die, the redelivery takes over
        return _problem(503, "this update is being handled; Telegram will deliver it again")
    if outcome.status == "failed" and outcome.sent == 0:
        return _problem(500, "the update could not be handled; Telegram will deliver it again")
    return JSONResponse({"ok": True, "status": outcome.status})
