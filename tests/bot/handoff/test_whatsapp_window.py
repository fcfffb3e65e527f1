"""Staff replies on WhatsApp against the fake Graph API: the 24-hour window (template or refusal) and Meta's
`failed` status reaching the ticket, the staff group and the handoff API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session

from bot.channels.whatsapp import signature_of
from bot.channels.whatsapp_status import status_of
from bot.models import WhatsAppContactRow
from knowledge.db import make_engine
from knowledge.models import utcnow
from tests.bot.handoff.conftest import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    STAFF_CHAT,
    Desk,
    new_id,
    running_desk,
    wait_for,
)
from tests.conftest import Template, seeded_copy
from tests.fakes.graph_api import FakeGraphAPI, GraphCall, status_delivery
from tests.fakes.telegram_api import FakeTelegramAPI

TEMPLATE = "balasan_petugas_menunggu"


@pytest.fixture(scope="module")
def templated(template_db: Template, tmp_path_factory: pytest.TempPathFactory, telegram_fake: FakeTelegramAPI,
              graph_fake: FakeGraphAPI) -> Iterator[Desk]:
    """One app for the module with the reply template configured (each test has its own users)."""
    folder: Path = tmp_path_factory.mktemp("window")
    with seeded_copy(template_db, folder) as url:
        engine = make_engine(url)
        try:
            with running_desk(url, engine, telegram_fake, graph_fake, whatsapp_reply_template=TEMPLATE) as desk:
                yield desk
        finally:
            engine.dispose()


def wa_user() -> str:
    return f"62813{new_id():07d}"


def close_window(desk: Desk, user: str) -> None:
    """Make the user's last message 25 hours old, in our records and at the fake Meta."""
    with Session(desk.engine) as session:
        session.exec(update(WhatsAppContactRow).where(WhatsAppContactRow.user_id == user)  # type: ignore[call-overload,arg-type]
                     .values(last_inbound_at=utcnow() - dt.timedelta(hours=25)))
        session.commit()
    desk.wa.closed_windows.add(user)


def post_signed(desk: Desk, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    response = desk.client.post("/webhooks/whatsapp", content=body, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": signature_of(APP_SECRET, body)})
    assert response.status_code == 200, response.text


def sends_to(desk: Desk, user: str) -> list[GraphCall]:
    return [call for call in desk.wa.sent() if call.body.get("to") == user and call.wamid]


def open_ticket(desk: Desk, user: str) -> int:
    desk.wa_say(user, "saya mau bicara dengan petugas")
    ticket = desk.ticket_of("whatsapp", user)
    assert ticket.id is not None
    return ticket.id


def staff_lines(desk: Desk, ticket: int) -> list[str]:
    return [t for t in desk.texts_to(STAFF_CHAT) if t.startswith(f"#{ticket} ")]


def test_a_staff_reply_after_24_hours_goes_out_as_the_template(templated: Desk) -> None:
    desk, user = templated, wa_user()
    desk.wa.templates.add((TEMPLATE, "id"))
    ticket = open_ticket(desk, user)
    close_window(desk, user)

    sent = desk.api("POST", f"/handoffs/{ticket}/messages", json={"text": "Berkas Anda sudah kami periksa."})
    assert sent.status_code == 201, sent.text

    template = wait_for(lambda: [c for c in sends_to(desk, user) if c.body["type"] == "template"])[0]
    assert template.body["template"] == {"name": TEMPLATE, "language": {"code": "id"}}
    assert not any("Berkas Anda" in text for text in desk.wa_texts_to(user)), "only a template may go out now"
    wait_for(lambda: any("24" in t and "✉️" in t for t in staff_lines(desk, ticket)))

    # The user answers the template: the window is open again and the held reply arrives before anything else.
    desk.wa.closed_windows.discard(user)
    before = len(desk.wa_texts_to(user))
    desk.wa_say(user, "iya pak, bagaimana?")
    after = desk.wa_texts_to(user)[before:]
    assert after and "Berkas Anda sudah kami periksa." in after[0]


def test_a_staff_reply_after_24_hours_without_a_template_is_refused_before_sending(desk: Desk) -> None:
    user = wa_user()
    ticket = open_ticket(desk, user)
    post = desk.post_of(ticket, kind="opened")
    close_window(desk, user)
    before = len(sends_to(desk, user))

    refused = desk.api("POST", f"/handoffs/{ticket}/messages", json={"text": "Halo, ini petugas."})
    assert refused.status_code == 409
    assert "24 hours" in refused.json()["detail"] and "WHATSAPP_REPLY_TEMPLATE" in refused.json()["detail"]

    desk.staff_says("Halo, ini petugas lewat grup.", reply_to=post)
    notice = wait_for(lambda: [t for t in staff_lines(desk, ticket) if "⛔" in t])[0]
    assert "24" in notice
    assert len(sends_to(desk, user)) == before, "nothing was sent to the user"
    assert not [line for line in desk.lines(ticket) if line.sender == "staff"], "nothing was recorded as sent"


def test_a_failed_status_of_a_staff_reply_reaches_the_ticket(templated: Desk, graph_fake: FakeGraphAPI) -> None:
    desk, user = templated, wa_user()
    ticket = open_ticket(desk, user)
    assert desk.api("POST", f"/handoffs/{ticket}/messages", json={"text": "Silakan bawa fotokopi KTP."}).status_code == 201
    reply = wait_for(lambda: [c for c in sends_to(desk, user) if "fotokopi KTP" in json.dumps(c.body)])[0]
    assert desk.api("GET", f"/handoffs/{ticket}").json()["delivery_error"] is None
    assert wait_for(lambda: status_of(desk.engine, reply.wamid)) == ("accepted", None)  # recorded once sent

    # Meta accepted it, then could not deliver it (131026: message undeliverable).
    post_signed(desk, status_delivery(reply.wamid, "failed", user=user, code=131026, phone_number_id=PHONE_NUMBER_ID))

    detail = desk.api("GET", f"/handoffs/{ticket}").json()
    assert status_of(desk.engine, reply.wamid) == ("failed", "131026")
    assert detail["delivery_error"] == "131026"
    assert any(line["kind"] == "undelivered" and "131026" in line["text"] for line in detail["messages"])
    wait_for(lambda: any("⚠️" in t and "131026" in t for t in staff_lines(desk, ticket)))

