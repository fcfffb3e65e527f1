"""A ticket's life: open (with the recent conversation), the user's lines, claim, staff replies, close, rating.

At most one ticket is open per (channel, user): the database enforces it with a partial unique index, and
every state change is a conditional UPDATE, so several workers acting at once agree on who won.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.handoff.model import (
    HISTORY_ITEMS,
    MAX_HISTORY_CHARS,
    MAX_NOTE_CHARS,
    OPEN,
    HandoffError,
    KeyReused,
    NotTicketOwner,
    TicketConflict,
    TicketInfo,
    TicketNotFound,
    clip,
    new_line,
)
from bot.handoff.queue import info_of
from bot.handoff.texts import closing_text
from bot.models import HandoffMessageRow, HandoffRow
from knowledge.editing import audit
from knowledge.models import utcnow


def _owner_of(row: HandoffRow, staff: str, *, admin: bool) -> None:
    """Refuse a staff action on a ticket another officer has claimed (admins may act on any)."""
    if not admin and row.status == "active" and row.claimed_by and row.claimed_by != staff[:100]:
        raise NotTicketOwner(f"handoff {row.id} is claimed by {row.claimed_by}; only they or an admin may "
                             "reply to it or close it")


def _open_row(session: Session, channel: str, user_id: str) -> HandoffRow | None:
    query = select(HandoffRow).where(HandoffRow.channel == channel, HandoffRow.user_id == user_id,
                                     col(HandoffRow.status).in_(OPEN))
    return session.exec(query).first()


def _escalate(session: Session, row: HandoffRow, now: dt.datetime) -> bool:
    assert row.id is not None
    changed = session.exec(
        update(HandoffRow).where(col(HandoffRow.id) == row.id, col(HandoffRow.priority) != "high")
        .values(priority="high", last_activity=now)
    ).rowcount
    if changed:
        session.add(new_line(row.id, "system", "", kind="priority", now=now))
        row.priority = "high"
    return bool(changed)


def open_ticket(engine: Engine, channel: str, user_id: str, *, reason: str = "person", priority: str = "normal",
                lang: str | None = None, history: Sequence[Sequence[str]] = (), source_ref: str | None = None,
                text: str = "", now: dt.datetime | None = None) -> TicketInfo:
    """Open a ticket with the recent transcript, or return the user's open one (raised to high if asked).

    `text` is the message that asked (added as a user line unless it is only a button press).
    """
    now = now or utcnow()
    with Session(engine) as session:
        row = HandoffRow(channel=channel, user_id=user_id, status="waiting", priority=priority, reason=reason,
                         lang=lang, created_at=now, last_activity=now)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            existing = _open_row(session, channel, user_id)
            if existing is None:  # closed in between: try once more
                return open_ticket(engine, channel, user_id, reason=reason, priority=priority, lang=lang,
                                   history=history, source_ref=source_ref, text=text, now=now)
            if priority == "high":
                _escalate(session, existing, now)
            if text:
                _add_user_line(session, existing, text, source_ref, now)
            session.commit()
            session.refresh(existing)
            return info_of(session, existing)
        assert row.id is not None
        for item in list(history)[-HISTORY_ITEMS:]:
            if len(item) >= 2 and item[0] in ("user", "bot") and item[1]:
                session.add(new_line(row.id, item[0], clip(str(item[1]), MAX_HISTORY_CHARS), kind="history",
                                  delivered=True, now=now))
        if text:  # the message that asked goes with the announcement, like the history before it
            session.add(new_line(row.id, "user", text, kind="history", source_ref=source_ref, delivered=True, now=now))
        session.add(new_line(row.id, "system", reason, kind="opened", now=now))
        session.commit()
        session.refresh(row)
        return info_of(session, row, created=True)


def _add_user_line(session: Session, row: HandoffRow, text: str, source_ref: str | None, now: dt.datetime) -> None:
    assert row.id is not None
    if source_ref and session.exec(select(HandoffMessageRow.id).where(HandoffMessageRow.source_ref == source_ref)
                                   ).first() is not None:
        return  # a redelivery of a message already in the transcript
    session.add(new_line(row.id, "user", text, source_ref=source_ref, now=now))


def append_user_message(engine: Engine, handoff_id: int, text: str, *, source_ref: str | None = None,
                        escalate: bool = False, now: dt.datetime | None = None) -> TicketInfo | None:
    """Add a user line to an open ticket; None (nothing added) when the ticket is closed.

    The conditional UPDATE of `last_activity` comes first: on PostgreSQL it locks the ticket row, so a
    close running at the same time either sees this line or this call sees the ticket closed.
    """
    now = now or utcnow()
    with Session(engine) as session:
        touched = session.exec(
            update(HandoffRow).where(col(HandoffRow.id) == handoff_id, col(HandoffRow.status).in_(OPEN))
            .values(last_activity=now)
        ).rowcount
        if not touched:
            session.rollback()
            return None
        row = session.get(HandoffRow, handoff_id)
        assert row is not None
        if escalate:
            _escalate(session, row, now)
        _add_user_line(session, row, text, source_ref, now)
        try:
            session.commit()
        except IntegrityError:  # the same delivery appended by another worker a moment ago
            session.rollback()
        session.refresh(row)
        return info_of(session, row)


def claim_ticket(engine: Engine, handoff_id: int, staff: str, *, now: dt.datetime | None = None) -> HandoffRow:
    """Take a waiting ticket; claiming one's own active ticket again is fine, anyone else's is a conflict."""
    now = now or utcnow()
    with Session(engine) as session:
        claimed = session.exec(
            update(HandoffRow).where(col(HandoffRow.id) == handoff_id, col(HandoffRow.status) == "waiting")
            .values(status="active", claimed_by=staff[:100], claimed_at=now, last_activity=now)
        ).rowcount
        row = session.get(HandoffRow, handoff_id)
        if row is None:
            raise TicketNotFound(f"no handoff {handoff_id}")
        if not claimed:
            if row.status == "active" and row.claimed_by == staff[:100]:
                return row
            raise TicketConflict(f"handoff {handoff_id} is {row.status}"
                                 + (f", claimed by {row.claimed_by}" if row.claimed_by else ""))
        session.add(new_line(handoff_id, "system", "", kind="claimed", author=staff[:100], now=now))
        audit(session, actor=staff, action="handoff.claim", target=f"handoff:{handoff_id}")
        session.commit()
        session.refresh(row)
        session.expunge(row)
        return row


def add_staff_message(engine: Engine, handoff_id: int, *, author: str, text: str, source_ref: str | None = None,
                      external_ref: str | None = None, admin: bool = False, now: dt.datetime | None = None) -> int:
    """Record a staff reply to deliver to the user; a waiting ticket becomes the author's. Returns the line id.

    Only the officer who claimed the ticket (or an admin) may reply (NotTicketOwner otherwise). With
    `source_ref` (the staff message's delivery id or idempotency key) a repeated request returns the first
    line's id; the same key on another ticket is refused (KeyReused), never silently dropped.
    """
    now = now or utcnow()
    text = (text or "").strip()
    if not text:
        raise HandoffError("the reply is empty")
    with Session(engine) as session:
        if source_ref:
            found = _line_of(session, source_ref, handoff_id)
            if found is not None:
                return int(found)
        # The first reply claims a waiting ticket; the UPDATE is conditional, so one officer wins a race.
        session.exec(
            update(HandoffRow).where(col(HandoffRow.id) == handoff_id, col(HandoffRow.status) == "waiting")
            .values(status="active", claimed_by=author[:100], claimed_at=now)
        )
        row = session.get(HandoffRow, handoff_id, with_for_update=engine.dialect.name == "postgresql")
        if row is None:
            raise TicketNotFound(f"no handoff {handoff_id}")
        if row.status not in OPEN:
            raise TicketConflict(f"handoff {handoff_id} is closed")
        _owner_of(row, author, admin=admin)
        row.last_activity = now
        session.add(row)
        line = new_line(handoff_id, "staff", text, author=author[:100], source_ref=source_ref, now=now)
        line.external_ref = external_ref
        session.add(line)
        audit(session, actor=author, action="handoff.reply", target=f"handoff:{handoff_id}")
        try:
            session.commit()
        except IntegrityError:  # the same request recorded by another worker at the same moment
            session.rollback()
            found = _line_of(session, source_ref, handoff_id) if source_ref else None
            if found is None:
                raise
            return found
        assert line.id is not None
        return line.id


def _line_of(session: Session, source_ref: str, handoff_id: int) -> int | None:
    """The line recorded under `source_ref` on this ticket; KeyReused when it belongs to another one."""
    found = session.exec(select(HandoffMessageRow.id, HandoffMessageRow.handoff_id)
                         .where(HandoffMessageRow.source_ref == source_ref)).first()
    if found is None:
        return None
    if found[1] != handoff_id:
        raise KeyReused(f"this Idempotency-Key was already used for handoff {found[1]}; use a new key for "
                        f"handoff {handoff_id}")
    return found[0]


def close_ticket(engine: Engine, handoff_id: int, *, actor: str, note: str | None = None, reason: str = "staff",
                 now: dt.datetime | None = None, idle_before: dt.datetime | None = None, admin: bool = True) -> bool:
    """Close an open ticket; True for the one call (on any worker) that closed it.

    `reason`: staff (the user is told, with the note, and asked for feedback), idle (likewise, with the
    idle note) or left (the user's own /batal: nothing to tell them). With `idle_before`, only a ticket
    idle since before then is closed. With `admin=False` (a staff member who is not an admin) a ticket
    another officer has claimed is refused with NotTicketOwner.
    """
    now = now or utcnow()
    note = clip(note.strip(), MAX_NOTE_CHARS) if note and note.strip() else None
    with Session(engine) as session:
        condition = [col(HandoffRow.id) == handoff_id, col(HandoffRow.status).in_(OPEN)]
        if idle_before is not None:
            condition += [col(HandoffRow.status) == "active", col(HandoffRow.last_activity) <= idle_before]
        if not admin:  # in the UPDATE itself, so a claim by someone else a moment before is honoured
            condition.append(or_(col(HandoffRow.claimed_by).is_(None), col(HandoffRow.claimed_by) == actor[:100],
                                 col(HandoffRow.status) == "waiting"))
        closed = session.exec(
            update(HandoffRow).where(*condition)
            .values(status="closed", closed_by=actor[:100], closed_at=now, close_note=note, last_activity=now)
        ).rowcount
        if not closed:
            row = session.get(HandoffRow, handoff_id)
            session.rollback()
            if row is not None and not admin and row.status in OPEN:
                _owner_of(row, actor, admin=False)
            return False
        row = session.get(HandoffRow, handoff_id)
        assert row is not None
        if reason != "left":
            session.add(new_line(handoff_id, "bot", closing_text(row.lang or "id", note, idle=reason == "idle"),
                              kind="closed", now=now))
        session.add(new_line(handoff_id, "system", note or "", kind=f"closed-{reason}", author=actor[:100], now=now))
        audit(session, actor=actor, action="handoff.close", target=f"handoff:{handoff_id}",
              detail={"reason": reason, "note": bool(note)})
        session.commit()
        return True


def rate_ticket(engine: Engine, handoff_id: int, helpful: bool) -> None:
    """Keep the user's 👍/👎 on a closed ticket (the first answer counts)."""
    with engine.begin() as connection:
        connection.execute(
            update(HandoffRow).where(col(HandoffRow.id) == handoff_id, col(HandoffRow.status) == "closed",
                                     col(HandoffRow.helpful).is_(None)).values(helpful=helpful)
        )
