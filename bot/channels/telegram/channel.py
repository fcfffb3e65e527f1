"""The Telegram channel (a `bot.channels.base.Channel`) on python-telegram-bot: parse an update, render
replies as `sendMessage` payloads, send one payload with the retry policy, answer a button's press.

It holds a PTB `Application` (never subclasses it); the order, claim, core and outbox are `bot.dispatch`'s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import ChannelDefaults, Payload, RetryPolicy, SendFailed
from bot.channels.telegram.parse import CHANNEL, StaffMessage, parse_update, staff_message, to_incoming
from bot.channels.telegram.render import keyboard, message_parts, payloads
from bot.messages import IncomingMessage, Reply, reply_from_dict

# Answers end with source links; previews would cost data on cheap phones and bury the answer.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
T = TypeVar("T")
log = logging.getLogger(__name__)


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait a 429 asked for, in seconds (PTB 22 warns when `retry_after` is read as a number)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def error_code(error: BaseException) -> str:
    """A short error code for logs and the outbox: the class and, for a 429, the wait; never text."""
    if isinstance(error, RetryAfter):
        return f"RetryAfter({retry_after_seconds(error):g}s)"
    return error.__class__.__name__


class TelegramChannel(ChannelDefaults):
    """Telegram as a `Channel`: the PTB Application, the staff group's id, the retry policy."""

    name = CHANNEL

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], *, retry: RetryPolicy | None = None,
                 staff_chat_id: int | None = None) -> None:
        self.application = application
        self.retry = retry or RetryPolicy()
        self.staff_chat_id = staff_chat_id  # the staff group (human handoff): its messages never reach the core

    @property
    def bot(self) -> Bot:
        """The PTB bot that talks to the Bot API."""
        bot: Bot = self.application.bot
        return bot

    def parse(self, data: Any) -> Update:
        """Parse webhook JSON into an update bound to this channel's bot (MalformedUpdate if it is not one)."""
        return parse_update(data, self.bot)

    def staff(self, update: Update) -> StaffMessage | None:
        """The staff group's message in `update`, or None when it is not from that group."""
        return staff_message(update, self.staff_chat_id)

    def incoming(self, body: Any) -> list[IncomingMessage]:
        """The neutral message of a webhook body or an `Update`, if the bot answers it (MalformedUpdate if
        it is not an update)."""
        msg = to_incoming(body if isinstance(body, Update) else self.parse(body))
        return [msg] if msg is not None else []

    def render(self, replies: Sequence[Reply], lang: str) -> list[Payload]:
        """One payload per Telegram message (short replies folded in); a text over the limit is sent as
        several messages by `send`, cut on the markup."""
        return payloads(replies)

    async def acknowledge(self, msg: IncomingMessage) -> None:
        """Stop the spinner of a pressed button."""
        if msg.receipt is not None:
            await self.answer_press(msg.receipt)

    async def answer_press(self, query_id: str) -> None:
        """Answer a callback query; a failure only leaves the client's spinner on."""
        try:
            await self._call(lambda: self.bot.answer_callback_query(query_id))
        except SendFailed as error:
            log.warning("telegram answerCallbackQuery failed: %s", error)

    async def send(self, user_id: str, payload: Payload) -> list[str]:
        """Send one payload as one or more messages (a long text is cut; the buttons ride on the last part);
        `sent_parts` skips the parts that already arrived. The ids of the messages sent."""
        reply = reply_from_dict(payload)
        parts = message_parts(reply.text)
        if not parts:
            if not reply.buttons:
                return []
            parts = ["…"]  # Telegram refuses an empty text, and buttons need a message to hang on
        buttons = keyboard(reply.buttons)
        ids: list[str] = []
        for index, part in enumerate(parts):
            if index < int(payload.get("sent_parts") or 0):
                continue
            last = index == len(parts) - 1
            try:
                message = await self._call(partial(self.bot.send_message, chat_id=user_id, text=part,
                                                   parse_mode=ParseMode.HTML, reply_markup=buttons if last else None,
                                                   link_preview_options=_NO_PREVIEW))
            except SendFailed as error:
                if ids:  # the first parts of a long reply did arrive; do not repeat them
                    error.rest = [{**payload, "sent_parts": index}]
                elif payload.get("replies"):  # a folded message: each reply it showed is kept as made
                    error.rest = list(payload["replies"])
                raise
            ids.append(str(message.message_id))
        return ids

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run one Bot API call: honour 429 `retry_after`, back off on network errors and 5xx."""
        policy = self.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                return await make()
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if attempt >= policy.attempts or wait > policy.max_retry_after:
                    raise SendFailed(error_code(error), attempts=attempt, retry_after=wait) from error
                log.info("telegram flood control: waiting %.1f s (attempt %d)", wait, attempt)
                await asyncio.sleep(wait)
            except BadRequest as error:
                # A BadRequest is a NetworkError in PTB's tree, but sending it again cannot help.
                raise SendFailed(error_code(error), attempts=attempt, retryable=False) from error
            except NetworkError as error:  # includes TimedOut and every 5xx
                # A timed-out send may have arrived; a rare duplicate beats a lost answer.
                if attempt >= policy.attempts:
                    raise SendFailed(error_code(error), attempts=attempt) from error
                await asyncio.sleep(policy.delay(attempt))
            except Forbidden as error:  # the user blocked the bot: no retry will reach them
                raise SendFailed(error_code(error), attempts=attempt, retryable=False) from error
            except TelegramError as error:  # InvalidToken, Conflict, …: the outbox tries again later
                raise SendFailed(error_code(error), attempts=attempt) from error


__all__ = ["TelegramChannel", "error_code", "retry_after_seconds"]
