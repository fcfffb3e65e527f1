"""Staff replies (issue 19, finding 5): idempotency keys belong to one ticket; a claimed ticket is its officer's."""

from __future__ import annotations

from tests.bot.handoff.conftest import STAFF_CHAT, Desk, auth, new_id, token_for, wait_for


def _ticket(desk: Desk) -> int:
    user = new_id()
    desk.tg_say(user, "/petugas")
    return desk.ticket_of("telegram", str(user)).id


def test_an_idempotency_key_reused_on_another_ticket_is_refused(desk: Desk) -> None:
    first, second = _ticket(desk), _ticket(desk)
    key = {"Idempotency-Key": "reply-1"}
    assert desk.api("POST", f"/handoffs/{first}/messages", json={"text": "untuk tiket satu"}, headers=key
                    ).status_code == 201
    again = desk.api("POST", f"/handoffs/{first}/messages", json={"text": "untuk tiket satu"}, headers=key)
    assert again.status_code == 201  # a retry of the same request: recorded once
    reused = desk.api("POST", f"/handoffs/{second}/messages", json={"text": "untuk tiket dua"}, headers=key)
    assert reused.status_code == 409 and "Idempotency-Key" in reused.json()["detail"]
    lines = [line.text for line in desk.lines(second) if line.sender == "staff"]
    assert lines == []


def test_only_the_claiming_officer_or_an_admin_may_reply_or_close(desk: Desk) -> None:
    ticket = _ticket(desk)
    other = auth(token_for(desk.engine, "staff-2"))
    # An unclaimed ticket is claimed by the first reply.
    assert desk.api("POST", f"/handoffs/{ticket}/messages", json={"text": "saya bantu"}).status_code == 201
    assert desk.api("GET", f"/handoffs/{ticket}").json()["claimed_by"] == "staff-1"

    refused = desk.api("POST", f"/handoffs/{ticket}/messages", json={"text": "saya juga"}, headers=other)
    assert refused.status_code == 403 and "claimed by staff-1" in refused.json()["detail"]
    closing = desk.api("POST", f"/handoffs/{ticket}/close", json={}, headers=other)
    assert closing.status_code == 403 and "claimed by staff-1" in closing.json()["detail"]
    assert desk.api("GET", f"/handoffs/{ticket}").json()["status"] == "active"

    admin = auth(token_for(desk.engine, "admin-1", "admin"))
    assert desk.api("POST", f"/handoffs/{ticket}/messages", json={"text": "dari admin"}, headers=admin
                    ).status_code == 201
    assert desk.api("POST", f"/handoffs/{ticket}/close", json={}, headers=admin).status_code == 200


def test_the_staff_group_follows_the_same_rules(desk: Desk) -> None:
    ticket = _ticket(desk)
    assert desk.api("POST", f"/handoffs/{ticket}/claim").status_code == 200  # staff-1 has it
    post = desk.post_of(ticket, kind="opened")
    desk.staff_says("saya ambil alih", reply_to=post, username="sari_petugas")
    desk.staff_says("/tutup", reply_to=post, username="sari_petugas")
    refusals = wait_for(lambda: [t for t in desk.texts_to(STAFF_CHAT) if t.startswith(f"#{ticket} ") and
                                 "claimed by staff-1" in t], timeout=5)
    assert len(refusals) == 2
    assert not any(line.sender == "staff" for line in desk.lines(ticket))
    assert desk.api("GET", f"/handoffs/{ticket}").json()["status"] == "active"
