"""The staff's view of the queue: its order, a ticket's place in it, lists, one ticket with its transcript,
counts for the metrics, and the ticket a staff-group post belongs to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.handoff.model import OPEN, TicketInfo, TicketNotFound
from bot.models import HandoffMessageRow, HandoffRow


def queue_order() -> tuple[Any, ...]:
    """Queue order: emergencies first, then oldest first."""
    return (case((col(HandoffRow.priority) == "high", 0), else_=1), col(HandoffRow.created_at), col(HandoffRow.id))


def position(session: Session, row: HandoffRow) -> int:
    """The 1-based place of a waiting ticket in the queue; 0 when it is not waiting."""
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


def info_of(session: Session, row: HandoffRow, *, created: bool = False) -> TicketInfo:
    """What the conversation sees of `row`."""
    assert row.id is not None
    return TicketInfo(row.id, row.status, row.priority, position(session, row), created)


def ticket_info(engine: Engine, handoff_id: int) -> TicketInfo | None:
    """The ticket with its place in the queue if it is open, else None."""
    with Session(engine) as session:
        row = session.get(HandoffRow, handoff_id)
        if row is None or row.status not in OPEN:
            return None
        return info_of(session, row)


def list_tickets(engine: Engine, status: str = "waiting", *, limit: int = 50, offset: int = 0
                 ) -> tuple[list[HandoffRow], int]:
    """Tickets of one status: emergencies first, then the longest waiting; with the total count."""
    with Session(engine) as session:
        query = select(HandoffRow).where(HandoffRow.status == status)
        if status == "closed":
            query = query.order_by(col(HandoffRow.closed_at).desc(), col(HandoffRow.id).desc())
        else:
            query = query.order_by(*queue_order())
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
