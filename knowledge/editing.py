"""Editing the knowledge: entries with optimistic concurrency, revisions, the unanswered queue, stats and audit.

Callers own the session and the transaction, as in `knowledge.store`: nothing here commits. Every change
to an entry stores a revision with its author, bumps the shared content version when published content
moves, and leaves an audit row.

Errors, raised here and caught only at the edge (the admin API turns them into HTTP statuses):

    StoreError                  (knowledge.store)
    └── EditError
        ├── NotFound            the entry, revision or queue item does not exist       → 404
        ├── Conflict            a stale version, or an id that is taken                 → 409
        └── Invalid             the result would break the entry rules (errors by field) → 422
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, func, update
from sqlmodel import Session, col, select

from knowledge.loader import KnowledgeBase, Problem, check_consistency
from knowledge.models import (
    AuditRow,
    CountryRow,
    EntryRow,
    FeedbackRow,
    LexiconRow,
    RevisionRow,
    TurnStatRow,
    UnansweredRow,
    utcnow,
)
from knowledge.schema import LANGUAGES, MAX_PHRASINGS, SLUG_RE, EntryDoc
from knowledge.store import (
    StoreError,
    _apply,
    _content,
    add_revision,
    bump_content_version,
    content_version,
    entry_doc,
    list_countries,
    list_entries,
)

# Column widths of turn_stats: a longer value is cut rather than refused (it is only a counter key).
_CHANNEL_CHARS, _LANG_CHARS, _DECISION_CHARS = 20, 5, 12


class EditError(StoreError):
    """An edit cannot be carried out as asked; nothing was changed."""


class NotFound(EditError):
    """The entry, revision or queue item does not exist."""


class Conflict(EditError):
    """The change was made to a version that is no longer current, or the id is taken."""

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class Invalid(EditError):
    """The change would leave an entry that breaks the rules; `errors` locate each problem by field."""

    def __init__(self, message: str, errors: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(message)
        self.errors = [dict(e) for e in errors]


# ---------------------------------------------------------------------------------------------- audit


def audit(session: Session, *, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None) -> None:
    """Record who did what to which target (in the caller's transaction)."""
    session.add(AuditRow(actor=actor[:100], action=action[:40], target=target[:200], detail=dict(detail or {})))


def list_audit(session: Session, *, target: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[AuditRow], int]:
    """The audit trail, newest first, optionally for one target; with the total count."""
    query = select(AuditRow)
    counter = select(func.count()).select_from(AuditRow)
    if target is not None:
        query = query.where(AuditRow.target == target)
        counter = counter.where(AuditRow.target == target)
    rows = session.exec(query.order_by(col(AuditRow.id).desc()).offset(offset).limit(limit)).all()
    return list(rows), int(session.exec(counter).one())


# -------------------------------------------------------------------------------------------- entries


def _validated(data: Mapping[str, Any]) -> EntryDoc:
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


def _write(
    session: Session, row: EntryRow, doc: EntryDoc, *, expected: int, author: str, action: str, note: str,
    detail: Mapping[str, Any] | None = None,
) -> EntryDoc:
    """Store `doc` as the next version of `row`, but only if the row is still at version `expected`."""
    was_live = row.status == "published"
    # Compare-and-set in one statement: of two writers holding the same version, exactly one wins,
    # on SQLite and on PostgreSQL alike (the loser's WHERE no longer matches after the winner commits).
    result = session.exec(  # type: ignore[call-overload]
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
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[EntryDoc], int]:
    """Entries matching every given filter, ordered by id, one page of them with the total count.

    `q` is a case-insensitive substring of the id, a question, a phrasing or an answer (in `lang` when
    given); `country` keeps entries that name that country; `lang` keeps entries with a text in it.
    """
    query = select(EntryRow).order_by(EntryRow.id)
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
    doc = _validated(merge_changes(current.model_dump(mode="json"), changes))
    _check_references(session, doc)
    if _content(doc) == _content(current):
        return current
    return _write(session, row, doc, expected=version, author=author, action="entry.update",
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
    doc = _validated({**current.model_dump(mode="json"), "status": status})
    action = {"published": "entry.publish", "draft": "entry.unpublish", "archived": "entry.archive"}[status]
    return _write(session, row, doc, expected=expected, author=author, action=action, note=action.split(".")[1],
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
        doc = _validated(data)
    except Invalid as error:
        raise Invalid(f"revision {number} cannot be restored while the entry is {current.status}", error.errors) from None
    _check_references(session, doc)
    if _content(doc) == _content(current):
        return current
    return _write(session, row, doc, expected=current.version, author=author, action="entry.restore",
                  note=f"restored revision {number}", detail={"revision": number})


# ----------------------------------------------------------------------------------------- unanswered


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
    dismiss: bool = False,
) -> tuple[UnansweredRow, EntryDoc | None]:
    """Resolve a queue item into an entry (optionally adding its first sample as a phrasing) or dismiss it."""
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
    if add_as_phrasing and item.samples:
        doc = _with_phrasing(session, row, doc, item, author=author)
    item.status, item.resolved_entry_id = "resolved", entry_id
    session.add(item)
    audit(session, actor=author, action="unanswered.resolve", target=f"unanswered:{item_id}",
          detail={"entry_id": entry_id, "add_as_phrasing": add_as_phrasing})
    session.flush()
    return item, doc


def _with_phrasing(session: Session, row: EntryRow, doc: EntryDoc, item: UnansweredRow, *, author: str) -> EntryDoc:
    phrase = item.samples[0].strip()
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
    new = _validated(data)
    return _write(session, row, new, expected=row.version, author=author, action="entry.add_phrasing",
                  note=f"phrasing from unanswered question {item.id}", detail={"unanswered": item.id, "lang": lang})


# ------------------------------------------------------------------------------------ feedback, stats


@dataclass(frozen=True)
class FeedbackSummary:
    """The 👍/👎 count of one entry."""

    entry_id: str
    helpful: int
    unhelpful: int

    @property
    def total(self) -> int:
        """All votes."""
        return self.helpful + self.unhelpful

    @property
    def helpful_ratio(self) -> float:
        """Share of 👍 among all votes (0 when there are none)."""
        return self.helpful / self.total if self.total else 0.0


def feedback_by_entry(session: Session, *, entry_id: str | None = None) -> list[FeedbackSummary]:
    """The vote counts of every entry that has votes (or of one entry), most voted first."""
    helpful = func.sum(case((col(FeedbackRow.helpful), 1), else_=0))
    query = select(FeedbackRow.entry_id, func.count(), helpful).group_by(FeedbackRow.entry_id)
    if entry_id is not None:
        query = query.where(FeedbackRow.entry_id == entry_id)
    rows = [FeedbackSummary(e, int(h or 0), int(n) - int(h or 0)) for e, n, h in session.exec(query)]
    return sorted(rows, key=lambda s: (-s.total, s.entry_id))


def least_helpful(summaries: Iterable[FeedbackSummary], *, limit: int = 10) -> list[FeedbackSummary]:
    """Entries with at least one 👎, the worst share of 👍 first (more 👎 breaks a tie)."""
    bad = [s for s in summaries if s.unhelpful]
    return sorted(bad, key=lambda s: (s.helpful_ratio, -s.unhelpful, s.entry_id))[:limit]


def record_turn(session: Session, *, channel: str, lang: str, decision: str, day: dt.date | None = None,
                count: int = 1) -> None:
    """Count one conversation turn (or `count` of them) under (day, channel, language, decision); never a user id.

    Two workers may insert the same new key at once: the loser's commit raises IntegrityError and the
    caller retries, which then finds the row and increments it.
    """
    key = {
        "day": day or utcnow().date(),
        "channel": channel[:_CHANNEL_CHARS],
        "lang": (lang or "")[:_LANG_CHARS],
        "decision": decision[:_DECISION_CHARS],
    }
    result = session.exec(  # type: ignore[call-overload]
        update(TurnStatRow)
        .where(*(getattr(TurnStatRow, name) == value for name, value in key.items()))
        .values(count=TurnStatRow.count + count)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        session.add(TurnStatRow(**key, count=count))


@dataclass
class TurnCounts:
    """Turns counted by decision, channel and language, and decisions per channel and per language."""

    total: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    by_channel: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_language: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def turn_counts(session: Session, *, since: dt.date | None = None) -> TurnCounts:
    """Add up the turn counters, from `since` (inclusive) when given."""
    query = select(TurnStatRow.channel, TurnStatRow.lang, TurnStatRow.decision, func.sum(TurnStatRow.count)).group_by(
        TurnStatRow.channel, TurnStatRow.lang, TurnStatRow.decision
    )
    if since is not None:
        query = query.where(col(TurnStatRow.day) >= since)
    counts = TurnCounts()
    for channel, lang, decision, n in session.exec(query):
        n = int(n or 0)
        counts.total += n
        counts.decisions[decision] += n
        counts.channels[channel] += n
        counts.languages[lang] += n
        counts.by_channel[channel][decision] += n
        counts.by_language[lang][decision] += n
    return counts


def entries_fingerprint(session: Session) -> tuple[int, int, int]:
    """A cheap value that changes whenever any entry (draft included) changes: version, count, sum of versions."""
    count, total = session.exec(select(func.count(), func.coalesce(func.sum(EntryRow.version), 0))).one()
    return content_version(session), int(count), int(total)


def list_lexicon(session: Session) -> list[LexiconRow]:
    """Editors' lexicon additions, by key."""
    return list(session.exec(select(LexiconRow).order_by(LexiconRow.key)).all())


def add_lexicon(session: Session, *, word: str, means: str, lang: str, author: str) -> LexiconRow:
    """Add an editors' synonym: `word` (as people type it) is read as `means`; live once the content version moves."""
    key, value = " ".join(word.lower().split()), " ".join(means.lower().split())
    errors = [{"loc": [name], "msg": f"{name} needs 1 to {limit} characters", "type": "length"}
              for name, text, limit in (("word", key, 100), ("means", value, 200)) if not 0 < len(text) <= limit]
    if lang not in LANGUAGES:
        errors.append({"loc": ["lang"], "msg": f"use one of {', '.join(LANGUAGES)}", "type": "enum"})
    if errors:
        raise Invalid(f"{len(errors)} problem(s) in the synonym", errors)
    if session.exec(select(LexiconRow).where(LexiconRow.key == key)).first() is not None:
        raise Conflict(f"{key!r} is in the lexicon already; remove it first to change it")
    row = LexiconRow(key=key, value=value, note=f"lang:{lang}", created_by=author[:100])
    session.add(row)
    session.flush()
    bump_content_version(session)
    audit(session, actor=author, action="lexicon.add", target=f"lexicon:{row.id}",
          detail={"word": key, "means": value, "lang": lang})
    return row


def remove_lexicon(session: Session, row_id: int, *, author: str) -> bool:
    """Remove an editors' synonym; False when there was no such row."""
    row = session.get(LexiconRow, row_id)
    if row is None:
        return False
    session.delete(row)
    bump_content_version(session)
    audit(session, actor=author, action="lexicon.remove", target=f"lexicon:{row_id}",
          detail={"word": row.key, "means": row.value})
    session.flush()
    return True


def status_counts(session: Session) -> dict[str, int]:
    """How many entries are in each status."""
    rows = session.exec(select(EntryRow.status, func.count()).group_by(EntryRow.status))
    return {status: int(n) for status, n in rows}


# ------------------------------------------------------------------------------------------- import


@dataclass
class ImportPlan:
    """What importing a knowledge base would do, and every problem that stops it."""

    problems: list[Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the import can go ahead."""
        return not self.problems


def plan_import(session: Session, kb: KnowledgeBase, *, where: str = "import") -> ImportPlan:
    """Check an incoming knowledge base against itself and the database, and list what would change.

    References may point at entries and countries already in the database, so a partial import works;
    only problems of the incoming documents are reported.
    """
    plan = ImportPlan(problems=list(kb.problems))
    incoming_ids = {e.id for e in kb.entries}
    incoming_codes = {c.code for c in kb.countries}
    entries = [*kb.entries, *(e for e in list_entries(session) if e.id not in incoming_ids)]
    countries = [*kb.countries, *(c for c in list_countries(session) if c.code not in incoming_codes)]
    for problem in check_consistency(entries, countries, files=kb.files, where=where):
        known = incoming_codes if problem.kind == "country" else incoming_ids
        if problem.entry in known:
            plan.problems.append(problem)
    for doc in kb.entries:
        row = session.get(EntryRow, doc.id)
        if row is None:
            plan.created.append(doc.id)
        elif _content(entry_doc(row)) != _content(doc):
            plan.updated.append(doc.id)
        else:
            plan.unchanged.append(doc.id)
    plan.countries = sorted(incoming_codes)
    return plan


__all__ = [
    "Conflict",
    "EditError",
    "FeedbackSummary",
    "ImportPlan",
    "Invalid",
    "NotFound",
    "TurnCounts",
    "add_lexicon",
    "audit",
    "create_entry",
    "entries_fingerprint",
    "feedback_by_entry",
    "get_entry",
    "least_helpful",
    "list_audit",
    "list_lexicon",
    "list_revisions",
    "list_unanswered",
    "merge_changes",
    "plan_import",
    "record_turn",
    "remove_lexicon",
    "resolve_unanswered",
    "restore_revision",
    "search_entries",
    "set_status",
    "status_counts",
    "turn_counts",
    "update_entry",
]
