"""Turn an entry into the text a worker reads: the answer, then its sources with their own dates and the review date."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from knowledge.schema import EntryDoc, Source, source_date_parts

_FOOTER = {
    "id": "Sumber: {sources} · Diperiksa {reviewed}",
    "en": "Source: {sources} · Checked {reviewed}",
}
_LOCALES = {"id": "id_ID", "en": "en_GB"}
MAX_SOURCES_IN_FOOTER = 2


def source_date_label(value: str, lang: str) -> str:
    """A source date as precise as it is known, in the reader's language: '6 Jan 2026', 'Jan 2026' or '2026'."""
    year, month, day = source_date_parts(value)
    locale = _LOCALES.get(lang, _LOCALES["id"])
    if month is None:
        return str(year)
    if day is None:
        return format_date(dt.date(year, month, 1), "MMM y", locale=locale)
    return format_date(dt.date(year, month, day), "d MMM y", locale=locale)


def newest_sources(entry: EntryDoc, limit: int = MAX_SOURCES_IN_FOOTER) -> list[Source]:
    """The entry's newest sources first (undated ones last), so the footer never hides the evidence's age."""
    return sorted(entry.sources, key=Source.date_key, reverse=True)[:limit]


def _publisher(title: str) -> str:
    """The part of a title before its first ': ', which names the outlet or office ("KP2MI: …" → "KP2MI")."""
    head, sep, _rest = title.partition(": ")
    return head if sep else title


def _cite(source: Source, lang: str) -> str:
    name = _publisher(source.title)
    return f"{name} ({source_date_label(source.date, lang)})" if source.date else name


def source_line(entry: EntryDoc, lang: str) -> str:
    """The short 'Source … (date) · Checked …' line: who published the newest sources, their own dates, the review date."""
    lang = lang if lang in _FOOTER else "id"
    cited = "; ".join(_cite(s, lang) for s in newest_sources(entry)) or "-"
    reviewed = format_date(entry.reviewed_at, "d MMM y", locale=_LOCALES[lang])
    return _FOOTER[lang].format(sources=cited, reviewed=reviewed)


def render_answer(entry: EntryDoc, lang: str) -> str:
    """The entry's answer in `lang` (Indonesian if missing) followed by its source line."""
    text = entry.text(lang)
    lang_used = lang if lang in entry.texts else "id"
    return f"{text.answer.strip()}\n\n📄 {source_line(entry, lang_used)}"
