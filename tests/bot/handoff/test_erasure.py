"""/hapus in every state, a conversation with an officer included (issue 19, finding 1)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.models import ConversationRow
from bot.privacy import user_has_data
from tests.bot.handoff.conftest import STAFF_CHAT, Desk, new_id, wait_for


def _state_rows(desk: Desk, channel: str, user: str) -> int:
    with Session(desk.engine) as session:
        return len(session.exec(select(ConversationRow).where(ConversationRow.channel == channel,
                                                              ConversationRow.user_id == user)).all())


def _assert_erased(desk: Desk, channel: str, user: str, ticket_id: int, words: str) -> None:
    assert _state_rows(desk, channel, user) == 0
    left = user_has_data(desk.engine, channel, user)
    assert not any(left.values()), {table: n for table, n in left.items() if n}
    detail = desk.api("GET", f"/handoffs/{ticket_id}").json()
    assert detail["status"] == "closed" and detail["user_id"] == ""
    assert [m["kind"] for m in detail["messages"]] == ["closed-erased"]
    assert words not in str(detail)
    wait_for(lambda: any(t.startswith(f"#{ticket_id} 🗑️") for t in desk.texts_to(STAFF_CHAT)))


def test_hapus_during_an_active_handoff_closes_the_ticket_tells_staff_and_erases(desk: Desk) -> None:
    user = new_id()
    desk.tg_say(user, "/petugas")
    desk.tg_say(user, "nama saya Sekar, paspor saya ditahan agen")
    ticket = desk.ticket_of("telegram", str(user))
    sent = desk.api("POST", f"/handoffs/{ticket.id}/messages", json={"text": "Halo, saya petugas."})
    assert sent.status_code == 201
    wait_for(lambda: any("Halo, saya petugas." in t for t in desk.texts_to(user)))

    before = len(desk.texts_to(user))
    desk.tg_say(user, "/hapus")  # with a staff reply already sent, it still answers
    asked = desk.texts_to(user)[before:]
    assert len(asked) == 1 and "hapus" in asked[0].lower()
    assert all(line.text != "/hapus" for line in desk.lines(ticket.id)), "the command went to the officers"

    before = len(desk.texts_to(user))
    desk.tg_press(user, "hapus:ya")
    done = desk.texts_to(user)[before:]
    assert len(done) == 1 and "Yang dihapus" in done[0] and "tetap disimpan" in done[0]
    _assert_erased(desk, "telegram", str(user), ticket.id, "Sekar")

    # The bot answers normally afterwards, and the old ticket is not reopened.
    before = len(desk.texts_to(user))
    desk.tg_say(user, "gaji taiwan berapa")
    assert any("NT$" in t or "Taiwan" in t for t in desk.texts_to(user)[before:])


def test_hapus_while_waiting_confirmed_by_typing_ya(desk: Desk) -> None:
    user = new_id()
    desk.tg_say(user, "mau bicara dengan petugas")
    ticket = desk.ticket_of("telegram", str(user))
    desk.tg_say(user, "/hapus")
    before = len(desk.texts_to(user))
    desk.tg_say(user, "ya")
    assert "Yang dihapus" in desk.texts_to(user)[before:][0]
    _assert_erased(desk, "telegram", str(user), ticket.id, "mau bicara")


def test_hapus_during_a_whatsapp_handoff(desk: Desk) -> None:
    user = "6281299900077"
    desk.wa_say(user, "petugas")
    desk.wa_say(user, "rekening saya 1234 5678 9012")
    ticket = desk.ticket_of("whatsapp", user)
    desk.api("POST", f"/handoffs/{ticket.id}/messages", json={"text": "Halo dari petugas"})
    wait_for(lambda: any("Halo dari petugas" in t for t in desk.wa_texts_to(user)))
    before = len(desk.wa_texts_to(user))
    desk.wa_say(user, "/hapus")
    assert len(desk.wa_texts_to(user)) == before + 1
    desk.wa_say(user, "ya")
    assert "Yang dihapus" in desk.wa_texts_to(user)[-1]
    _assert_erased(desk, "whatsapp", user, ticket.id, "1234 5678")
