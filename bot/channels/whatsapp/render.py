"""WhatsApp replies out: a turn's replies as few messages as fit the platform's limits (reply buttons, a
list, or numbered lines), with WhatsApp's own markers for the neutral markup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot import i18n, markup
from bot.channels.base import split_text
from bot.channels.text import utf16_prefix, utf16_units
from bot.i18n import N_
from bot.markup import Span
from bot.messages import Button, Reply

# WhatsApp's limits (tech notes §2.4), counted in UTF-16 code units: that is at least the number of
# characters whichever way Meta counts, so an emoji can never push a title over the limit.
MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_LIST_BUTTON = 20
MAX_SECTION_TITLE = 24

LIST_BUTTON = N_("Choose")
SECTION_TITLE = N_("Options")
CHOOSE_PROMPT = N_("Choose an option:")
NUMBER_HINT = N_("Reply with the number of your choice.")


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` with an ellipsis when it is longer."""
    text = " ".join(text.split())
    if utf16_units(text) <= limit:
        return text
    return text[: utf16_prefix(text, limit - 1)].rstrip().rstrip("\u200d") + "…"


def whatsapp_span(span: Span) -> str:
    """One span of neutral markup with WhatsApp's own markers (a link as "label (url)")."""
    text = markup.plain_span(span)
    if span.italic:
        text = f"_{text}_"
    return f"*{text}*" if span.bold else text


def render_text(text: str) -> str:
    """Neutral markup as a WhatsApp body."""
    return markup.render(text, whatsapp_span)


@dataclass(frozen=True, slots=True)
class Strings:
    """The few UI words the renderer adds, already in the user's language."""

    list_button: str = "Choose"
    section_title: str = "Options"
    prompt: str = "Choose an option:"
    number_hint: str = "Reply with the number of your choice."

    @classmethod
    def for_language(cls, lang: str) -> Strings:
        """The renderer's words from the gettext catalog of `lang`."""
        _ = i18n.translator(lang).gettext
        return cls(_(LIST_BUTTON), _(SECTION_TITLE), _(CHOOSE_PROMPT), _(NUMBER_HINT))


@dataclass(frozen=True, slots=True)
class Rendered:
    """A turn as WhatsApp messages (without recipient), and the payloads of any numbered choices.

    `choices` is None when the turn offered no buttons at all (the previous numbers stay answerable, as
    after a throttled message); an empty tuple means buttons were shown as buttons or a list.
    """

    messages: tuple[dict[str, Any], ...]
    choices: tuple[str, ...] | None


def text_parts(text: str) -> list[str]:
    """A reply's text as the bodies of one or more WhatsApp messages, with WhatsApp's own markers."""
    # Cut on the markup, never inside a styled run; the markers cost as much as in the markup, so each
    # rendered piece stays within the limit too.
    pieces = split_text(text, MAX_TEXT, can_cut=markup.safe_cut(text))
    return [render_text(piece) for piece in pieces if piece]


def text_messages(text: str) -> list[dict[str, Any]]:
    """A text as WhatsApp text messages (cut within the limit)."""
    return [{"type": "text", "text": {"preview_url": False, "body": body}} for body in text_parts(text)]


def _distinct(buttons: Iterable[Button]) -> list[Button]:
    seen: set[str] = set()
    kept = []
    for button in buttons:
        if button.payload not in seen:
            seen.add(button.payload)
            kept.append(button)
    return kept


def _groups(replies: Sequence[Reply]) -> list[list[Reply]]:
    """Consecutive replies merged while their buttons fit one list, so an answer and its choices go as one."""
    groups: list[list[Reply]] = []
    for reply in replies:
        if groups and len(_distinct(b for r in [*groups[-1], reply] for b in r.buttons)) <= MAX_LIST_ROWS:
            groups[-1].append(reply)
        else:
            groups.append([reply])
    return groups


def _unique(titles: Sequence[str]) -> bool:
    return len({t.casefold() for t in titles}) == len(titles)


def _style(buttons: Sequence[Button]) -> str:
    titles = [clip(b.label, MAX_BUTTON_TITLE) for b in buttons]
    if len(buttons) <= MAX_REPLY_BUTTONS and _unique(titles) and all(
        utf16_units(b.payload) <= MAX_BUTTON_ID for b in buttons
    ):
        return "button"
    rows = [clip(b.label, MAX_ROW_TITLE) for b in buttons]
    if len(buttons) <= MAX_LIST_ROWS and _unique(rows) and all(utf16_units(b.payload) <= MAX_ROW_ID for b in buttons):
        return "list"
    return "numbered"


def _interactive(style: str, body: str, buttons: Sequence[Button], strings: Strings) -> dict[str, Any]:
    if style == "button":
        action: dict[str, Any] = {
            "buttons": [
                {"type": "reply", "reply": {"id": b.payload, "title": clip(b.label, MAX_BUTTON_TITLE)}}
                for b in buttons
            ]
        }
    else:
        rows = []
        for button in buttons:
            row = {"id": button.payload, "title": clip(button.label, MAX_ROW_TITLE)}
            if row["title"] != " ".join(button.label.split()):
                # The title lost words; the description (a second line under it) shows the label in full.
                row["description"] = clip(button.label, MAX_ROW_DESCRIPTION)
            rows.append(row)
        action = {
            "button": clip(strings.list_button, MAX_LIST_BUTTON),
            "sections": [{"title": clip(strings.section_title, MAX_SECTION_TITLE), "rows": rows}],
        }
    return {"type": "interactive", "interactive": {"type": style, "body": {"text": render_text(body)}, "action": action}}


def _already_numbered(text: str, buttons: Sequence[Button]) -> bool:
    """True when `text` already lists each button as "n) label" in button order (the core's clarify text)."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for n, button in enumerate(buttons, start=1):
        label = " ".join(button.label.split()).rstrip("…").strip()
        if not any(line.startswith(f"{n}) ") and line[len(f"{n}) "):].startswith(label) for line in lines):
            return False
    return True


def render_turn(replies: Sequence[Reply], strings: Strings | None = None) -> Rendered:
    """Turn a turn's replies into as few WhatsApp messages as fit the platform's limits."""
    strings = strings or Strings()
    messages: list[dict[str, Any]] = []
    choices: list[str] = []
    offered = False
    for group in _groups(replies):
        texts = [r.text.strip() for r in group if r.text.strip()]
        buttons = _distinct(b for r in group for b in r.buttons)
        if not buttons:
            messages.extend(text_messages("\n\n".join(texts)))
            continue
        offered = True
        style = _style(buttons)
        if style == "numbered":
            text = "\n\n".join(texts)
            first = len(choices) + 1
            choices.extend(b.payload for b in buttons)
            # The core numbers its clarify options itself, in button order; do not print them twice.
            if first > 1 or not _already_numbered(text, buttons):
                lines = [f"{n}. {markup.escape(' '.join(b.label.split()))}" for n, b in enumerate(buttons, start=first)]
                text = "\n\n".join(part for part in (text, "\n".join(lines), strings.number_hint) if part)
            messages.extend(text_messages(text))
            continue
        # The body of an interactive message holds 1,024 characters: the longest tail of the texts that fits
        # goes with the choices, anything before it is sent first as plain text.
        head, body = texts, ""
        for start in range(len(texts)):
            candidate = "\n\n".join(texts[start:])
            if utf16_units(candidate) <= MAX_INTERACTIVE_BODY:
                head, body = texts[:start], candidate
                break
        if head:
            messages.extend(text_messages("\n\n".join(head)))
        messages.append(_interactive(style, body or strings.prompt, buttons, strings))
    return Rendered(tuple(messages), tuple(choices) if offered else None)


