"""How an answer will look: the text the bot sends (answer and source line), cut as Telegram and WhatsApp cut it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from bot.channels import telegram, whatsapp
from knowledge.render import render_answer
from knowledge.schema import EntryDoc, LanguageText, Source

# WhatsApp shows *bold*, _italic_ and ~struck~ text; Telegram gets HTML (bot.channels.telegram.message_parts).
_WHATSAPP_MARKS = ((re.compile(r"\*([^*\n]+)\*"), "strong"), (re.compile(r"(?<!\w)_([^_\n]+)_(?!\w)"), "em"),
                   (re.compile(r"~([^~\n]+)~"), "s"))


@dataclass(frozen=True)
class Preview:
    """One language's answer as each channel shows it."""

    lang: str
    telegram: list[Markup]
    whatsapp: list[Markup]
    chars: int


def whatsapp_html(text: str) -> Markup:
    """A WhatsApp message as HTML: escaped, with its bold, italic and strike marks applied."""
    html = str(escape(text))
    for pattern, tag in _WHATSAPP_MARKS:
        html = pattern.sub(rf"<{tag}>\1</{tag}>", html)
    return Markup(html)


def telegram_html(text: str) -> list[Markup]:
    """An answer as the Telegram messages it is sent as: HTML whose text telegram.html_span escaped."""
    return [Markup(part) for part in telegram.message_parts(text)]


def whatsapp_bubbles(text: str) -> list[Markup]:
    """An answer as the WhatsApp messages it is sent as, cut where the adapter cuts it, shown as HTML."""
    return [whatsapp_html(body) for body in whatsapp.text_parts(text)]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return dt.date.today()


def _loose_entry(fields: dict[str, Any]) -> EntryDoc:
    """An entry built from half-typed fields without validation: enough to render its answer."""
    texts = {lang: LanguageText.model_construct(question=fields.get(f"{lang}_question", ""), phrasings=[],
                                                answer=fields.get(f"{lang}_answer", ""))
             for lang in ("id", "en") if fields.get(f"{lang}_answer", "").strip()}
    sources = [Source.model_construct(url=s.get("url", ""), title=s.get("title") or s.get("url") or "-", date=None)
               for s in fields.get("sources", [])]
    return EntryDoc.model_construct(id=fields.get("id") or "preview", topic=fields.get("topic") or "requirements",
                                    texts=texts, sources=sources, reviewed_at=_date(fields.get("reviewed_at", "")),
                                    review_due=_date(fields.get("review_due", "")))


def previews(fields: dict[str, Any]) -> list[Preview]:
    """The preview of every language that has an answer typed."""
    entry = _loose_entry(fields)
    shown = []
    for lang in entry.texts:
        text = render_answer(entry, lang)
        shown.append(Preview(lang=lang, telegram=telegram_html(text), whatsapp=whatsapp_bubbles(text),
                             chars=len(text)))
    return shown
