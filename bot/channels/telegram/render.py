"""Telegram replies out: neutral markup → HTML parse mode (all text escaped), inline keyboards, and the
folding of a short reply under the one before it, within Telegram's limits."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import markup
from bot.channels.base import Payload, split_text
from bot.channels.text import utf16_units
from bot.markup import Span
from bot.messages import Button, Reply

MAX_MESSAGE_UNITS = 4096  # Telegram counts message length in UTF-16 code units
MAX_CALLBACK_BYTES = 64
SHORT_LABEL_CHARS = 16  # two buttons share a row only when both labels are this short
# A reply this short that follows another (the "was this helpful? 👍 👎" after an answer) is shown under it,
# in the same message, when both fit: one notification instead of two, and one Bot API call fewer.
FOLD_REPLY_UNITS = 120
log = logging.getLogger(__name__)


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


def payloads(replies: Sequence[Reply]) -> list[Payload]:
    """One payload per Telegram message (short replies folded in; a folded one lists the replies it shows,
    so a failure keeps each in the outbox as it was made); a text over the limit is cut when sent."""
    rendered: list[Payload] = []
    shown = 0
    for message, count in fold_replies(replies):
        payload = message.to_dict()
        if count > 1:
            payload["replies"] = [reply.to_dict() for reply in replies[shown:shown + count]]
        shown += count
        rendered.append(payload)
    return rendered

