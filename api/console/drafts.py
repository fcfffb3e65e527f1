"""Pending drafts: an edit of a published entry waits beside it, out of the bot's reach, until it is published.

An entry that is not published is edited in place (the bot does not use it anyway). A published one keeps
serving its live text while the edited copy is stored here with the version it was made from; publishing
applies it as the entry's next version through `knowledge.editing.update_entry`, whose version check
refuses it if the entry moved in between. Either way a save names the version (and the pending draft) it
was made from, and a stale save is refused with who changed the entry and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from api.models import EntryDraftRow
from knowledge import editing
from knowledge.models import EntryRow, utcnow
from knowledge.schema import EntryDoc

META = ("version", "updated_by", "updated_at", "status", "id")


@dataclass(frozen=True)
class Stale(Exception):
    """The entry (or its pending draft) changed since the form was loaded."""

    who: str
    when: dt.datetime | None
    version: int
    pending: bool  # True when it was another pending draft that moved, not the entry

    def __str__(self) -> str:
        return f"changed by {self.who} at version {self.version}"


def stamp(row: EntryDraftRow | None) -> str:
    """The value a form carries to name the pending draft it was made from ('' for none)."""
    return row.updated_at.isoformat() if row is not None else ""


def pending(session: Session, entry_id: str) -> EntryDraftRow | None:
    """The entry's pending draft, if any."""
    return session.get(EntryDraftRow, entry_id)


def pending_ids(session: Session) -> set[str]:
    """Entries that have a pending draft."""
    return set(session.exec(select(EntryDraftRow.entry_id)).all())


def pending_docs(session: Session) -> list[EntryDoc]:
    """Every pending draft as the entry it would become."""
    return [EntryDoc.model_validate(row.doc) for row in session.exec(select(EntryDraftRow)).all()]


def validate(data: dict[str, Any]) -> EntryDoc:
    """The entry as edited, or Invalid with every problem located by field."""
    try:
        return EntryDoc.model_validate(data)
    except ValidationError as error:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"].removeprefix("Value error, "), "type": e["type"]}
                  for e in error.errors()]
        raise editing.Invalid(f"{len(errors)} problem(s) in the entry", errors) from None


def _check_fresh(session: Session, row: EntryRow, draft: EntryDraftRow | None, *, version: int, draft_stamp: str) -> None:
    if row.version != version:
        raise Stale(row.updated_by or "?", row.updated_at, row.version, pending=False)
    if stamp(draft) != draft_stamp and draft is not None:
        raise Stale(draft.author, draft.updated_at, row.version, pending=True)


def save(session: Session, entry_id: str, data: dict[str, Any], *, version: int, draft_stamp: str, author: str
         ) -> tuple[EntryDoc, bool]:
    """Save an edit: in place for an unpublished entry, as a pending draft for a published one.

    Returns the entry as edited and whether it is pending. Raises Stale, NotFound or Invalid.
    """
    row = session.get(EntryRow, entry_id)
    if row is None:
        raise editing.NotFound(f"no entry {entry_id!r}")
    draft = pending(session, entry_id)
    _check_fresh(session, row, draft, version=version, draft_stamp=draft_stamp)
    if row.status != "published":
        changes = {k: v for k, v in data.items() if k not in META}
        doc = editing.update_entry(session, entry_id, changes, version=version, author=author, note="edited in the console")
        if draft is not None:
            session.delete(draft)
        return doc, False
    doc = validate({**data, "id": entry_id, "status": "published", "version": row.version})
    current = editing.get_entry(session, entry_id)
    if doc.model_dump(exclude=set(META)) == current.model_dump(exclude=set(META)):
        if draft is not None:  # edited back to what is live: nothing is pending any more
            session.delete(draft)
        return current, False
    if draft is None:
        draft = EntryDraftRow(entry_id=entry_id, base_version=row.version, doc={}, author=author)
    draft.base_version, draft.doc, draft.author, draft.updated_at = (
        row.version, doc.model_dump(mode="json"), author, utcnow())
    session.add(draft)
    editing.audit(session, actor=author, action="entry.draft", target=f"entry:{entry_id}",
                  detail={"base_version": row.version})
    session.flush()
    return doc, True


def publish(session: Session, entry_id: str, *, version: int, author: str) -> EntryDoc:
    """Make the entry live: its pending draft becomes the next version, or a draft entry is published."""
    draft = pending(session, entry_id)
    if draft is None:
        return editing.set_status(session, entry_id, "published", author=author, version=version)
    if draft.base_version != version:
        row = session.get(EntryRow, entry_id)
        raise Stale(draft.author, draft.updated_at, row.version if row else version, pending=True)
    changes = {k: v for k, v in draft.doc.items() if k not in META}
    doc = editing.update_entry(session, entry_id, changes, version=version, author=author,
                               note=f"published the pending draft of {draft.author}")
    session.delete(draft)
    session.flush()
    return doc


def discard(session: Session, entry_id: str, *, author: str) -> bool:
    """Throw a pending draft away; the live entry stays as it is."""
    draft = pending(session, entry_id)
    if draft is None:
        return False
    session.delete(draft)
    editing.audit(session, actor=author, action="entry.discard_draft", target=f"entry:{entry_id}")
    session.flush()
    return True
