"""The channels of one worker: built from the settings (`build_channels`), started and stopped with the
worker (`channels_lifespan`), and where a Telegram update goes (`take_telegram_update`, for the webhook
route and polling alike)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from api.settings import Settings
from bot.channels import telegram as tg
from bot.channels import whatsapp as wa
from bot.channels.base import Channel, RetryPolicy
from bot.dispatch import Outcome

if TYPE_CHECKING:
    from api.runtime import Runtime

log = logging.getLogger(__name__)


def staff_chat_id(settings: Settings) -> int | None:
    """The staff group's numeric chat id (STAFF_TELEGRAM_CHAT_ID), or None when unset or not a number."""
    chat = (settings.staff_telegram_chat_id or "").strip()
    if not chat:
        return None
    try:
        return int(chat)
    except ValueError:
        log.error("STAFF_TELEGRAM_CHAT_ID must be the group's numeric chat id (e.g. -1001234567890)")
        return None


def build_channels(settings: Settings, engine: Engine) -> dict[str, Channel]:
    """The channels the settings turn on (Telegram with its token, WhatsApp with its four settings)."""
    channels: dict[str, Channel] = {}
    if settings.telegram_bot_token is not None:
        channels[tg.CHANNEL] = tg.create_channel(
            settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_api_base_url,
            polling=settings.telegram_mode == "polling", staff_chat_id=staff_chat_id(settings))
    if settings.whatsapp_enabled:
        assert settings.whatsapp_access_token is not None and settings.whatsapp_phone_number_id is not None
        client = wa.GraphClient(
            base_url=settings.whatsapp_api_base_url, phone_number_id=settings.whatsapp_phone_number_id,
            access_token=settings.whatsapp_access_token.get_secret_value(),
            retry=RetryPolicy(attempts=settings.whatsapp_send_attempts, base_delay=settings.whatsapp_retry_base_seconds))
        channels[wa.CHANNEL] = wa.WhatsAppChannel(client, engine, default_language=settings.default_language,
                                                  reply_template=settings.whatsapp_reply_template,
                                                  reply_template_lang=settings.whatsapp_reply_template_lang)
    return channels


@asynccontextmanager
async def _telegram(runtime: Runtime, channel: tg.TelegramChannel) -> AsyncIterator[None]:
    settings = runtime.settings
    polling = settings.telegram_mode == "polling"
    if not polling and settings.telegram_webhook_secret is None:
        raise RuntimeError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook "
                           "(or set TELEGRAM_MODE=polling on a laptop)")
    application = channel.application
    # initialize() costs one getMe per worker; setWebhook is a deploy step (`desmigratif telegram`).
    async with application:
        await application.start()
        try:
            if polling:
                await tg.start_polling(channel, partial(take_telegram_update, runtime))
            log.info("telegram channel ready (%s)", settings.telegram_mode)
            yield
        finally:
            await tg.stop_polling(channel)
            await application.stop()


@asynccontextmanager
async def channels_lifespan(runtime: Runtime) -> AsyncIterator[None]:
    """Start the worker's channels (the PTB Application, the Graph API client) and stop them at shutdown."""
    async with AsyncExitStack() as stack:
        for channel in runtime.channels.values():
            if isinstance(channel, tg.TelegramChannel):
                await stack.enter_async_context(_telegram(runtime, channel))
            elif isinstance(channel, wa.WhatsAppChannel):
                await stack.enter_async_context(channel.client)
        yield


async def take_telegram_update(runtime: Runtime, update: tg.Update) -> Outcome:
    """One Telegram update: the staff group's messages to the handoff service, a press the bot does not act
    on answered, everything else to the dispatcher."""
    channel = runtime.channels[tg.CHANNEL]
    assert isinstance(channel, tg.TelegramChannel)
    staff = channel.staff(update)
    if staff is not None:
        try:
            await runtime.handoffs.on_staff_message(staff)
        except Exception:  # nothing was done for good: let Telegram redeliver
            log.exception("telegram staff-group update %s failed", update.update_id)
            return Outcome("failed")
        return Outcome("handled")
    messages = channel.incoming(update)
    if not messages:
        if update.callback_query is not None:  # a press we do not act on must still stop the client's spinner
            await channel.answer_press(update.callback_query.id)
        return Outcome("ignored")
    return await runtime.dispatcher.handle(channel, messages[0])


__all__ = ["build_channels", "channels_lifespan", "staff_chat_id", "take_telegram_update"]
