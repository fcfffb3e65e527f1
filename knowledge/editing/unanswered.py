"""The queue of questions the bot could not answer: list it, resolve an item into an entry (optionally
adding the question as a phrasing) or dismiss it."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from knowledge.editing.audit import audit
from knowledge.editing.entries import validated_doc, write_entry
from knowledge.editing.errors import Invalid, NotFound
from knowledge.models import EntryRow, UnansweredRow
from knowledge.pii import mask, strip_placeholders
from knowledge.schema import MAX_PHRASINGS, EntryDoc
from knowledge.store import entry_doc


def list_unanswered(
    session: Session, *, status: str | None = "open", lang: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[UnansweredRow], int]:
    """The queue of unanswered questions, most asked first, with the total count."""
    query = select(UnansweredRow)
    counter = select(func.count()).select_from(UnansweredRow)
    for column, value in ((UnansweredRow.status, status), (UnansweredRow.lang, lang)):
        if value is not None:
            query, counter = query.where(column == value), counter.where(column == value)
    query = query.order_by(col(UnansweredRow.count).desc(), col(UnansweredRow.last_seen).desc(), col(UnansweredRow.id))
    return list(session.exec(query.offset(offset).limit(limit)).all()), int(session.exec(counter).one())


def resolve_unanswered(
    session: Session,
    item_id: int,
    *,
    author: str,
    entry_id: str | None = None,
    add_as_phrasing: bool = False,
    phrasing: str | None = None,
    dismiss: bool = False,
) -> tuple[UnansweredRow, EntryDoc | None]:
    """Resolve a queue item into an entry (optionally adding a phrasing: the editor's `phrasing`, else its
    first sample without the placeholders of masked personal data) or dismiss it."""
    item = session.get(UnansweredRow, item_id)
    if item is None:
        raise NotFound(f"no unanswered question {item_id}")
    if dismiss:
        item.status, item.resolved_entry_id = "dismissed", None
        session.add(item)
        audit(session, actor=author, action="unanswered.dismiss", target=f"unanswered:{item_id}")
        session.flush()
        return item, None
    if entry_id is None:
        raise Invalid("say which entry answers it, or dismiss it",
                      [{"loc": ["entry_id"], "msg": "give entry_id, or dismiss: true", "type": "missing"}])
    row = session.get(EntryRow, entry_id)
    if row is None:
        raise Invalid(f"no entry {entry_id!r}",
                      [{"loc": ["entry_id"], "msg": f"entry {entry_id!r} does not exist", "type": "reference"}])
    doc = entry_doc(row)
    # Samples are masked when stored; masking again covers rows kept from before that, and the editor's words.
    phrase = strip_placeholders(mask(phrasing or (item.samples[0] if item.samples else "")))
    if add_as_phrasing and phrase:
        doc = _with_phrasing(session, row, doc, item, phrase, author=author)
    item.status, item.resolved_entry_id = "resolved", entry_id
    session.add(item)
    audit(session, actor=author, action="unanswered.resolve", target=f"unanswered:{item_id}",
          detail={"entry_id": entry_id, "add_as_phrasing": add_as_phrasing})
    session.flush()
    return item, doc


def _with_phrasing(session: Session, row: EntryRow, doc: EntryDoc, item: UnansweredRow, phrase: str, *,
                   author: str) -> EntryDoc:
    lang = item.lang if item.lang in doc.texts else "id"
    text = doc.texts[lang]
    if phrase.casefold() in {p.casefold() for p in text.phrasings}:
        return doc
    if len(text.phrasings) >= MAX_PHRASINGS:
        raise Invalid(
            f"entry {doc.id!r} has {MAX_PHRASINGS} phrasings in {lang!r} already; remove one, then resolve again",
            [{"loc": ["texts", lang, "phrasings"], "msg": f"at most {MAX_PHRASINGS} phrasings", "type": "too_long"}],
        )
    data = doc.model_dump(mode="json")
    data["texts"][lang]["phrasings"] = [*text.phrasings, phrase]
    new = validated_doc(data)
    return write_entry(session, row, new, expected=row.version, author=author, action="entry.add_phrasing",
                  note=f"phrasing from unanswered question {item.id}", detail={"unanswered": item.id, "lang": lang})
