"""Telegram updates in: webhook JSON → PTB `Update` → neutral `IncomingMessage` (or a staff-group message).

Error tree::

    TelegramChannelError     anything this adapter reports to its callers
        MalformedUpdate      a webhook body that is not a Telegram update (the route answers 400)
            RejectedUpdate   an update that can never be handled (acknowledged, counted; a `base.Rejected`)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from telegram import Bot, Update

from bot.channels.base import Rejected
from bot.messages import IncomingMessage

CHANNEL = "telegram"


class TelegramChannelError(Exception):
    """Something the Telegram adapter reports to its callers (never carries a token or user text)."""


class MalformedUpdate(TelegramChannelError):
    """A webhook body that is not a Telegram update."""


class RejectedUpdate(MalformedUpdate, Rejected):
    """An update with a valid id that can never be handled (a field of the wrong type or out of bounds):
    acknowledged and counted, never retried (Telegram would hold back the chat's later updates behind it)."""

    def __init__(self, reason: str) -> None:
        Rejected.__init__(self, reason)


_MAX_CHAT_ID = 2**63  # Telegram's ids fit in a signed 64-bit integer
_MAX_LANGUAGE_CODE = 35  # an IETF language tag


def check_fields(update: Update) -> None:
    """RejectedUpdate when a field the bot reads has a type or size Telegram never sends (PTB keeps whatever
    the JSON held: a `text` that is an object would fail deep in the core, and a huge chat id a column)."""
    message = update.message
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and (not isinstance(chat.id, int) or isinstance(chat.id, bool)
                             or not -_MAX_CHAT_ID < chat.id < _MAX_CHAT_ID or not isinstance(chat.type, str)):
        raise RejectedUpdate("chat")
    if user is not None:
        code = user.language_code
        if not isinstance(user.id, int) or (code is not None and (not isinstance(code, str)
                                                                   or len(code) > _MAX_LANGUAGE_CODE)):
            raise RejectedUpdate("user")
        if user.username is not None and not isinstance(user.username, str):
            raise RejectedUpdate("user")
    if message is not None:
        for value in (message.text, message.caption):
            if value is not None and not isinstance(value, str):
                raise RejectedUpdate("text")
        reply = message.reply_to_message
        if reply is not None and not isinstance(reply.message_id, int):
            raise RejectedUpdate("reply")
        if not isinstance(message.message_id, int):
            raise RejectedUpdate("message_id")
    query = update.callback_query
    if query is not None and (not isinstance(query.id, str) or (query.data is not None
                                                                and not isinstance(query.data, str))):
        raise RejectedUpdate("callback")


def to_incoming(update: Update) -> IncomingMessage | None:
    """The channel-neutral message of an update; None for updates the bot does not answer."""
    check_fields(update)
    chat, user = update.effective_chat, update.effective_user
    # Only private chats: the bot must not answer in groups (e.g. the staff group it posts handoffs to).
    if chat is None or user is None or user.is_bot or chat.type != "private":
        return None
    said = partial(IncomingMessage, CHANNEL, str(chat.id), language_hint=user.language_code,
                   external_id=str(update.update_id))
    if update.callback_query is not None:
        data = update.callback_query.data
        if not isinstance(data, str) or not data:
            return None
        return said(button=data, receipt=update.callback_query.id)
    if update.message is not None:
        # A sticker or photo without a caption becomes an empty text: the core answers it kindly.
        return said(text=update.message.text or update.message.caption or "")
    return None


def parse_update(data: Any, bot: Bot) -> Update:
    """Build an `Update` from webhook JSON; MalformedUpdate for anything Telegram would never send."""
    if not isinstance(data, dict):
        raise MalformedUpdate("the body must be a JSON object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        raise MalformedUpdate('"update_id" must be a non-negative integer')
    try:
        update = Update.de_json(data, bot)
        # Touch what `to_incoming` reads, so a wrongly shaped field fails here, not later.
        to_incoming(update)
    except RejectedUpdate:
        raise
    # OSError and OverflowError: a timestamp far outside the platform's range ("date": 1e18) fails in
    # datetime.fromtimestamp inside PTB; RecursionError: absurdly deep nesting. The update id is valid, so
    # it is rejected (acknowledged, counted), not refused: a refused update is delivered again and again.
    except (TypeError, ValueError, KeyError, AttributeError, OSError, OverflowError, RecursionError) as error:
        raise RejectedUpdate(f"shape:{error.__class__.__name__}") from error
    return update


@dataclass(frozen=True, slots=True)
class StaffMessage:
    """A staff member's message in the staff group: a reply to one of the bot's posts, /klaim, /tutup."""

    update_id: int
    message_id: int
    reply_to: int | None  # the message it answers, if any
    author: str  # @username, else the display name
    text: str


def staff_message(update: Update, staff_chat_id: int | None) -> StaffMessage | None:
    """The staff-group message in `update`, or None when the update is not from that group."""
    message = update.message
    if staff_chat_id is None or message is None or message.chat.id != staff_chat_id:
        return None
    user = message.from_user
    if user is None or user.is_bot:
        return None
    author = f"@{user.username}" if user.username else (user.full_name or str(user.id))
    reply_to = message.reply_to_message.message_id if message.reply_to_message is not None else None
    return StaffMessage(update.update_id, message.message_id, reply_to, author[:100],
                        message.text or message.caption or "")
