"""Human handoff end to end: real PTB against the fake Bot API, WhatsApp against the fake Graph API, the
app under uvicorn, staff through the admin API and through replies in the staff group."""

from __future__ import annotations

from sqlmodel import Session, select

from knowledge.models import AuditRow
from tests.bot.handoff.conftest import STAFF_CHAT, Desk, auth, new_id, token_for, wait_for

QUESTION = "berapa gaji minimum di taiwan"


def test_a_telegram_user_reaches_a_person_and_comes_back_to_the_bot(desk: Desk) -> None:
    user = new_id()
    desk.tg_say(user, "halo")
    desk.tg_say(user, "saya mau bicara dengan petugas")
    told = desk.texts_to(user)[-1]
    assert "petugas" in told.lower() and "antrean" in told.lower()
    # The staff group hears of the new ticket, with the conversation before it.
    ticket = desk.ticket_of("telegram", str(user))
    announcement = wait_for(lambda: [t for t in desk.texts_to(STAFF_CHAT) if t.startswith(f"#{ticket.id} ")])[0]
    assert "halo" in announcement
    queue = desk.api("GET", "/handoffs", params={"status": "waiting"}).json()
    assert [t["id"] for t in queue["data"]] == [ticket.id] and queue["data"][0]["waiting_seconds"] >= 0

    # While the ticket is open the bot does not answer questions: they go into the transcript and the group.
    before = len(desk.texts_to(user))
    desk.tg_say(user, QUESTION)
    replies = desk.texts_to(user)[before:]
    assert len(replies) == 1 and "diteruskan" in replies[0] and "NT$" not in replies[0]
    detail = desk.api("GET", f"/handoffs/{ticket.id}").json()
    assert [m["text"] for m in detail["messages"] if m["sender"] == "user"][-1] == QUESTION
    post = desk.post_of(ticket.id, text=QUESTION)
    assert any(QUESTION in t for t in desk.texts_to(STAFF_CHAT))

    # /klaim in reply to a post claims it.
    desk.staff_says("/klaim", reply_to=post)
    assert desk.ticket_of("telegram", str(user)).claimed_by == "@budi_petugas"

    # A staff reply through the API (by an admin: the ticket is @budi_petugas's) and one through a reply in the
    # group both reach the user.
    sent = desk.api("POST", f"/handoffs/{ticket.id}/messages", json={"text": "Halo, saya Budi dari BP3MI."},
                    headers=auth(token_for(desk.engine, "admin-1", "admin")))
    assert sent.status_code == 201, sent.text
    assert sent.json()["delivered"] is True
    wait_for(lambda: any("Halo, saya Budi dari BP3MI." in t for t in desk.texts_to(user)))
    desk.staff_says("Gaji minimum di Taiwan NT$28.590.", reply_to=post)
    wait_for(lambda: any("NT$28.590" in t for t in desk.texts_to(user)))

    # /tutup with a note closes it: the user is told, asked for feedback, and the bot answers again.
    desk.staff_says("/tutup semoga membantu", reply_to=post)
    closing = wait_for(lambda: [c for c in desk.tg.calls_to("sendMessage")
                                if int(c.params["chat_id"]) == user and "semoga membantu" in c.params["text"]])
    buttons = [b["callback_data"] for row in closing[0].json("reply_markup")["inline_keyboard"] for b in row]
    assert f"hfb:{ticket.id}:1" in buttons
    assert desk.ticket_of("telegram", str(user)).status == "closed"
    desk.tg_press(user, f"hfb:{ticket.id}:1")
    assert desk.ticket_of("telegram", str(user)).helpful is True
    before = len(desk.texts_to(user))
    desk.tg_say(user, QUESTION)
    assert any("NT$" in t or "Taiwan" in t for t in desk.texts_to(user)[before:])

    with Session(desk.engine) as session:
        actions = {(a.action, a.actor) for a in session.exec(select(AuditRow).where(
            AuditRow.target == f"handoff:{ticket.id}"))}
    assert {("handoff.claim", "@budi_petugas"), ("handoff.reply", "admin-1"), ("handoff.reply", "@budi_petugas"),
            ("handoff.close", "@budi_petugas")} <= actions


def test_closing_through_the_api_gives_the_user_back_to_the_bot(desk: Desk) -> None:
    user = new_id()
    desk.tg_press(user, "handoff")
    ticket = desk.ticket_of("telegram", str(user))
    assert desk.api("POST", f"/handoffs/{ticket.id}/claim").json()["status"] == "active"
    closed = desk.api("POST", f"/handoffs/{ticket.id}/close", json={"note": "Silakan datang ke LTSA."})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    wait_for(lambda: any("LTSA" in t for t in desk.texts_to(user)))
    assert desk.api("POST", f"/handoffs/{ticket.id}/close", json={}).status_code == 409
    assert desk.api("POST", f"/handoffs/{ticket.id}/messages", json={"text": "x"}).status_code == 409
    assert desk.api("GET", "/handoffs/999999").status_code == 404
    assert [t["id"] for t in desk.api("GET", "/handoffs", params={"status": "closed"}).json()["data"]] == [ticket.id]


def test_an_emergency_answers_at_once_and_heads_the_queue(desk: Desk) -> None:
    first, second = new_id(), new_id()
    desk.tg_say(first, "/petugas")
    desk.tg_say(second, "tolong saya dipukul majikan")
    reply = desk.texts_to(second)[-1]
    assert "0800-1000" in reply or "+62 812 9007 0027" in reply
    queue = desk.api("GET", "/handoffs").json()["data"]
    assert [(t["user_id"], t["priority"]) for t in queue] == [(str(second), "high"), (str(first), "normal")]
    wait_for(lambda: any("DARURAT" in t for t in desk.texts_to(STAFF_CHAT)))
    # Emergency words inside a normal ticket still bring the numbers and raise its priority.
    desk.tg_say(first, "saya dikurung majikan")
    assert "0800-1000" in desk.texts_to(first)[-1] or "+62 812" in desk.texts_to(first)[-1]
    assert desk.ticket_of("telegram", str(first)).priority == "high"


def test_an_emergency_without_a_country_asks_where_and_the_answer_reaches_the_officer(desk: Desk) -> None:
    user = new_id()
    desk.tg_say(user, "tolong, saya disekap agen")
    assert "negara mana" in desk.texts_to(user)[-1]
    desk.tg_say(user, "di hongkong")
    reply = desk.texts_to(user)[-1]
    assert "999" in "\n".join(reply.splitlines()[:2]) and "+852 6773 0466" in reply and "KDEI" not in reply
    ticket = desk.ticket_of("telegram", str(user))
    assert ticket.priority == "high"
    detail = desk.api("GET", f"/handoffs/{ticket.id}").json()
    assert [m["text"] for m in detail["messages"] if m["sender"] == "user"][-1] == "di hongkong"


def test_a_user_typing_fast_to_the_officers_loses_no_message(desk: Desk) -> None:
    """Over the flood limit inside a handoff, every message still reaches the transcript; the bot goes quiet."""
    user = new_id()
    desk.tg_say(user, "saya mau bicara dengan petugas")
    ticket = desk.ticket_of("telegram", str(user))
    lines = [f"pesan nomor {n} untuk petugas" for n in range(30)]  # past the flood rule's burst of 20
    before = len(desk.texts_to(user))

    for line in lines:
        assert desk.tg_say(user, line).status_code == 200

    detail = desk.api("GET", f"/handoffs/{ticket.id}").json()
    assert [m["text"] for m in detail["messages"] if m["sender"] == "user"][-30:] == lines
    notices = desk.texts_to(user)[before:]
    assert len(notices) < len(lines), "past the limit the bot stops repeating its queue notice"
    assert all("diteruskan" in t for t in notices) and not any("tunggu" in t.lower() for t in notices)


def test_batal_leaves_the_queue(desk: Desk) -> None:
    user = new_id()
    desk.tg_say(user, "petugas")
    ticket = desk.ticket_of("telegram", str(user))
    desk.tg_say(user, "/batal")
    assert desk.ticket_of("telegram", str(user)).status == "closed"
    assert desk.api("GET", "/handoffs").json()["count"] == 0
    wait_for(lambda: any(t.startswith(f"#{ticket.id} ↩️") for t in desk.texts_to(STAFF_CHAT)))
    before = len(desk.texts_to(user))
    desk.tg_say(user, QUESTION)
    assert any("NT$" in t or "Taiwan" in t for t in desk.texts_to(user)[before:])


def test_a_whatsapp_user_is_handed_off_the_same_way(desk: Desk) -> None:
    user = "6281234500001"
    desk.wa_say(user, "petugas")
    assert any("antrean" in t.lower() for t in desk.wa_texts_to(user))
    ticket = desk.ticket_of("whatsapp", user)
    wait_for(lambda: any(t.startswith(f"#{ticket.id} ") and "whatsapp" in t for t in desk.texts_to(STAFF_CHAT)))
    desk.wa_say(user, QUESTION)
    post = desk.post_of(ticket.id, text=QUESTION)
    desk.staff_says("Balasan lewat grup", reply_to=post)  # the first reply claims the ticket for @budi_petugas
    wait_for(lambda: any("Balasan lewat grup" in t for t in desk.wa_texts_to(user)))
    sent = desk.api("POST", f"/handoffs/{ticket.id}/messages", json={"text": "Halo dari petugas API"},
                    headers=auth(token_for(desk.engine, "admin-1", "admin")))  # an admin may reply to any ticket
    assert sent.status_code == 201
    wait_for(lambda: any("Halo dari petugas API" in t for t in desk.wa_texts_to(user)))
    desk.staff_says("/tutup", reply_to=post)
    wait_for(lambda: any("menutup" in t for t in desk.wa_texts_to(user)))
    before = len(desk.wa_texts_to(user))
    desk.wa_say(user, QUESTION)
    assert any("NT$" in t or "Taiwan" in t for t in desk.wa_texts_to(user)[before:])


def test_staff_commands_outside_a_ticket_get_a_hint(desk: Desk) -> None:
    desk.staff_says("/klaim", reply_to=None)
    wait_for(lambda: any("/klaim" in t for t in desk.texts_to(STAFF_CHAT)))
    before = len(desk.texts_to(STAFF_CHAT))
    desk.staff_says("kopi siapa ini?", reply_to=None)  # staff talking among themselves: the bot stays quiet
    assert len(desk.texts_to(STAFF_CHAT)) == before


def test_the_api_is_for_staff(desk: Desk) -> None:
    assert desk.client.get("/api/v1/handoffs").status_code == 401
    schema = desk.client.get("/openapi.json").json()
    assert schema["paths"]["/api/v1/handoffs/{handoff_id}/messages"]["post"]["x-role"] == "staff"
