"""The editors' lexicon rows (synonyms and slang layered over the curated lexicon files): list, add, remove."""

from __future__ import annotations

from sqlmodel import Session, select

from knowledge.editing.audit import audit
from knowledge.editing.errors import Conflict, Invalid
from knowledge.lexicon import load_lexicon
from knowledge.models import LexiconRow
from knowledge.normalize import clean
from knowledge.store import bump_content_version

# Editors' lexicon rows: the widths of the lexicon table, and the languages a row may name.
MAX_LEXICON_WORD, MAX_LEXICON_MEANING = 100, 200
LEXICON_LANGS = ("id", "en", "jv", "su")
LANG_NOTE = "lang:"


def list_lexicon(session: Session) -> list[LexiconRow]:
    """Editors' lexicon additions, by key."""
    return list(session.exec(select(LexiconRow).order_by(LexiconRow.key)).all())


def lexicon_lang(row: LexiconRow) -> str | None:
    """The language an editor gave a lexicon row (kept in its note: the table has no column for it)."""
    note = row.note or ""
    return note.removeprefix(LANG_NOTE) if note.startswith(LANG_NOTE) else None


def add_lexicon(session: Session, *, word: str, means: str, lang: str | None, author: str) -> LexiconRow:
    """Add an editor's synonym or slang word (`word` → `means`), live on every worker with the next content version.

    Both sides are normalised the way messages are (case, punctuation, spaces), so "Gajih!" is the word
    `gajih`. A word that is empty once normalised, too long, protected (a country, a question word) or
    that means itself is refused (Invalid); one already in the editors' lexicon is a Conflict.
    """
    key, value = " ".join(clean(word).split()), " ".join(clean(means).split())
    errors = []
    for field_name, text, limit in (("word", key, MAX_LEXICON_WORD), ("means", value, MAX_LEXICON_MEANING)):
        if not text:
            errors.append({"loc": ["body", field_name], "msg": "needs at least one letter or digit", "type": "value_error"})
        elif len(text) > limit:
            errors.append({"loc": ["body", field_name], "msg": f"at most {limit} characters", "type": "value_error"})
    if key and key in load_lexicon().protected:
        errors.append({"loc": ["body", "word"], "msg": f"{key!r} is a protected word and cannot be redefined",
                       "type": "value_error"})
    if key and key == value:
        errors.append({"loc": ["body", "means"], "msg": "the word already means itself", "type": "value_error"})
    if lang is not None and lang not in LEXICON_LANGS:
        errors.append({"loc": ["body", "lang"], "msg": f"one of {', '.join(LEXICON_LANGS)}", "type": "value_error"})
    if errors:
        raise Invalid(f"{len(errors)} problem(s) in the lexicon row", errors)
    if session.exec(select(LexiconRow).where(LexiconRow.key == key)).first() is not None:
        raise Conflict(f"{key!r} is already in the editors' lexicon: remove it first to change it")
    row = LexiconRow(key=key, value=value, note=f"{LANG_NOTE}{lang}" if lang else None, created_by=author[:100])
    session.add(row)
    session.flush()
    bump_content_version(session)  # the snapshot rebuild that makes a publish live applies the row too
    audit(session, actor=author, action="lexicon.add", target=f"lexicon:{row.id}",
          detail={"word": key, "means": value, "lang": lang})
    return row


def remove_lexicon(session: Session, row_id: int, *, author: str) -> bool:
    """Remove an editor's lexicon row; False when there is no such row."""
    row = session.get(LexiconRow, row_id)
    if row is None:
        return False
    detail = {"word": row.key, "means": row.value, "lang": lexicon_lang(row)}
    session.delete(row)
    session.flush()
    bump_content_version(session)
    audit(session, actor=author, action="lexicon.remove", target=f"lexicon:{row_id}", detail=detail)
    return True
