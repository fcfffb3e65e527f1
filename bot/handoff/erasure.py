"""A user's tickets under the privacy rules: erased on /hapus, closed ones purged after the retention period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.handoff.model import OPEN, new_line
from bot.models import HandoffMessageRow, HandoffRow
from bot.state import storage_key
from knowledge.editing import audit
from knowledge.models import utcnow


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
            session.add(new_line(row.id, "system", "", kind="closed-erased", now=now))
            audit(session, actor="user", action="handoff.close", target=f"handoff:{row.id}",
                  detail={"reason": "erased"})
        session.commit()
    return len(rows)


def purge_transcripts(engine: Engine, before: dt.datetime) -> int:
    """Delete closed tickets (and their transcripts) closed before `before`; returns the tickets deleted."""
    return _delete_tickets(engine, and_(col(HandoffRow.status) == "closed", col(HandoffRow.closed_at) < before))
