"""Turn an entry into the text a worker reads: the answer, then its source and review date in short."""

from __future__ import annotations

from babel.dates import format_date

from knowledge.schema import EntryDoc

_FOOTER = {
    "id": "Sumber: {sources} · Diperiksa {reviewed}",
    "en": "Source: {sources} · Checked {reviewed}",
}
_LOCALES = {"id": "id_ID", "en": "en_GB"}
MAX_SOURCES_IN_FOOTER = 2


def source_line(entry: EntryDoc, lang: str) -> str:
    """The short 'Source … · Checked …' line for an entry."""
    lang = lang if lang in _FOOTER else "id"
    titles = "; ".join(s.title for s in entry.sources[:MAX_SOURCES_IN_FOOTER]) or "-"
    reviewed = format_date(entry.reviewed_at, "d MMM y", locale=_LOCALES[lang])
    return _FOOTER[lang].format(sources=titles, reviewed=reviewed)


def render_answer(entry: EntryDoc, lang: str) -> str:
    """The entry's answer in `lang` (Indonesian if missing) followed by its source line."""
    text = entry.text(lang)
    lang_used = lang if lang in entry.texts else "id"
    return f"{text.answer.strip()}\n\n📄 {source_line(entry, lang_used)}"
