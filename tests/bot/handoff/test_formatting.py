"""User and staff words in a handoff are plain text: escaped in Telegram's HTML, never styled."""

from __future__ import annotations

from tests.bot.handoff.conftest import STAFF_CHAT, Desk, new_id, wait_for


def sent_to(desk: Desk, chat: int, needle: str) -> list[dict[str, str]]:
    return [c.params for c in desk.tg.calls_to("sendMessage") if int(c.params["chat_id"]) == chat
            and needle in c.params["text"]]


def test_user_and_staff_words_reach_telegram_escaped(desk: Desk) -> None:
    user = new_id()
    desk.tg_press(user, "handoff")
    ticket = desk.ticket_of("telegram", str(user))
    desk.tg_say(user, "<b>gaji</b> 5 < 6 & *penting*")

    [post] = wait_for(lambda: sent_to(desk, STAFF_CHAT, "&lt;b&gt;gaji"))
    assert post["parse_mode"] == "HTML"
    assert "&lt;b&gt;gaji&lt;/b&gt; 5 &lt; 6 &amp; *penting*" in post["text"]

    sent = desk.api("POST", f"/handoffs/{ticket.id}/messages", json={"text": "Biaya <Rp1.000 & *tanpa* _calo_"})
    assert sent.status_code == 201, sent.text
    [reply] = wait_for(lambda: sent_to(desk, user, "Biaya"))
    assert reply["parse_mode"] == "HTML"
    assert reply["text"].endswith("\nBiaya &lt;Rp1.000 &amp; *tanpa* _calo_")
