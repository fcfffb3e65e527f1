"""Timeouts, and two app instances on one database: nothing delivered twice, no user message lost."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from tests.bot.handoff.conftest import (
    STAFF_CHAT,
    TG_HEADERS,
    group_update,
    new_id,
    running_desk,
    token_for,
    wait_for,
)
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.telegram_api import FakeTelegramAPI, message_update


def test_waiting_tickets_are_reminded_and_idle_ones_closed(db_url: str, engine: Engine,
                                                          fakes: tuple[FakeTelegramAPI, FakeGraphAPI]) -> None:
    tg, wa = fakes
    with running_desk(db_url, engine, tg, wa, handoff_remind_minutes=0.003, handoff_idle_close_minutes=0.01) as desk:
        user = new_id()
        desk.tg_say(user, "petugas")
        ticket = desk.ticket_of("telegram", str(user))
        wait_for(lambda: any(t.startswith(f"#{ticket.id} ⏰") for t in desk.texts_to(STAFF_CHAT)))
        assert desk.ticket_of("telegram", str(user)).status == "waiting"  # waiting tickets are never closed as idle
        assert desk.api("POST", f"/handoffs/{ticket.id}/claim").status_code == 200
        wait_for(lambda: any("lama tidak ada pesan" in t for t in desk.texts_to(user)))
        closed = desk.ticket_of("telegram", str(user))
        assert (closed.status, closed.closed_by) == ("closed", "system")
        assert sum("lama tidak ada pesan" in t for t in desk.texts_to(user)) == 1


def _deliver(client: httpx.Client, update: dict[str, Any]) -> int:
    """Post an update the way Telegram does: again after a 5xx, until it is acknowledged."""
    for _attempt in range(100):
        status = client.post("/webhooks/telegram", json=update, headers=TG_HEADERS).status_code
        if status == 200:
            return status
        time.sleep(0.05)
    raise AssertionError("never acknowledged")


def test_two_workers_never_lose_a_user_message_nor_deliver_a_reply_twice(
        db_url: str, engine: Engine, fakes: tuple[FakeTelegramAPI, FakeGraphAPI]) -> None:
    tg, wa = fakes
    token = token_for(engine, "admin-1", "admin")  # the group's @budi_petugas claims it; an admin may reply too
    with running_desk(db_url, engine, tg, wa, token=token) as a, running_desk(db_url, engine, tg, wa, token=token) as b:
        user = new_id()
        a.tg_say(user, "petugas")
        ticket = a.ticket_of("telegram", str(user))
        # Each message goes to one worker and its redelivery to the other, at the same moment.
        texts = [f"pesan nomor {i}" for i in range(8)]
        updates = [message_update(new_id(), text, user_id=user) for text in texts]
        with ThreadPoolExecutor(max_workers=4) as pool:
            jobs = [pool.submit(_deliver, client.client, update)
                    for update in updates for client in ((a, b) if updates.index(update) % 2 else (b, a))]
            assert all(job.result() == 200 for job in jobs)
        user_lines = [line.text for line in a.lines(ticket.id) if line.sender == "user" and line.kind == "text"]
        assert sorted(user_lines) == sorted(texts)

        # The staff group's reply reaches both workers at once; the user gets it once.
        post = a.post_of(ticket.id, text=texts[0])
        reply = group_update(new_id(), "Balasan dari grup", reply_to=post, username="budi_petugas")
        with ThreadPoolExecutor(max_workers=2) as pool:
            assert all(j.result() == 200 for j in [pool.submit(_deliver, d.client, reply) for d in (a, b)])

        # The same API request (one Idempotency-Key) sent to both workers: recorded and delivered once.
        def api_reply(desk: Any, text: str, key: str | None) -> int:
            headers = {"Idempotency-Key": key} if key else {}
            return desk.api("POST", f"/handoffs/{ticket.id}/messages", json={"text": text}, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            jobs = [pool.submit(api_reply, d, "Satu kali saja", "key-1") for d in (a, b)]
            jobs += [pool.submit(api_reply, (a, b)[i % 2], f"Balasan API {i}", None) for i in range(4)]
            assert all(j.result() == 201 for j in jobs)

        expected = ["Balasan dari grup", "Satu kali saja", *(f"Balasan API {i}" for i in range(4))]
        wait_for(lambda: all(any(e in t for t in a.texts_to(user)) for e in expected))
        time.sleep(0.5)  # both delivery loops have had several passes
        for text in expected:
            assert sum(text in t for t in a.texts_to(user)) == 1, text
        staff_lines = [line for line in a.lines(ticket.id) if line.sender == "staff"]
        assert sorted(line.text for line in staff_lines) == sorted(expected)
        assert all(line.delivered for line in staff_lines)
        # Every user line was posted in the staff group exactly once.
        for text in texts:
            assert sum(t.endswith(f"\n{text}") for t in a.texts_to(STAFF_CHAT)) == 1, text
