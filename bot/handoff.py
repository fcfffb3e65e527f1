"""Human handoff tickets: open, append, claim, reply, close, and the queries staff and metrics need.

A ticket (`handoffs`) is waiting → active → closed, at most one open per (channel, user) — the database
enforces that with a partial unique index. Its transcript (`handoff_messages`) holds every line with its
direction: user and system lines go to the staff group, staff and bot lines go to the user. A line is
delivered by whichever worker first flips its `delivered` flag with a conditional UPDATE, so nothing is
sent twice however many workers run; a user line is appended once per inbound delivery (`source_ref`).

Handlers reach this module only through `HandoffDesk` (`SqlDesk` in a server, `NullDesk` elsewhere);
the api layer calls the functions directly and delivers the lines on the user's channel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, case, delete, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot import i18n
from bot.markup import escape, plain
from bot.messages import Button, Reply
from bot.models import HandoffMessageRow, HandoffRow
from bot.privacy import register_user_table
from knowledge.editing import audit
from knowledge.models import utcnow

OPEN = ("waiting", "active")
STATUSES = ("waiting", "active", "closed")
TO_STAFF = ("user", "system")  # lines posted in the staff group
TO_USER = ("staff", "bot")  # lines delivered to the user on their channel
RECENT_KEY = "recent"  # ConversationState.extra: the last turns as [sender, text] pairs (kept by bot.core)
HISTORY_ITEMS = 12  # the last ~6 turns (a user line and a bot line each) copied into a new ticket
MAX_LINE_CHARS = 4000
MAX_HISTORY_CHARS = 300
MAX_NOTE_CHARS = 1000
FEEDBACK_PREFIX = "hfb"  # button payload "hfb:<ticket id>:1|0" after a ticket is closed


class HandoffError(Exception):
    """A staff action that cannot be done (the api layer maps these to HTTP statuses)."""


class TicketNotFound(HandoffError):
    """No ticket with that id."""


class TicketConflict(HandoffError):
    """The ticket is not in a state that allows the action (closed, or claimed by someone else)."""


class NotTicketOwner(HandoffError):
    """Another officer has claimed the ticket: only they (or an admin) may reply to it or close it."""


class KeyReused(HandoffError):
    """An idempotency key already used for another ticket."""


def _owner_of(row: HandoffRow, staff: str, *, admin: bool) -> None:
    """Refuse a staff action on a ticket another officer has claimed (admins may act on any)."""
    if not admin and row.status == "active" and row.claimed_by and row.claimed_by != staff[:100]:
        raise NotTicketOwner(f"handoff {row.id} is claimed by {row.claimed_by}; only they or an admin may "
                             "reply to it or close it")


@dataclass(frozen=True)
class TicketInfo:
    """What the conversation needs to know about a ticket."""

    id: int
    status: str
    priority: str
    position: int = 0  # 1-based place among waiting tickets; 0 when active or closed
    created: bool = False  # True when this call opened it


# --- the handlers' view -----------------------------------------------------------------------------


class HandoffDesk(Protocol):
    """The staff queue as handlers see it (channel-neutral; no delivery happens here)."""

    enabled: bool

    def open(self, *, channel: str, user_id: str, reason: str, priority: str, lang: str,
             history: Sequence[Sequence[str]], source_ref: str | None = None, text: str = "") -> TicketInfo:
        """Open a ticket (or return the user's open one, raising its priority if asked)."""
        ...

    def current(self, handoff_id: int) -> TicketInfo | None:
        """The ticket if it is still open, else None."""
        ...

    def add_user_message(self, handoff_id: int, text: str, *, source_ref: str | None = None,
                         escalate: bool = False) -> TicketInfo | None:
        """Append the user's message to an open ticket; None when it is no longer open."""
        ...

    def leave(self, handoff_id: int) -> None:
        """The user left the queue (/batal)."""
        ...

    def rate(self, handoff_id: int, helpful: bool) -> None:
        """Store the user's answer to the feedback question after a close."""
        ...


class NullDesk:
    """No staff queue (one-shot commands, in-memory tests): requests for a person get the hotlines only."""

    enabled = False

    def open(self, *, channel: str, user_id: str, reason: str, priority: str, lang: str,
             history: Sequence[Sequence[str]], source_ref: str | None = None, text: str = "") -> TicketInfo:
        """Nothing to open."""
        return TicketInfo(0, "waiting", priority)

    def current(self, handoff_id: int) -> TicketInfo | None:
        """Without a queue a handoff stays open until the user leaves it."""
        return TicketInfo(handoff_id, "waiting", "normal")

    def add_user_message(self, handoff_id: int, text: str, *, source_ref: str | None = None,
                         escalate: bool = False) -> TicketInfo | None:
        """Nowhere to add it."""
        return TicketInfo(handoff_id, "waiting", "high" if escalate else "normal")

    def leave(self, handoff_id: int) -> None:
        """Nothing to leave."""

    def rate(self, handoff_id: int, helpful: bool) -> None:
        """Nothing to rate."""


class SqlDesk:
    """The staff queue in the database; `on_change` is called after a line that needs delivering is added."""

    enabled = True

    def __init__(self, engine: Engine, *, on_change: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.listeners: list[Callable[[], None]] = [on_change] if on_change else []

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    def open(self, *, channel: str, user_id: str, reason: str, priority: str, lang: str,
             history: Sequence[Sequence[str]], source_ref: str | None = None, text: str = "") -> TicketInfo:
        """Open a ticket with the recent transcript, or return the open one."""
        info = open_ticket(self.engine, channel, user_id, reason=reason, priority=priority, lang=lang,
                           history=history, source_ref=source_ref, text=text)
        self._changed()
        return info

    def current(self, handoff_id: int) -> TicketInfo | None:
        """The open ticket, or None."""
        return ticket_info(self.engine, handoff_id)

    def add_user_message(self, handoff_id: int, text: str, *, source_ref: str | None = None,
                         escalate: bool = False) -> TicketInfo | None:
        """Append to the transcript."""
        info = append_user_message(self.engine, handoff_id, text, source_ref=source_ref, escalate=escalate)
        if info is not None:
            self._changed()
        return info

    def leave(self, handoff_id: int) -> None:
        """Close the ticket on the user's behalf."""
        if close_ticket(self.engine, handoff_id, actor="user", reason="left"):
            self._changed()

    def rate(self, handoff_id: int, helpful: bool) -> None:
        """Store the rating (only on a closed ticket)."""
        rate_ticket(self.engine, handoff_id, helpful)


# --- tickets ----------------------------------------------------------------------------------------


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands timestamps back without a zone; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _clip(text: str, limit: int = MAX_LINE_CHARS) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _order() -> tuple[Any, ...]:
    """Queue order: emergencies first, then oldest first."""
    return (case((col(HandoffRow.priority) == "high", 0), else_=1), col(HandoffRow.created_at), col(HandoffRow.id))


def _position(session: Session, row: HandoffRow) -> int:
    if row.status != "waiting":
        return 0
    high = row.priority == "high"
    ahead = and_(col(HandoffRow.status) == "waiting", col(HandoffRow.id) != row.id)
    earlier = or_(col(HandoffRow.created_at) < row.created_at,
                  and_(col(HandoffRow.created_at) == row.created_at, col(HandoffRow.id) < row.id))
    if high:
        condition = and_(ahead, col(HandoffRow.priority) == "high", earlier)
    else:
        condition = and_(ahead, or_(col(HandoffRow.priority) == "high", earlier))
    count = session.exec(select(func.count()).select_from(HandoffRow).where(condition)).one()
    return int(count) + 1


def _info(session: Session, row: HandoffRow, *, created: bool = False) -> TicketInfo:
    assert row.id is not None
    return TicketInfo(row.id, row.status, row.priority, _position(session, row), created)


def _open_row(session: Session, channel: str, user_id: str) -> HandoffRow | None:
    query = select(HandoffRow).where(HandoffRow.channel == channel, HandoffRow.user_id == user_id,
                                     col(HandoffRow.status).in_(OPEN))
    return session.exec(query).first()


def _line(handoff_id: int, sender: str, text: str, *, kind: str = "text", author: str | None = None,
          delivered: bool = False, source_ref: str | None = None, now: dt.datetime | None = None
          ) -> HandoffMessageRow:
    when = now or utcnow()
    return HandoffMessageRow(handoff_id=handoff_id, sender=sender, kind=kind, author=author, text=_clip(text),
                             created_at=when, delivered=delivered, delivered_at=when if delivered else None,
                             source_ref=source_ref)


def _escalate(session: Session, row: HandoffRow, now: dt.datetime) -> bool:
    assert row.id is not None
    changed = session.exec(
        update(HandoffRow).where(col(HandoffRow.id) == row.id, col(HandoffRow.priority) != "high")
        .values(priority="high", last_activity=now)
    ).rowcount
    if changed:
        session.add(_line(row.id, "system", "", kind="priority", now=now))
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
            return _info(session, existing)
        assert row.id is not None
        for item in list(history)[-HISTORY_ITEMS:]:
            if len(item) >= 2 and item[0] in ("user", "bot") and item[1]:
                session.add(_line(row.id, item[0], _clip(str(item[1]), MAX_HISTORY_CHARS), kind="history",
                                  delivered=True, now=now))
        if text:  # the message that asked goes with the announcement, like the history before it
            session.add(_line(row.id, "user", text, kind="history", source_ref=source_ref, delivered=True, now=now))
        session.add(_line(row.id, "system", reason, kind="opened", now=now))
        session.commit()
        session.refresh(row)
        return _info(session, row, created=True)


def _add_user_line(session: Session, row: HandoffRow, text: str, source_ref: str | None, now: dt.datetime) -> None:
    assert row.id is not None
    if source_ref and session.exec(select(HandoffMessageRow.id).where(HandoffMessageRow.source_ref == source_ref)
                                   ).first() is not None:
        return  # a redelivery of a message already in the transcript
    session.add(_line(row.id, "user", text, source_ref=source_ref, now=now))


def ticket_info(engine: Engine, handoff_id: int) -> TicketInfo | None:
    """The ticket with its place in the queue if it is open, else None."""
    with Session(engine) as session:
        row = session.get(HandoffRow, handoff_id)
        if row is None or row.status not in OPEN:
            return None
        return _info(session, row)


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
        return _info(session, row)


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
        session.add(_line(handoff_id, "system", "", kind="claimed", author=staff[:100], now=now))
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
        line = _line(handoff_id, "staff", text, author=author[:100], source_ref=source_ref, now=now)
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
    note = _clip(note.strip(), MAX_NOTE_CHARS) if note and note.strip() else None
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
            session.add(_line(handoff_id, "bot", closing_text(row.lang or "id", note, idle=reason == "idle"),
                              kind="closed", now=now))
        session.add(_line(handoff_id, "system", note or "", kind=f"closed-{reason}", author=actor[:100], now=now))
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


# --- staff queries ----------------------------------------------------------------------------------


def list_tickets(engine: Engine, status: str = "waiting", *, limit: int = 50, offset: int = 0
                 ) -> tuple[list[HandoffRow], int]:
    """Tickets of one status: emergencies first, then the longest waiting; with the total count."""
    with Session(engine) as session:
        query = select(HandoffRow).where(HandoffRow.status == status)
        if status == "closed":
            query = query.order_by(col(HandoffRow.closed_at).desc(), col(HandoffRow.id).desc())
        else:
            query = query.order_by(*_order())
        rows = list(session.exec(query.offset(offset).limit(limit)))
        count = session.exec(select(func.count()).select_from(HandoffRow).where(HandoffRow.status == status)).one()
        for row in rows:
            session.expunge(row)
        return rows, int(count)


def get_ticket(engine: Engine, handoff_id: int) -> tuple[HandoffRow, list[HandoffMessageRow]]:
    """One ticket with its transcript, oldest line first."""
    with Session(engine) as session:
        row = session.get(HandoffRow, handoff_id)
        if row is None:
            raise TicketNotFound(f"no handoff {handoff_id}")
        lines = list(session.exec(select(HandoffMessageRow).where(HandoffMessageRow.handoff_id == handoff_id)
                                  .order_by(col(HandoffMessageRow.id))))
        session.expunge_all()
        return row, lines


def queue_counts(engine: Engine) -> dict[str, int]:
    """The number of open tickets by status: {"waiting": n, "active": n}."""
    counts = dict.fromkeys(OPEN, 0)
    with Session(engine) as session:
        rows = session.exec(
            select(HandoffRow.status, func.count()).where(col(HandoffRow.status).in_(OPEN)).group_by(HandoffRow.status)
        ).all()
    for status, n in rows:
        counts[status] = int(n)
    return counts


def ticket_of_post(engine: Engine, external_ref: str) -> int | None:
    """The ticket a staff-group post belongs to (by the post's reference), or None."""
    with Session(engine) as session:
        found = session.exec(select(HandoffMessageRow.handoff_id).where(HandoffMessageRow.external_ref == external_ref)
                             .limit(1)).first()
        return int(found) if found is not None else None


# --- delivery ---------------------------------------------------------------------------------------


def pending_lines(engine: Engine, senders: Sequence[str], *, channels: Sequence[str] | None = None, limit: int = 50
                  ) -> list[tuple[HandoffMessageRow, HandoffRow]]:
    """Lines not yet delivered in the given directions (of users on `channels`), oldest first, with their tickets."""
    with Session(engine) as session:
        query = (select(HandoffMessageRow, HandoffRow).join(HandoffRow, col(HandoffRow.id) == HandoffMessageRow.handoff_id)
                 .where(col(HandoffMessageRow.sender).in_(senders), col(HandoffMessageRow.delivered).is_(False)))
        if channels is not None:
            query = query.where(col(HandoffRow.channel).in_(channels))
        query = query.order_by(col(HandoffMessageRow.id)).limit(limit)
        found = [(line, ticket) for line, ticket in session.exec(query)]
        session.expunge_all()
        return found


def claim_line(engine: Engine, line_id: int, *, now: dt.datetime | None = None) -> bool:
    """Take the delivery of one line; True for exactly one caller across all workers."""
    with engine.begin() as connection:
        taken = connection.execute(
            update(HandoffMessageRow).where(col(HandoffMessageRow.id) == line_id,
                                            col(HandoffMessageRow.delivered).is_(False))
            .values(delivered=True, delivered_at=now or utcnow())
        ).rowcount
    return bool(taken)


def set_external_ref(engine: Engine, line_id: int, ref: str) -> None:
    """Remember where a line was posted (e.g. "tg:<staff-group message id>") so replies find the ticket."""
    with engine.begin() as connection:
        connection.execute(update(HandoffMessageRow).where(col(HandoffMessageRow.id) == line_id)
                           .values(external_ref=ref[:100]))


# --- timeouts ---------------------------------------------------------------------------------------


def remind_waiting(engine: Engine, *, after: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    """Add a reminder line for each ticket waiting longer than `after` with no staff action (again every `after`).

    Each ticket is taken with a conditional UPDATE of `reminded_at`, so one worker reminds it.
    """
    now = now or utcnow()
    cutoff = now - after
    reminded: list[int] = []
    with Session(engine) as session:
        due = session.exec(select(col(HandoffRow.id)).where(
            HandoffRow.status == "waiting", col(HandoffRow.last_activity) <= cutoff,
            or_(col(HandoffRow.reminded_at).is_(None), col(HandoffRow.reminded_at) <= cutoff),
        ).limit(100)).all()
    for handoff_id in (i for i in due if i is not None):
        with Session(engine) as session:
            taken = session.exec(
                update(HandoffRow).where(
                    col(HandoffRow.id) == handoff_id, col(HandoffRow.status) == "waiting",
                    or_(col(HandoffRow.reminded_at).is_(None), col(HandoffRow.reminded_at) <= cutoff),
                ).values(reminded_at=now)
            ).rowcount
            if taken:
                session.add(_line(handoff_id, "system", "", kind="reminder", now=now))
                session.commit()
                reminded.append(handoff_id)
    return reminded


def close_idle(engine: Engine, *, after: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    """Close active tickets idle for longer than `after`; the user is told. Returns the tickets closed here."""
    now = now or utcnow()
    cutoff = now - after
    with Session(engine) as session:
        due = session.exec(select(col(HandoffRow.id)).where(HandoffRow.status == "active",
                                                       col(HandoffRow.last_activity) <= cutoff).limit(100)).all()
    return [i for i in due
            if i is not None and close_ticket(engine, i, actor="system", reason="idle", now=now, idle_before=cutoff)]


# --- privacy ----------------------------------------------------------------------------------------


def _delete_tickets(engine: Engine, where: Any) -> int:
    with engine.begin() as connection:
        ids = [r[0] for r in connection.execute(select(HandoffRow.id).where(where))]
        if not ids:
            return 0
        connection.execute(delete(HandoffMessageRow).where(col(HandoffMessageRow.handoff_id).in_(ids)))
        connection.execute(delete(HandoffRow).where(col(HandoffRow.id).in_(ids)))
    return len(ids)


def delete_user_handoffs(engine: Engine, channel: str, user_id: str, *, now: dt.datetime | None = None) -> int:
    """Erase every ticket of one user with its transcript (/hapus); returns the tickets erased.

    A closed ticket goes entirely. An open one is closed and kept as an anonymous stub (no user id, no
    transcript) with one system line, "the user deleted their data", which the staff group is told of and
    the queue shows, so the officer who had it does not wait for an answer that will not come.
    """
    from bot.state import storage_key  # the user id as the state store keeps it, in case it differs

    now = now or utcnow()
    keys = sorted({user_id[:100], storage_key(user_id)})
    with Session(engine) as session:
        rows = list(session.exec(select(HandoffRow).where(col(HandoffRow.channel) == channel,
                                                          col(HandoffRow.user_id).in_(keys))))
        if not rows:
            return 0
        ids = [row.id for row in rows]
        session.exec(delete(HandoffMessageRow).where(col(HandoffMessageRow.handoff_id).in_(ids)))
        for row in rows:
            assert row.id is not None
            if row.status not in OPEN:
                session.delete(row)
                continue
            row.status, row.user_id, row.closed_by, row.closed_at = "closed", "", "user", now
            row.close_note, row.last_activity = None, now
            session.add(row)
            session.add(_line(row.id, "system", "", kind="closed-erased", now=now))
            audit(session, actor="user", action="handoff.close", target=f"handoff:{row.id}",
                  detail={"reason": "erased"})
        session.commit()
    return len(rows)


def purge_transcripts(engine: Engine, before: dt.datetime) -> int:
    """Delete closed tickets (and their transcripts) closed before `before`; returns the tickets deleted."""
    return _delete_tickets(engine, and_(col(HandoffRow.status) == "closed", col(HandoffRow.closed_at) < before))


purge_handoffs = purge_transcripts  # the name bot.privacy looks up
# /hapus: bot.privacy calls delete_user_handoffs (transcript lines are reached through the ticket id);
# listing the table too lets `user_has_data` report a user's tickets.
register_user_table("handoffs")


# --- texts ------------------------------------------------------------------------------------------


def closing_text(lang: str, note: str | None, *, idle: bool = False) -> str:
    """What the user is told when a ticket is closed (stored as a bot line in their language)."""
    _ = i18n.translator(lang if lang in i18n.SUPPORTED else i18n.SUPPORTED[0]).gettext
    if idle:
        head = _("This conversation with our officers was closed because it was quiet for a while.")
    else:
        head = _("Our officer has closed this conversation.")
    parts = [head]
    if note:
        parts.append(_("Officer's note: {note}").format(note=escape(note)))
    parts.append(_("You are back with the automatic assistant. Was our officer's help useful?"))
    return "\n\n".join(parts)


def user_reply(line: HandoffMessageRow, ticket: HandoffRow) -> Reply:
    """A staff or bot line as the user sees it."""
    lang = ticket.lang if ticket.lang in i18n.SUPPORTED else i18n.SUPPORTED[0]
    _ = i18n.translator(lang).gettext
    if line.sender == "staff":
        header = _("👤 Officer {name}:").format(name=escape(line.author or ""))
        return Reply(f"{header}\n{escape(line.text)}")  # an officer's words are shown as typed
    if line.kind == "closed":
        buttons = (Button(_("👍 Yes"), f"{FEEDBACK_PREFIX}:{ticket.id}:1"),
                   Button(_("👎 No"), f"{FEEDBACK_PREFIX}:{ticket.id}:0"),
                   Button(_("🏠 Menu"), "menu"))
        return Reply(line.text, buttons)
    return Reply(line.text)


def staff_post(line: HandoffMessageRow, ticket: HandoffRow, lang: str, *, transcript: Sequence[HandoffMessageRow] = (),
               now: dt.datetime | None = None) -> str:
    """A user or system line as posted in the staff group, always naming the ticket."""
    _ = i18n.translator(lang if lang in i18n.SUPPORTED else i18n.SUPPORTED[0]).gettext
    tag = f"#{ticket.id}"
    if line.sender == "user":
        return _("{ticket} ✉️ User on {channel}:").format(ticket=tag, channel=ticket.channel) + f"\n{escape(line.text)}"
    if line.kind == "opened":
        head = (_("{ticket} 🚨 EMERGENCY: new request on {channel}") if ticket.priority == "high"
                else _("{ticket} 🙋 New request for an officer on {channel}")).format(ticket=tag, channel=ticket.channel)
        lines = [head]
        for item in transcript:
            who = _("User") if item.sender == "user" else _("Bot")
            said = item.text if item.sender == "user" else plain(item.text)  # a bot line's markup, as read
            lines.append(f"{who}: {escape(_clip(said, MAX_HISTORY_CHARS))}")
        lines.append(_("Reply to this message to answer the user; reply /klaim to take it, /tutup [note] to close it."))
        return "\n".join(lines)
    if line.kind == "priority":
        return _("{ticket} 🚨 The user wrote emergency words: priority raised.").format(ticket=tag)
    if line.kind == "claimed":
        return _("{ticket} ✅ Taken by {name}.").format(ticket=tag, name=escape(line.author or ""))
    if line.kind == "reminder":
        created = _aware(ticket.created_at) or utcnow()
        minutes = max(0, int(((now or utcnow()) - created).total_seconds() // 60))
        return _("{ticket} ⏰ Still waiting for an officer ({minutes} min). Reply /klaim to take it.").format(
            ticket=tag, minutes=minutes)
    if line.kind.startswith("closed"):
        if line.kind == "closed-left":
            return _("{ticket} ↩️ The user left the queue.").format(ticket=tag)
        if line.kind == "closed-idle":
            return _("{ticket} 💤 Closed after a quiet period; the user was told.").format(ticket=tag)
        if line.kind == "closed-erased":
            return _("{ticket} 🗑️ The user deleted their data (/hapus): the ticket is closed and its transcript "
                     "erased. Do not reply.").format(ticket=tag)
        text = _("{ticket} ☑️ Closed by {name}.").format(ticket=tag, name=escape(line.author or ""))
        return f"{text}\n{escape(line.text)}" if line.text else text
    return f"{tag} {escape(line.text)}"


def staff_notice(kind: str, lang: str, *, ticket: int | None = None, detail: str = "") -> str:
    """Short answers to staff in the group: a command without a ticket, a refused action."""
    _ = i18n.translator(lang if lang in i18n.SUPPORTED else i18n.SUPPORTED[0]).gettext
    tag = f"#{ticket}" if ticket else ""
    if kind == "no-ticket":
        return _("Reply to one of my posts about a ticket: your reply goes to the user; /klaim takes the ticket, "
                 "/tutup [note] closes it.")
    if kind == "refused":
        return _("{ticket} not done: {reason}").format(ticket=tag, reason=escape(detail))
    return detail


def note_delivery(engine: Engine, handoff_id: int, kind: str, text: str, *, error: str | None = None) -> None:
    """Add a system line about a staff reply's delivery (it is posted in the staff group); with `error`,
    also mark the ticket with it (`delivery_error`, shown by the API)."""
    with Session(engine) as session:
        row = session.get(HandoffRow, handoff_id)
        if row is None:
            return
        if error is not None:
            row.delivery_error = error[:200]
            session.add(row)
        session.add(_line(handoff_id, "system", text, kind=kind))
        session.commit()


__all__ = [
    "FEEDBACK_PREFIX", "OPEN", "RECENT_KEY", "STATUSES", "TO_STAFF", "TO_USER", "HandoffDesk", "HandoffError",
    "HandoffMessageRow", "HandoffRow", "KeyReused", "NotTicketOwner", "NullDesk", "SqlDesk", "TicketConflict", "TicketInfo",
    "TicketNotFound", "add_staff_message", "append_user_message", "claim_line", "claim_ticket", "close_idle",
    "close_ticket", "closing_text", "delete_user_handoffs", "get_ticket", "list_tickets",
    "note_delivery", "open_ticket", "pending_lines", "purge_handoffs", "purge_transcripts", "queue_counts",
    "rate_ticket", "remind_waiting", "set_external_ref", "staff_notice", "staff_post", "ticket_info", "ticket_of_post",
    "user_reply",
]
