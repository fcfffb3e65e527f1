"""Building the Telegram channel and deploying it: the PTB Application, polling, the webhook and the
command menu (one-off deploy steps run by `desmigratif telegram`)."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import RetryPolicy
from bot.channels.telegram.channel import TelegramChannel, error_code
from bot.channels.telegram.parse import TelegramChannelError

ALLOWED_UPDATES = ("message", "callback_query")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts as secret_token
UpdateHandler = Callable[[Update], Awaitable[object]]
# Shown in Telegram's command menu. Kept here, not in the gettext catalogs: they are Telegram-only
# metadata, registered once at deploy time, and the core never sees them.
BOT_COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "id": (
        ("start", "Menu utama"),
        ("bahasa", "Ganti bahasa / change language"),
        ("petugas", "Hubungi petugas"),
        ("privasi", "Kebijakan privasi"),
        ("hapus", "Hapus data saya"),
        ("batal", "Batal / kembali ke asisten otomatis"),
    ),
    "en": (
        ("start", "Main menu"),
        ("bahasa", "Change language / ganti bahasa"),
        ("petugas", "Contact an officer"),
        ("privasi", "Privacy policy"),
        ("hapus", "Delete my data"),
        ("batal", "Cancel / back to the assistant"),
    ),
}
DEFAULT_COMMANDS_LANGUAGE = "id"


def _file_url(base_url: str) -> str:
    # The Bot API serves files under /file/bot<token>; keep a fake or self-hosted server consistent.
    return base_url[: -len("bot")] + "file/bot" if base_url.endswith("/bot") else base_url


def build_application(token: str, *, base_url: str, polling: bool = False
                      ) -> Application[Any, Any, Any, Any, Any, Any]:
    """A PTB Application: without an Updater for webhooks (our route feeds it), with one for polling."""
    # httpx logs every request URL at INFO, and Bot API URLs contain the token; PTB's bot logs its base URL
    # (with the token) at DEBUG when it is created.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("telegram.Bot", "telegram.ext.ExtBot"):
        logging.getLogger(name).setLevel(logging.INFO)
    # PTB warns on every 429 that `retry_after` will become a timedelta; `retry_after_seconds` takes both.
    warnings.filterwarnings("ignore", message=".*`retry_after` will be of type", category=PTBDeprecationWarning)
    builder = Application.builder().token(token).base_url(base_url).base_file_url(_file_url(base_url))
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def create_channel(token: str, *, base_url: str, polling: bool, retry: RetryPolicy | None = None,
                   staff_chat_id: int | None = None) -> TelegramChannel:
    """The Telegram channel of one process, ready to enter with `async with channel.application`."""
    application = build_application(token, base_url=base_url, polling=polling)
    return TelegramChannel(application, retry=retry, staff_chat_id=staff_chat_id)


async def register_commands(bot: Bot) -> None:
    """Show the bot's commands in Telegram's menu, in Indonesian and English (and Indonesian by default)."""
    for lang, commands in BOT_COMMANDS.items():
        await bot.set_my_commands([BotCommand(c, d) for c, d in commands], language_code=lang)
    await bot.set_my_commands([BotCommand(c, d) for c, d in BOT_COMMANDS[DEFAULT_COMMANDS_LANGUAGE]])


async def start_polling(channel: TelegramChannel, on_update: UpdateHandler) -> None:
    """Register the commands and start fetching updates into `on_update` (the webhook route's path);
    the Application must be started."""
    updater = channel.application.updater
    if updater is None:
        raise TelegramChannelError("this Telegram application was built for webhooks, not polling")

    async def polled(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await on_update(update)

    channel.application.add_handler(TypeHandler(Update, polled))
    await register_commands(channel.bot)
    await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))


async def stop_polling(channel: TelegramChannel) -> None:
    """Stop fetching updates, if polling."""
    updater = channel.application.updater
    if updater is not None and updater.running:
        await updater.stop()


def _redacted(error: TelegramError, token: str) -> str:
    return str(error).replace(token, "<token>")


async def set_webhook(token: str, *, base_url: str, url: str, secret: str, drop_pending_updates: bool = False
                      ) -> None:
    """Point Telegram at our webhook with the secret, and register the commands (a one-off deploy step)."""
    if not SECRET_RE.match(secret):
        raise TelegramChannelError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
    bot = Bot(token, base_url=base_url, base_file_url=_file_url(base_url))
    try:
        async with bot:
            await bot.set_webhook(url=url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES),
                                  drop_pending_updates=drop_pending_updates)
            await register_commands(bot)
    except TelegramError as error:
        raise TelegramChannelError(f"Telegram refused: {error_code(error)}: {_redacted(error, token)}") from error


async def delete_webhook(token: str, *, base_url: str, drop_pending_updates: bool = False) -> None:
    """Remove the webhook (for example before polling on a laptop)."""
    bot = Bot(token, base_url=base_url, base_file_url=_file_url(base_url))
    try:
        async with bot:
            await bot.delete_webhook(drop_pending_updates=drop_pending_updates)
    except TelegramError as error:
        raise TelegramChannelError(f"Telegram refused: {error_code(error)}: {_redacted(error, token)}") from error
