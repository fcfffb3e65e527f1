"""Privacy (UU 27/2022): /hapus erases everything about the user after confirmation; purge removes old data;
analytics tables carry no user id; /privasi says what is kept and for how long."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import api.models  # noqa: F401  (every table is declared before the metadata is read)
from bot import handoff
from bot.channels.whatsapp_status import arrived, record_sent
from bot.config import BotSettings
from bot.core import Conversation
from bot.delivery import claim_delivery, record_failed_send
from bot.messages import IncomingMessage
from bot.models import OutboxRow, ProcessedEventRow
from bot.privacy import USER_TABLES, NullEraser, SqlUserDataEraser, purge, user_has_data
from bot.state import MemoryStateStore, SqlStateStore
from knowledge.models import utcnow
from knowledge.snapshot import Snapshot

ANALYTICS = ("turn_stats", "unanswered", "feedback")
PERSONAL_COLUMNS = {"user_id", "chat_id", "phone", "wa_id", "from", "name", "username", "user"}


def plant(engine: Engine, channel: str, user: str) -> None:
    """Traces of a user everywhere the service keeps them."""
    claim_delivery(engine, channel, f"ev-{user}", user)
    record_failed_send(engine, channel, user, {"text": "x", "buttons": []}, "test", attempts=1)
    info = handoff.open_ticket(engine, channel, user, text="tolong saya")
    handoff.append_user_message(engine, info.id, "pesan kedua")
    with Session(engine) as session:
        session.execute(text("INSERT INTO whatsapp_pending_choices (user_id, payloads, updated_at) "
                             "VALUES (:u, '[]', :t)"), {"u": user, "t": utcnow()})
        session.commit()
    record_sent(engine, user, [f"wamid.sent-to-{user}"])  # a WhatsApp message's delivery status
    arrived(engine, user)  # when the user last wrote (their 24-hour window)


def test_hapus_after_confirmation_erases_state_transcripts_dedupe_keys_choices_and_outbox(
    engine: Engine, seed_snapshot: Snapshot
) -> None:
    conversation = Conversation(lambda: seed_snapshot, SqlStateStore(engine), eraser=SqlUserDataEraser(engine))
    me, other = "6281234567890", "6289999999999"
    for user in (me, other):
        conversation.handle(IncomingMessage("whatsapp", user, text="/start"))
        plant(engine, "whatsapp", user)
    assert all(user_has_data(engine, "whatsapp", me).values())

    asked = conversation.handle(IncomingMessage("whatsapp", me, text="/hapus"))
    assert any(b.payload == "hapus:ya" for r in asked.replies for b in r.buttons)
    assert all(user_has_data(engine, "whatsapp", me).values()), "nothing is deleted before the confirmation"
    conversation.handle(IncomingMessage("whatsapp", me, button="hapus:ya"))

    assert not any(user_has_data(engine, "whatsapp", me).values()), user_has_data(engine, "whatsapp", me)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM handoffs WHERE user_id = :u"), {"u": me}).scalar() == 0
        orphans = connection.execute(text(
            "SELECT count(*) FROM handoff_messages WHERE handoff_id NOT IN (SELECT id FROM handoffs)")).scalar()
        assert orphans == 0, "the transcript went with the ticket"
    assert all(user_has_data(engine, "whatsapp", other).values()), "another user's data is untouched"


def test_the_memory_store_erases_with_a_no_op_eraser(seed_snapshot: Snapshot) -> None:
    store = MemoryStateStore()
    conversation = Conversation(lambda: seed_snapshot, store, eraser=NullEraser())
    conversation.handle(IncomingMessage("cli", "u", text="/hapus"))
    conversation.handle(IncomingMessage("cli", "u", button="hapus:ya"))
    assert store.load("cli", "u").lang is None


def test_purge_removes_old_data_and_keeps_recent_data(engine: Engine, seed_snapshot: Snapshot) -> None:
    old, recent = "111", "222"
    conversation = Conversation(lambda: seed_snapshot, SqlStateStore(engine))
    for user in (old, recent):
        conversation.handle(IncomingMessage("telegram", user, text="/start"))
        plant(engine, "telegram", user)
    info = handoff.open_ticket(engine, "telegram", "333", text="lama")
    handoff.close_ticket(engine, info.id, actor="staff-1")
    row = record_failed_send(engine, "telegram", old, {"text": "y", "buttons": []}, "test", attempts=1)
    long_ago = utcnow() - dt.timedelta(days=100)
    with engine.begin() as connection:
        connection.execute(text("UPDATE conversations SET last_activity = :t WHERE user_id = :u"),
                           {"t": long_ago, "u": old})
        connection.execute(text("UPDATE processed_events SET received_at = :t WHERE user_id = :u"),
                           {"t": long_ago, "u": old})
        connection.execute(text("UPDATE outbox SET created_at = :t, status = 'sent' WHERE id = :i"),
                           {"t": long_ago, "i": row})
        connection.execute(text("UPDATE handoffs SET closed_at = :t, created_at = :t, last_activity = :t "
                                "WHERE user_id = '333'"), {"t": long_ago})
        connection.execute(text("UPDATE handoff_messages SET created_at = :t WHERE handoff_id = :h"),
                           {"t": long_ago, "h": info.id})
    counts = purge(engine, dt.timedelta(days=30))
    assert sum(counts.values()) >= 4, counts
    with Session(engine) as session:
        assert session.get(OutboxRow, row) is None, "an old sent outbox row is gone"
        assert session.get(ProcessedEventRow, ("telegram", f"ev-{old}")) is None
        assert session.get(ProcessedEventRow, ("telegram", f"ev-{recent}")) is not None
    with engine.connect() as connection:
        users = set(connection.execute(text("SELECT user_id FROM conversations")).scalars())
        assert old not in users and recent in users
        assert connection.execute(text("SELECT count(*) FROM handoffs WHERE user_id = '333'")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM handoff_messages WHERE handoff_id = :h"),
                                  {"h": info.id}).scalar() == 0
        # Pending outbox rows and open tickets stay, whatever their age.
        assert connection.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'")).scalar() >= 2


def test_purge_command_runs(db_url: str, tmp_path: Path) -> None:
    command = [str(Path(sys.executable).with_name("desmigratif")), "purge", "--older-than", "30"]
    done = subprocess.run(command, env={"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "purged" in done.stderr and "conversations" in done.stdout


def test_every_table_holding_a_user_id_is_erased_by_hapus() -> None:
    # The list in bot.privacy is written by hand: a new table with a user id must be added there.
    staff = {"console_sessions"}  # a staff account's id, not a bot user's
    holding = {name for name, table in SQLModel.metadata.tables.items() if "user_id" in table.c} - staff
    assert holding == {spec.table for spec in USER_TABLES}


@pytest.mark.parametrize("table", ANALYTICS)
def test_analytics_tables_carry_no_user_id(engine: Engine, table: str) -> None:
    columns = {c["name"].lower() for c in inspect(engine).get_columns(table)}
    assert columns, f"{table} exists"
    assert not columns & PERSONAL_COLUMNS, f"{table} has a personal column: {columns & PERSONAL_COLUMNS}"


@pytest.mark.parametrize(("days", "expected"), [(None, "until you delete it"), (90, "90 days")])
def test_privasi_says_what_is_kept_and_for_how_long(seed_snapshot: Snapshot, days: int | None, expected: str
                                                    ) -> None:
    conversation = Conversation(lambda: seed_snapshot, MemoryStateStore(), settings=BotSettings(retention_days=days))
    turn = conversation.handle(IncomingMessage("cli", "u", text="/privasi", language_hint="en"))
    said = turn.replies[0].text
    assert expected in said and "officer" in said and "/hapus" in said
    assert "without any link to you" in said and "passport" in said  # what is kept anonymously, and masked
    indonesian = conversation.handle(IncomingMessage("cli", "v", text="/privasi", language_hint="id")).replies[0].text
    assert "Berapa lama" in indonesian
