"""The Telegram channel on python-telegram-bot: updates in, replies out, within Telegram's limits.

This is the only module that imports `telegram`. It holds a PTB `Application` (never subclasses it),
turns an `Update` into an `IncomingMessage`, runs the channel-neutral core (via `bot.blocking`) and
renders each `Reply` as `sendMessage` calls in HTML parse mode (the neutral markup of `bot.markup`, all
text escaped) with inline keyboards. The HTTP route and the CLI in `api/`
use it through `TelegramChannel`, `create_channel`, `set_webhook` and `delete_webhook`.

Error tree::

    TelegramChannelError     anything this adapter reports to its callers
        MalformedUpdate      a webhook body that is not a Telegram update (the route answers 400)
        SendFailed           a call still failed after the retries (also a `bot.channels.base.SendFailed`)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import os
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypeVar

from sqlalchemy.engine import Engine
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot import markup
from bot.blocking import run_blocking
from bot.channels import base
from bot.channels.base import Chat, Payload, RetryPolicy, split_text
from bot.channels.text import utf16_units
from bot.delivery import (
    DEFAULT_LEASE_SECONDS,
    Claimed,
    claim_and_compute,
    finish_delivery,
    has_undelivered,
    mark_progress,
    record_failed_send,
    release_delivery,
)
from bot.markup import Span
from bot.messages import Button, IncomingMessage, Reply, reply_from_dict
from bot.serial import PerUserLocks

CHANNEL = "telegram"
ALLOWED_UPDATES = ("message", "callback_query")
MAX_MESSAGE_UNITS = 4096  # Telegram counts message length in UTF-16 code units
MAX_CALLBACK_BYTES = 64
SHORT_LABEL_CHARS = 16  # two buttons share a row only when both labels are this short
# A reply this short that follows another (the "was this helpful? 👍 👎" after an answer) is shown under it,
# in the same message, when both fit: one notification instead of two, and one Bot API call fewer.
FOLD_REPLY_UNITS = 120
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts as secret_token
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
# Answers end with source links; previews would cost data on cheap phones and bury the answer.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
T = TypeVar("T")
log = logging.getLogger(__name__)
# Opt in to PTB's future time-period type (timedelta) now: otherwise every 429 logs a deprecation
# warning from inside PTB. `_retry_after_seconds` accepts both types.
os.environ.setdefault("PTB_TIMEDELTA", "true")


class TelegramChannelError(Exception):
    """Something the Telegram adapter reports to its callers (never carries a token or user text)."""


class MalformedUpdate(TelegramChannelError):
    """A webhook body that is not a Telegram update."""


class RejectedUpdate(MalformedUpdate):
    """An update with a valid id that can never be handled (a field of the wrong type or out of bounds):
    acknowledged and counted, never retried (Telegram would hold back the chat's later updates behind it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SendFailed(TelegramChannelError, base.SendFailed):
    """A Bot API call still failed after the retries."""

    def __init__(self, code: str, attempts: int, *, retryable: bool = True, retry_after: float | None = None) -> None:
        base.SendFailed.__init__(self, code, retryable=retryable, retry_after=retry_after, attempts=attempts)
        self.sent_parts = 0  # of a reply split into several messages, how many were sent


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one update: the webhook route turns it into an HTTP status."""

    status: Literal["ignored", "duplicate", "busy", "handled", "failed"]
    sent: int = 0  # messages Telegram accepted
    undelivered: int = 0  # replies recorded in the outbox after the retries failed


@dataclass(slots=True)
class _Tally:
    """How far sending got, so a failure halfway knows whether anything reached the user."""

    sent: int = 0
    undelivered: int = 0


# --- Update → IncomingMessage ---------------------------------------------------------------------


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
        return said(button=data)
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


# --- Reply → sendMessage ---------------------------------------------------------------------------


def html_span(span: Span) -> str:
    """One span of neutral markup as Telegram HTML; its text always escaped."""
    text = html.escape(span.text, quote=False)
    if span.url:
        text = f'<a href="{html.escape(span.url)}">{text}</a>'
    if span.italic:
        text = f"<i>{text}</i>"
    return f"<b>{text}</b>" if span.bold else text


def render_html(text: str) -> str:
    """Neutral markup as the HTML Telegram shows (sent with parse_mode HTML)."""
    return markup.render(text, html_span)


def message_parts(text: str) -> list[str]:
    """A reply's text as the HTML of one or more messages within Telegram's limit.

    It is cut on the markup, never inside a styled run, so no tag is broken; the limit counts what the
    user sees, which is never longer than the markup.
    """
    parts = split_text(text, MAX_MESSAGE_UNITS, can_cut=markup.safe_cut(text))
    return [render_html(part) for part in parts if part.strip()]


def fitting_buttons(buttons: Sequence[Button]) -> list[Button]:
    """The buttons whose payload fits in callback_data (1–64 bytes); the others are logged and dropped."""
    kept = []
    for button in buttons:
        size = len(button.payload.encode("utf-8"))
        if 1 <= size <= MAX_CALLBACK_BYTES and button.label:
            kept.append(button)
        else:
            log.warning("dropped a Telegram button whose payload is %d bytes (limit %d)", size, MAX_CALLBACK_BYTES)
    return kept


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """An inline keyboard: one button per row, two when both labels are short (e.g. 👍 / 👎)."""
    rows: list[list[InlineKeyboardButton]] = []
    pending = list(fitting_buttons(buttons))
    while pending:
        first = pending.pop(0)
        row = [InlineKeyboardButton(first.label, callback_data=first.payload)]
        if pending and len(first.label) <= SHORT_LABEL_CHARS and len(pending[0].label) <= SHORT_LABEL_CHARS:
            second = pending.pop(0)
            row.append(InlineKeyboardButton(second.label, callback_data=second.payload))
        rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


def fold_replies(replies: Sequence[Reply]) -> list[tuple[Reply, int]]:
    """Telegram messages for `replies`: (message, how many replies it shows), in order.

    A short reply is joined to the one before it when the two fit in one message: its text under the
    other's, its buttons first (right under the question they answer), then the other's.
    """
    messages: list[tuple[Reply, int]] = []
    for reply in replies:
        if messages:
            previous, count = messages[-1]
            text = f"{previous.text}\n\n{reply.text}"
            if (reply.text.strip() and previous.text.strip() and utf16_units(reply.text) <= FOLD_REPLY_UNITS
                    and utf16_units(text) <= MAX_MESSAGE_UNITS):
                messages[-1] = (Reply(text, (*reply.buttons, *previous.buttons)), count + 1)
                continue
        messages.append((reply, 1))
    return messages


# --- The channel ----------------------------------------------------------------------------------


def _retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns when `retry_after` is read as a number; accept both spellings without the warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _code(error: BaseException) -> str:
    """A short error code for logs and the outbox: the class and, for a 429, the wait; never text."""
    if isinstance(error, RetryAfter):
        return f"RetryAfter({_retry_after_seconds(error):g}s)"
    return error.__class__.__name__


class TelegramChannel:
    """Holds the PTB Application; turns updates into core turns and sends the replies reliably (a `Channel`)."""

    name = CHANNEL

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], conversation: Chat,
                 engine: Engine, *, retry: RetryPolicy | None = None) -> None:
        self.application = application
        self.conversation = conversation
        self.engine = engine
        self.retry = retry or RetryPolicy()
        self.lease_seconds = DEFAULT_LEASE_SECONDS  # how long a claim protects an update being processed
        self._user_locks = PerUserLocks()
        # The staff group (human handoff): its messages go to `staff_handler`, never to the core.
        self.staff_chat_id: int | None = None
        self.staff_handler: Callable[[StaffMessage], Awaitable[None]] | None = None
        # Polling feeds updates through PTB's queue; the handler is as thin as the webhook route.
        application.add_handler(TypeHandler(Update, self._on_update))

    @property
    def bot(self) -> Bot:
        """The PTB bot that talks to the Bot API."""
        bot: Bot = self.application.bot
        return bot

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.process(update)

    def parse(self, data: Any) -> Update:
        """Parse webhook JSON into an update bound to this channel's bot (MalformedUpdate if it is not one)."""
        return parse_update(data, self.bot)

    def incoming(self, body: Any) -> list[IncomingMessage]:
        """The neutral message of a webhook body, if the bot answers it (MalformedUpdate if it is not one)."""
        msg = to_incoming(self.parse(body))
        return [msg] if msg is not None else []

    def render(self, replies: Sequence[Reply], lang: str) -> list[Payload]:
        """One payload per Telegram message (short replies folded in); a text over the limit is sent as
        several messages by `send_payload`, cut on the markup."""
        return [message.to_dict() for message, _count in fold_replies(replies)]

    async def process(self, update: Update) -> Outcome:
        """Handle one update end to end: claim, acknowledge a button, run the core, store and send the replies.

        The ordering (claim → core → store replies → send, counting → done) and what it guarantees when the
        process dies at any point are described in `bot.delivery`; the route acknowledges only afterwards.
        """
        if self.staff_handler is not None:
            staff = staff_message(update, self.staff_chat_id)
            if staff is not None:
                try:
                    await self.staff_handler(staff)
                except Exception:  # nothing was done for good: let Telegram redeliver
                    log.exception("telegram staff-group update %s failed", update.update_id)
                    return Outcome("failed")
                return Outcome("handled")
        msg = to_incoming(update)
        query = update.callback_query
        if msg is None:
            if query is not None:  # a press we do not act on must still stop the client's spinner
                await self._answer_callback(query.id)
            return Outcome("ignored")
        async with self._user_locks(msg.user_id):  # one update at a time per user (bot/serial.py)
            return await self._process(msg, query)

    async def _process(self, msg: IncomingMessage, query: CallbackQuery | None) -> Outcome:
        assert msg.external_id is not None

        def compute() -> list[dict[str, Any]]:
            return [reply.to_dict() for reply in self.conversation.handle(msg).replies]

        # Claim, core, stored replies and the outbox check in one blocking call: one hop to a worker thread
        # on PostgreSQL instead of four (each costs ~0.2 ms of CPU under load, bench/webhook.py); none on SQLite.
        try:
            claimed = await run_blocking(self.engine, claim_and_compute, self.engine, CHANNEL,
                                         msg.external_id, msg.user_id, compute, lease_seconds=self.lease_seconds)
        except Exception:
            # e.g. the database is down, or the core failed: nothing reached the user (the claim, if any, was
            # released), so let Telegram redeliver.
            log.exception("telegram update %s failed before any reply was sent", msg.external_id)
            return Outcome("failed")
        if not isinstance(claimed, Claimed):
            # "duplicate": done before; "busy": another worker has it (if it dies, a later redelivery takes over)
            return Outcome("busy" if claimed.status == "busy" else "duplicate")
        delivery, start = claimed.delivery, claimed.start
        # A press answered now stops the client's spinner while the replies go out.
        ack = (asyncio.create_task(self._answer_callback(query.id))
               if query is not None and delivery.result is None else None)
        if delivery.result is not None:
            log.warning("telegram update %s taken over after a crash (%d of %d replies were out)",
                        msg.external_id, start, len(claimed.result))
        replies = [reply_from_dict(p) for p in claimed.result[start:]]

        async def progress(count: int) -> None:
            await run_blocking(self.engine, mark_progress, self.engine, delivery, start + count)

        tally = _Tally()
        try:
            try:
                await self._send_all(msg.user_id, replies, tally, progress=progress, queued=claimed.queued)
            except Exception:
                log.exception("telegram update %s failed while sending replies", msg.external_id)
                if not (tally.sent or tally.undelivered or start):
                    await run_blocking(self.engine, release_delivery, self.engine, CHANNEL, msg.external_id)
                    return Outcome("failed")
                # Something reached the user or the outbox: a redelivery must not repeat it.
            # Marked done straight after the last send, before waiting for the button's acknowledgement: the
            # shorter the time between Telegram taking a message and this record, the fewer repeats a crash causes.
            try:
                await run_blocking(self.engine, finish_delivery, self.engine, delivery)
            except Exception:  # the replies are out; a redelivery within the lease is refused, after it resumes
                log.exception("telegram update %s could not be marked done", msg.external_id)
        finally:
            if ack is not None:
                await ack
        return Outcome("handled", sent=tally.sent, undelivered=tally.undelivered)

    async def send_replies(self, chat_id: str, replies: Sequence[Reply]) -> tuple[int, int]:
        """Send replies in order; returns (messages sent, replies recorded in the outbox)."""
        tally = _Tally()
        await self._send_all(chat_id, replies, tally)
        return tally.sent, tally.undelivered

    async def post_text(self, chat_id: str | int, text: str) -> int | None:
        """Send a text in neutral markup (e.g. to the staff group, user words escaped); the id of its last
        message, or None when it could not be sent (then it is kept in the outbox)."""
        last: int | None = None
        cut = markup.safe_cut(text)
        sources = [p for p in split_text(text, MAX_MESSAGE_UNITS, can_cut=cut) if p.strip()] or ["…"]
        for index, part in enumerate(render_html(source) for source in sources):
            try:
                sent = await self._call(partial(self.bot.send_message, chat_id=chat_id, text=part,
                                                parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW))
            except SendFailed as error:
                rest = "\n\n".join(sources[index:])
                await run_blocking(self.engine, record_failed_send, self.engine, CHANNEL, str(chat_id),
                                   Reply(rest).to_dict(), error.code, attempts=error.attempts)
                log.error("telegram post to chat not delivered (%s); kept in the outbox", error)
                return None
            last = sent.message_id
        return last

    async def send_payload(self, chat_id: str, payload: dict[str, Any]) -> None:
        """Send one stored reply (an outbox row's payload) once, with the usual retries; SendFailed if it fails.

        A reply whose first parts already arrived (`sent_parts`) continues with the next part.
        """
        reply = reply_from_dict(payload)
        await self._send_reply(chat_id, reply, _Tally(), skip_parts=int(payload.get("sent_parts") or 0))

    async def _send_all(self, chat_id: str, replies: Sequence[Reply], tally: _Tally,
                        progress: Callable[[int], Awaitable[None]] | None = None,
                        queued: bool | None = None) -> None:
        """Send in order; `queued` (None: look it up) says older messages to this user wait in the outbox."""
        failure: SendFailed | None = None
        if queued is None and replies:
            queued = await run_blocking(self.engine, has_undelivered, self.engine, CHANNEL, chat_id)
        if replies and queued:
            # Older messages to this user wait in the outbox: queue behind them so the order holds.
            failure = SendFailed("queued", 0)
        done = 0  # replies shown so far
        for message, count in fold_replies(replies):
            shown = replies[done:done + count]
            done += count
            attempts = sent_parts = 0  # later replies after a failure are not tried: they would arrive out of order
            if failure is None:
                try:
                    await self._send_reply(chat_id, message, tally)
                    if progress is not None and done < len(replies):
                        await progress(done)
                    continue
                except SendFailed as error:
                    failure, attempts, sent_parts = error, error.attempts, error.sent_parts
            assert failure is not None
            for position, reply in enumerate(shown):  # kept one outbox row per reply, in order
                payload = reply.to_dict()
                if position == 0 and sent_parts:  # the first parts of a long reply did arrive; do not repeat them
                    payload["sent_parts"] = sent_parts  # (only an unfolded reply has parts: a folded one fits one)
                row = await run_blocking(self.engine, record_failed_send, self.engine, CHANNEL, chat_id,
                                         payload, failure.code, attempts=attempts if position == 0 else 0)
                tally.undelivered += 1
                log.error("telegram reply not delivered (%s); kept as outbox row %d", failure, row)

    async def _send_reply(self, chat_id: str, reply: Reply, tally: _Tally, *, skip_parts: int = 0) -> None:
        parts = message_parts(reply.text)
        if not parts:
            if not reply.buttons:
                return
            parts = ["…"]  # Telegram refuses an empty text, and buttons need a message to hang on
        buttons = keyboard(reply.buttons)
        for index, part in enumerate(parts):
            if index < skip_parts:
                continue
            last = index == len(parts) - 1
            try:
                await self._call(partial(self.bot.send_message, chat_id=chat_id, text=part,
                                         parse_mode=ParseMode.HTML, reply_markup=buttons if last else None,
                                         link_preview_options=_NO_PREVIEW))
            except SendFailed as error:
                error.sent_parts = index
                raise
            tally.sent += 1

    async def _answer_callback(self, query_id: str) -> None:
        try:
            await self._call(lambda: self.bot.answer_callback_query(query_id))
        except SendFailed as error:
            # Only the client's spinner is affected; the reply itself is still sent.
            log.warning("telegram answerCallbackQuery failed: %s", error)

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run one Bot API call: honour 429 `retry_after`, back off on network errors and 5xx."""
        policy = self.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                return await make()
            except RetryAfter as error:
                wait = _retry_after_seconds(error)
                if attempt >= policy.attempts or wait > policy.max_retry_after:
                    raise SendFailed(_code(error), attempt, retry_after=wait) from error
                log.info("telegram flood control: waiting %.1f s (attempt %d)", wait, attempt)
                await asyncio.sleep(wait)
            except BadRequest as error:
                # A BadRequest is a NetworkError in PTB's tree, but sending it again cannot help.
                raise SendFailed(_code(error), attempt, retryable=False) from error
            except NetworkError as error:  # includes TimedOut and every 5xx
                # A timed-out send may have arrived; a rare duplicate beats a lost answer.
                if attempt >= policy.attempts:
                    raise SendFailed(_code(error), attempt) from error
                await asyncio.sleep(policy.delay(attempt))
            except Forbidden as error:  # the user blocked the bot: no retry will reach them
                raise SendFailed(_code(error), attempt, retryable=False) from error
            except TelegramError as error:  # InvalidToken, Conflict, …: the outbox tries again later
                raise SendFailed(_code(error), attempt) from error


# --- Building and deploying -----------------------------------------------------------------------


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
    builder = Application.builder().token(token).base_url(base_url).base_file_url(_file_url(base_url))
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def create_channel(token: str, *, base_url: str, polling: bool, conversation: Chat, engine: Engine,
                   retry: RetryPolicy | None = None) -> TelegramChannel:
    """The Telegram channel of one process, ready to enter with `async with channel.application`."""
    application = build_application(token, base_url=base_url, polling=polling)
    return TelegramChannel(application, conversation, engine, retry=retry)


async def register_commands(bot: Bot) -> None:
    """Show the bot's commands in Telegram's menu, in Indonesian and English (and Indonesian by default)."""
    for lang, commands in BOT_COMMANDS.items():
        await bot.set_my_commands([BotCommand(c, d) for c, d in commands], language_code=lang)
    await bot.set_my_commands([BotCommand(c, d) for c, d in BOT_COMMANDS[DEFAULT_COMMANDS_LANGUAGE]])


async def start_polling(channel: TelegramChannel) -> None:
    """Register the commands and start fetching updates (the Application must be started)."""
    updater = channel.application.updater
    if updater is None:
        raise TelegramChannelError("this Telegram application was built for webhooks, not polling")
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
        raise TelegramChannelError(f"Telegram refused: {_code(error)}: {_redacted(error, token)}") from error


async def delete_webhook(token: str, *, base_url: str, drop_pending_updates: bool = False) -> None:
    """Remove the webhook (for example before polling on a laptop)."""
    bot = Bot(token, base_url=base_url, base_file_url=_file_url(base_url))
    try:
        async with bot:
            await bot.delete_webhook(drop_pending_updates=drop_pending_updates)
    except TelegramError as error:
        raise TelegramChannelError(f"Telegram refused: {_code(error)}: {_redacted(error, token)}") from error
