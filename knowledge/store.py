"""Reading and writing the knowledge in the database; callers own the session and the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from knowledge.loader import KnowledgeBase, load_seed
from knowledge.models import CountryRow, EntryRow, FeedbackRow, MetaRow, RevisionRow, UnansweredRow, utcnow
from knowledge.normalize import raw_tokens
from knowledge.pii import mask
from knowledge.schema import CountryDoc, EntryDoc

CONTENT_VERSION = "content_version"
MAX_SAMPLES = 5
_CONTENT_FIELDS = ("topic", "aspect", "countries", "status", "texts", "sources", "related", "reviewed_at", "review_due")


class StoreError(Exception):
    """A store operation cannot be carried out as asked."""


@dataclass(frozen=True)
class ImportReport:
    """What an import changed."""

    created: int
    updated: int
    unchanged: int
    countries: int


def content_version(session: Session) -> int:
    """The shared content version; every publish or import bumps it."""
    row = session.get(MetaRow, CONTENT_VERSION)
    return row.value if row else 0


def bump_content_version(session: Session) -> None:
    """Increase the content version inside the caller's transaction (atomic across workers)."""
    result = session.exec(
        update(MetaRow).where(col(MetaRow.key) == CONTENT_VERSION).values(value=col(MetaRow.value) + 1)
    )
    if not result.rowcount:
        session.add(MetaRow(key=CONTENT_VERSION, value=1))
    session.flush()


def entry_doc(row: EntryRow) -> EntryDoc:
    """Turn a row into the validated entry document."""
    return EntryDoc.model_validate(
        {
            "id": row.id, "topic": row.topic, "aspect": row.aspect, "countries": row.countries, "status": row.status,
            "version": row.version, "texts": row.texts, "sources": row.sources, "related": row.related,
            "reviewed_at": row.reviewed_at, "review_due": row.review_due, "updated_by": row.updated_by,
            "updated_at": row.updated_at,
        }
    )


def _content(doc: EntryDoc) -> dict[str, Any]:
    data = doc.model_dump(mode="json")
    return {k: data[k] for k in _CONTENT_FIELDS}


def _apply(row: EntryRow, doc: EntryDoc) -> None:
    data = doc.model_dump(mode="python")
    json_data = doc.model_dump(mode="json")
    for key in _CONTENT_FIELDS:
        setattr(row, key, json_data[key] if key in ("texts", "sources") else data[key])


def add_revision(session: Session, row: EntryRow, *, author: str | None, note: str | None) -> None:
    """Store the row's current state as its revision number `row.version`."""
    snapshot = entry_doc(row).model_dump(mode="json")
    session.add(RevisionRow(entry_id=row.id, number=row.version, snapshot=snapshot, author=author, note=note))


def list_entries(session: Session, statuses: Iterable[str] | None = None) -> list[EntryDoc]:
    """All entries (optionally only those with the given statuses), ordered by id."""
    query = select(EntryRow).order_by(EntryRow.id)
    if statuses is not None:
        query = query.where(col(EntryRow.status).in_(list(statuses)))
    return [entry_doc(row) for row in session.exec(query)]


def list_countries(session: Session) -> list[CountryDoc]:
    """All countries, ordered by code."""
    rows = session.exec(select(CountryRow).order_by(CountryRow.code))
    return [
        CountryDoc(code=r.code, names=r.names, aliases=r.aliases, card=r.card, sections=r.sections,
                   emergency=r.emergency)
        for r in rows
    ]


def entry_count(session: Session) -> int:
    """How many entries exist in any status."""
    return int(session.exec(select(func.count()).select_from(EntryRow)).one())


def import_knowledge_base(session: Session, kb: KnowledgeBase, *, author: str, note: str = "import") -> ImportReport:
    """Write a validated knowledge base: create or update entries (with revisions) and replace countries.

    Refuses a knowledge base with problems, so nothing half-loaded is ever published; the caller
    commits or rolls back the whole import as one transaction.
    """
    if not kb.ok:
        raise StoreError(f"{len(kb.problems)} problem(s) in the content; nothing was imported")
    created = updated = unchanged = 0
    for doc in kb.entries:
        row = session.get(EntryRow, doc.id)
        if row is None:
            row = EntryRow(id=doc.id, topic=doc.topic, reviewed_at=doc.reviewed_at, review_due=doc.review_due,
                           version=1, updated_by=author, updated_at=utcnow())
            _apply(row, doc)
            session.add(row)
            session.flush()
            add_revision(session, row, author=author, note=note)
            created += 1
        elif _content(entry_doc(row)) != _content(doc):
            _apply(row, doc)
            row.version += 1
            row.updated_by, row.updated_at = author, utcnow()
            session.add(row)
            session.flush()
            add_revision(session, row, author=author, note=note)
            updated += 1
        else:
            unchanged += 1
    for country in kb.countries:
        crow = session.get(CountryRow, country.code) or CountryRow(code=country.code)
        crow.names, crow.aliases = dict(country.names), list(country.aliases)
        crow.card, crow.sections = country.card, list(country.sections)
        crow.emergency = country.emergency.model_dump(mode="json") if country.emergency else None
        session.add(crow)
    if created or updated or kb.countries:
        bump_content_version(session)
    session.flush()
    return ImportReport(created, updated, unchanged, len(kb.countries))


def seed_if_empty(session: Session) -> ImportReport | None:
    """Load the bundled content when the database holds no entry yet (first start)."""
    if entry_count(session):
        return None
    kb = load_seed()
    if not kb.ok:
        raise StoreError("the bundled content has problems: " + "; ".join(str(p) for p in kb.problems[:5]))
    return import_knowledge_base(session, kb, author="seed", note="bundled content")


def record_unanswered(
    session: Session, *, normalized: str, raw: str, lang: str, candidates: Sequence[tuple[str, float]]
) -> None:
    """Count a question the bot could not answer under its normalised text, keeping a few samples.

    Both are masked (`knowledge.pii`) before they reach the database: what editors see, and any phrasing
    made from it, never holds a user's phone number, e-mail, NIK, passport or account number, or name.
    """
    masked = mask(raw)
    if masked != raw:  # the matcher's normalised text has lost the shapes masking looks for: rebuild it
        normalized = " ".join(raw_tokens(masked))
    raw = masked
    key = mask(normalized).strip()[:500] or raw.strip().casefold()[:500]
    if not key:
        return
    row = session.exec(
        select(UnansweredRow).where(UnansweredRow.normalized == key, UnansweredRow.lang == lang)
    ).first()
    sample = raw.strip()[:300]
    best = [{"entry_id": e, "score": s} for e, s in candidates[:3]]
    if row is None:
        session.add(UnansweredRow(normalized=key, lang=lang, samples=[sample], candidates=best))
        return
    row.count += 1
    row.last_seen = utcnow()
    row.candidates = best
    if sample not in row.samples and len(row.samples) < MAX_SAMPLES:
        row.samples = [*row.samples, sample]
    if row.status == "dismissed":
        row.status = "open"
    session.add(row)


def record_feedback(session: Session, *, entry_id: str, helpful: bool, lang: str, channel: str) -> None:
    """Store one 👍/👎 for an entry, without any user id."""
    session.add(FeedbackRow(entry_id=entry_id, helpful=helpful, lang=lang, channel=channel))
