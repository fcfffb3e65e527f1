"""The ticket store without the app: one open ticket per user, queue order, idempotent appends, privacy, hours."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import handoff as desk
from bot.config import BotSettings
from bot.core import Conversation
from bot.hours import Hours
from bot.messages import IncomingMessage
from bot.models import HandoffRow
from bot.state import SqlStateStore
from knowledge.snapshot import Snapshot

NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in Jakarta


def test_one_open_ticket_per_user_in_the_database(engine: Engine) -> None:
    first = desk.open_ticket(engine, "telegram", "1", history=[["user", "halo"], ["bot", "Selamat datang"]])
    again = desk.open_ticket(engine, "telegram", "1", priority="high", text="tolong")
    assert first.created and not again.created and again.id == first.id and again.priority == "high"
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.add(HandoffRow(channel="telegram", user_id="1", status="active"))
        session.commit()
    assert desk.close_ticket(engine, first.id, actor="staff-1")
    assert not desk.close_ticket(engine, first.id, actor="staff-2")  # only one close wins
    assert desk.open_ticket(engine, "telegram", "1").created  # a closed ticket does not block a new one


def test_queue_order_positions_and_counts(engine: Engine) -> None:
    a = desk.open_ticket(engine, "telegram", "a", now=NOW)
    b = desk.open_ticket(engine, "whatsapp", "b", now=NOW + dt.timedelta(minutes=1))
    c = desk.open_ticket(engine, "telegram", "c", priority="high", now=NOW + dt.timedelta(minutes=2))
    rows, count = desk.list_tickets(engine, "waiting")
    assert [r.id for r in rows] == [c.id, a.id, b.id] and count == 3
    assert [desk.ticket_info(engine, t.id).position for t in (c, a, b)] == [1, 2, 3]  # type: ignore[union-attr]
    desk.claim_ticket(engine, a.id, "staff-1")
    with pytest.raises(desk.TicketConflict):
        desk.claim_ticket(engine, a.id, "staff-2")
    assert desk.queue_counts(engine) == {"waiting": 2, "active": 1}


def test_a_redelivered_message_is_added_once(engine: Engine) -> None:
    ticket = desk.open_ticket(engine, "telegram", "1")
    for _ in range(3):
        desk.append_user_message(engine, ticket.id, "halo", source_ref="telegram:77")
    _row, lines = desk.get_ticket(engine, ticket.id)
    assert [line.text for line in lines if line.sender == "user"] == ["halo"]
    desk.close_ticket(engine, ticket.id, actor="x")
    assert desk.append_user_message(engine, ticket.id, "late", source_ref="telegram:78") is None


def test_a_staff_line_is_claimed_for_delivery_once(engine: Engine) -> None:
    ticket = desk.open_ticket(engine, "telegram", "1")
    line = desk.add_staff_message(engine, ticket.id, author="staff-1", text="hi", source_ref="api:1:k")
    assert desk.add_staff_message(engine, ticket.id, author="staff-1", text="hi", source_ref="api:1:k") == line
    assert [desk.claim_line(engine, line) for _ in range(3)] == [True, False, False]
    assert desk.ticket_info(engine, ticket.id).status == "active"  # type: ignore[union-attr]


def test_user_data_is_erased_and_old_transcripts_purged(engine: Engine) -> None:
    from bot.privacy import erase_user, purge

    keep = desk.open_ticket(engine, "telegram", "2")
    gone = desk.open_ticket(engine, "telegram", "1")
    desk.append_user_message(engine, gone.id, "nama saya Siti")
    erase_user(engine, "telegram", "1")
    # The open ticket is closed and kept as an anonymous stub that tells the staff why; its transcript is gone.
    stub, lines = desk.get_ticket(engine, gone.id)
    assert (stub.status, stub.user_id) == ("closed", "")
    assert [(line.sender, line.kind, line.text) for line in lines] == [("system", "closed-erased", "")]
    closed = desk.open_ticket(engine, "telegram", "1")
    desk.close_ticket(engine, closed.id, actor="staff-1")
    erase_user(engine, "telegram", "1")  # a closed ticket goes entirely
    with pytest.raises(desk.TicketNotFound):
        desk.get_ticket(engine, closed.id)
    desk.close_ticket(engine, keep.id, actor="staff-1", now=NOW - dt.timedelta(days=40))
    open_one = desk.open_ticket(engine, "telegram", "3")
    purge(engine, dt.timedelta(days=30))
    with pytest.raises(desk.TicketNotFound):
        desk.get_ticket(engine, keep.id)
    assert desk.get_ticket(engine, open_one.id)[0].status == "waiting"  # open tickets are never purged
    assert desk.purge_transcripts(engine, NOW) == 0


def test_out_of_hours_the_user_hears_when_a_person_will_read(engine: Engine, seed_snapshot: Snapshot) -> None:
    saturday = dt.datetime(2026, 11, 28, 5, 0, tzinfo=dt.UTC)
    conversation = Conversation(lambda: seed_snapshot, SqlStateStore(engine), desk=desk.SqlDesk(engine),
                                settings=BotSettings(hotline_hours=Hours.parse("Mon-Fri 08:00-16:00 Asia/Jakarta")),
                                clock=lambda: saturday)
    conversation.handle(IncomingMessage("telegram", "9", text="halo", external_id="1"))
    turn = conversation.handle(IncomingMessage("telegram", "9", text="/petugas", external_id="2"))
    assert turn.decision == "handoff"
    assert "Senin 08.00 WIB" in turn.replies[0].text
    ticket = desk.list_tickets(engine, "waiting")[0][0]
    _row, lines = desk.get_ticket(engine, ticket.id)
    assert [line.text for line in lines if line.kind == "history"][:1] == ["halo"]
    later = conversation.handle(IncomingMessage("telegram", "9", text="gaji taiwan", external_id="3"))
    assert later.decision == "handoff" and "Senin 08.00 WIB" in later.replies[0].text
