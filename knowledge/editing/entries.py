"""Entries and their revisions: read, search, create, change with optimistic concurrency, publish, restore.

Every change stores a revision with its author, bumps the shared content version when published content
moves, and leaves an audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from knowledge.editing.audit import audit
from knowledge.editing.errors import Conflict, Invalid, NotFound
from knowledge.models import CountryRow, EntryRow, RevisionRow, utcnow
from knowledge.schema import SLUG_RE, EntryDoc
from knowledge.store import _apply, _content, add_revision, bump_content_version, entry_doc


def validated_doc(data: Mapping[str, Any]) -> EntryDoc:
    """The entry document `data` describes; Invalid (with errors by field) when it breaks the rules."""
    try:
        return EntryDoc.model_validate(dict(data))
    except ValidationError as error:
        errors = [
            {"loc": list(e["loc"]), "msg": e["msg"].removeprefix("Value error, "), "type": e["type"]}
            for e in error.errors()
        ]
        raise Invalid(f"{len(errors)} problem(s) in the entry", errors) from None


def _row(session: Session, entry_id: str) -> EntryRow:
    row = session.get(EntryRow, entry_id)
    if row is None:
        raise NotFound(f"no entry {entry_id!r}")
    return row


def _check_references(session: Session, doc: EntryDoc) -> None:
    """Refuse countries and related entries that do not exist (the loader's rule, against the database)."""
    errors: list[dict[str, Any]] = []
    for position, code in enumerate(doc.countries):
        if session.get(CountryRow, code) is None:
            errors.append({"loc": ["countries", position], "msg": f"unknown country {code!r}", "type": "reference"})
    for position, other in enumerate(doc.related):
        # A string that is no slug cannot name an entry; checking first also keeps NUL bytes out of the query.
        if other != doc.id and (not SLUG_RE.match(other) or session.get(EntryRow, other) is None):
            errors.append({"loc": ["related", position], "msg": f"related entry {other!r} does not exist",
                           "type": "reference"})
    if errors:
        raise Invalid(f"{len(errors)} dangling reference(s)", errors)


def _stale(entry_id: str, current: int, given: int) -> Conflict:
    return Conflict(
        f"entry {entry_id!r} is at version {current}, but this change was made to version {given}; nothing was "
        f"changed: reload the entry, reapply your change and send version {current}",
        current_version=current,
    )


def write_entry(
    session: Session, row: EntryRow, doc: EntryDoc, *, expected: int, author: str, action: str, note: str,
    detail: Mapping[str, Any] | None = None,
) -> EntryDoc:
    """Store `doc` as the next version of `row`, but only if the row is still at version `expected`."""
    was_live = row.status == "published"
    # Compare-and-set in one statement: of two writers holding the same version, exactly one wins,
    # on SQLite and on PostgreSQL alike (the loser's WHERE no longer matches after the winner commits).
    result = session.exec(
        update(EntryRow)
        .where(col(EntryRow.id) == row.id, col(EntryRow.version) == expected)
        .values(version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        session.expire(row)
        raise _stale(row.id, row.version, expected)
    session.refresh(row)
    _apply(row, doc)
    row.updated_by, row.updated_at = author, utcnow()
    session.add(row)
    session.flush()
    add_revision(session, row, author=author, note=note)
    if was_live or row.status == "published":
        bump_content_version(session)
    audit(session, actor=author, action=action, target=f"entry:{row.id}",
          detail={"version": row.version, "status": row.status, **(detail or {})})
    session.flush()
    return entry_doc(row)


def get_entry(session: Session, entry_id: str) -> EntryDoc:
    """One entry in any status."""
    return entry_doc(_row(session, entry_id))


def search_entries(
    session: Session,
    *,
    q: str | None = None,
    topic: str | None = None,
    country: str | None = None,
    status: str | None = None,
    lang: str | None = None,
    review_due_before: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[EntryDoc], int]:
    """Entries matching every given filter, ordered by id, one page of them with the total count.

    `q` is a case-insensitive substring of the id, a question, a phrasing or an answer (in `lang` when
    given); `country` keeps entries that name that country; `lang` keeps entries with a text in it;
    `review_due_before` keeps entries whose review falls on or before that date.
    """
    query = select(EntryRow).order_by(EntryRow.id)
    if review_due_before is not None:
        query = query.where(col(EntryRow.review_due) <= review_due_before)
    if topic is not None:
        query = query.where(EntryRow.topic == topic)
    if status is not None:
        query = query.where(EntryRow.status == status)
    # JSON containment differs between SQLite and PostgreSQL; the knowledge base is small (thousands),
    # so the text and list filters run here, on rows the indexed filters already narrowed.
    needle = q.casefold().strip() if q else ""
    matched: list[EntryRow] = []
    for row in session.exec(query):
        if country is not None and country not in (row.countries or []):
            continue
        texts: dict[str, Any] = row.texts or {}
        if lang is not None and lang not in texts:
            continue
        if needle:
            chosen = [texts[lang]] if lang is not None else list(texts.values())
            haystack = [row.id] + [
                part for t in chosen for part in (t.get("question", ""), t.get("answer", ""), *t.get("phrasings", []))
            ]
            if not any(needle in str(part).casefold() for part in haystack):
                continue
        matched.append(row)
    return [entry_doc(r) for r in matched[offset : offset + limit]], len(matched)


def create_entry(session: Session, doc: EntryDoc, *, author: str) -> EntryDoc:
    """Create a new entry at version 1 (a draft unless `doc.status` says otherwise)."""
    existing = session.get(EntryRow, doc.id)
    if existing is not None:
        raise Conflict(f"entry {doc.id!r} exists already (version {existing.version}); edit it with PATCH",
                       current_version=existing.version)
    _check_references(session, doc)
    row = EntryRow(id=doc.id, topic=doc.topic, reviewed_at=doc.reviewed_at, review_due=doc.review_due,
                   version=1, updated_by=author, updated_at=utcnow())
    _apply(row, doc)
    session.add(row)
    session.flush()
    add_revision(session, row, author=author, note="created")
    if row.status == "published":
        bump_content_version(session)
    audit(session, actor=author, action="entry.create", target=f"entry:{row.id}",
          detail={"version": 1, "status": row.status})
    session.flush()
    return entry_doc(row)


def merge_changes(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a partial update: top-level fields replace; `texts` merges per language (null removes one)."""
    merged = dict(current)
    for key, value in changes.items():
        if key == "texts" and isinstance(value, Mapping):
            texts = dict(merged.get("texts") or {})
            for lang, text in value.items():
                if text is None:
                    texts.pop(lang, None)
                else:
                    texts[lang] = text
            merged["texts"] = texts
        else:
            merged[key] = value
    return merged


def update_entry(
    session: Session, entry_id: str, changes: Mapping[str, Any], *, version: int, author: str, note: str | None = None
) -> EntryDoc:
    """Apply `changes` to the entry if it is still at `version`; a stale version raises Conflict, changing nothing."""
    row = _row(session, entry_id)
    if row.version != version:
        raise _stale(entry_id, row.version, version)
    current = entry_doc(row)
    doc = validated_doc(merge_changes(current.model_dump(mode="json"), changes))
    _check_references(session, doc)
    if _content(doc) == _content(current):
        return current
    return write_entry(session, row, doc, expected=version, author=author, action="entry.update",
                  note=note or "edited", detail={"fields": sorted(changes)})


def set_status(session: Session, entry_id: str, status: str, *, author: str, version: int | None = None) -> EntryDoc:
    """Publish, unpublish (back to draft) or archive; publishing checks the publication rules."""
    row = _row(session, entry_id)
    expected = row.version if version is None else version
    if row.version != expected:
        raise _stale(entry_id, row.version, expected)
    current = entry_doc(row)
    if current.status == status:
        return current
    doc = validated_doc({**current.model_dump(mode="json"), "status": status})
    action = {"published": "entry.publish", "draft": "entry.unpublish", "archived": "entry.archive"}[status]
    return write_entry(session, row, doc, expected=expected, author=author, action=action, note=action.split(".")[1],
                  detail={"from": current.status})


def list_revisions(session: Session, entry_id: str) -> list[RevisionRow]:
    """Every revision of an entry, newest first."""
    _row(session, entry_id)
    query = select(RevisionRow).where(RevisionRow.entry_id == entry_id).order_by(col(RevisionRow.number).desc())
    return list(session.exec(query).all())


def restore_revision(session: Session, entry_id: str, number: int, *, author: str) -> EntryDoc:
    """Bring back the content of revision `number` as a new revision; the entry keeps its current status."""
    row = _row(session, entry_id)
    revision = session.exec(
        select(RevisionRow).where(RevisionRow.entry_id == entry_id, RevisionRow.number == number)
    ).first()
    if revision is None:
        raise NotFound(f"entry {entry_id!r} has no revision {number}")
    current = entry_doc(row)
    # The status stays as it is: restoring words must not silently publish or withdraw an entry.
    data = {**revision.snapshot, "id": entry_id, "status": current.status, "version": current.version}
    try:
        doc = validated_doc(data)
    except Invalid as error:
        raise Invalid(f"revision {number} cannot be restored while the entry is {current.status}", error.errors) from None
    _check_references(session, doc)
    if _content(doc) == _content(current):
        return current
    return write_entry(session, row, doc, expected=current.version, author=author, action="entry.restore",
                  note=f"restored revision {number}", detail={"revision": number})
