"""Conversation state on a real database: round trip, odd user ids, delete."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from bot.state import ConversationState, MemoryStateStore, SqlStateStore, storage_key


def test_sql_state_round_trip(engine: Engine) -> None:
    store = SqlStateStore(engine)
    fresh = store.load("telegram", "42")
    assert fresh == ConversationState("telegram", "42", last_activity=fresh.last_activity)
    when = dt.datetime(2026, 11, 24, 1, 2, 3, tzinfo=dt.UTC)
    state = ConversationState("telegram", "42", lang="en", country="TW", last_entry="gaji-taiwan",
                              options=["a", "b"], fallbacks=1, handoff_id=7, pending="hapus", window_start=when,
                              window_count=3, throttled=True, last_activity=when, extra={"voted": "x"})
    store.save(state)
    assert store.load("telegram", "42") == state
    state.country = None
    store.save(state)
    assert SqlStateStore(engine).load("telegram", "42").country is None
    assert store.load("whatsapp", "42").lang is None


def test_odd_user_ids_are_stored_under_a_digest(engine: Engine) -> None:
    store = SqlStateStore(engine)
    for user_id in ("x" * 500, "nul\x00id", "😀" * 30):
        state = store.load("cli", user_id)
        state.lang = "en"
        store.save(state)
        assert store.load("cli", user_id).lang == "en"
    assert storage_key("x" * 500) != storage_key("x" * 501)
    assert storage_key("628123") == "628123"


def test_delete_forgets_the_user(engine: Engine) -> None:
    store = SqlStateStore(engine)
    state = store.load("cli", "u")
    state.lang = "en"
    store.save(state)
    store.delete("cli", "u")
    assert store.load("cli", "u").lang is None
    store.delete("cli", "u")


def test_memory_store_hands_out_copies() -> None:
    store = MemoryStateStore()
    state = store.load("cli", "u")
    state.options.append("x")
    assert store.load("cli", "u").options == []
    store.save(state)
    store.delete("cli", "u")
    assert store.load("cli", "u").options == []
