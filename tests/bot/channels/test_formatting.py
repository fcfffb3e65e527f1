"""Formatting per platform: the neutral markup as Telegram HTML (everything else escaped), as WhatsApp's
markers, and as plain text in the terminal; Telegram through the real PTB and the fake Bot API."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from bot.channels.console import run_interactive
from bot.channels.telegram import MAX_MESSAGE_UNITS, message_parts, render_html
from bot.channels.text import utf16_units
from bot.channels.whatsapp import render_text, render_turn
from bot.markup import escape
from bot.messages import Button, IncomingMessage, Reply, Turn
from tests.fakes.loopback import serve_in_thread
from tests.fakes.telegram_api import FakeTelegramAPI, message_update

TOKEN = "123456:FORMAT-token_abc"
SECRET = "format-Webhook_secret"
LITERAL_BOLD = re.compile(r"\*[^\s*][^*\n]*\*")  # what Telegram would show as asterisks around a word


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI().serve() as api:
        yield api


def test_telegram_shows_content_markup_as_html_never_as_asterisks(db_url: str, fake: FakeTelegramAPI) -> None:
    fake.reset()
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=TOKEN,  # type: ignore[call-arg]
                        telegram_webhook_secret=SECRET, telegram_api_base_url=fake.base_url,
                        telegram_mode="webhook")
    with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as client:
        for n, text in enumerate(["nomor pengaduan kp2mi", "saya dipukul majikan, tolong"]):
            response = client.post("/webhooks/telegram", json=message_update(n + 1, text, user_id=9_300_001 + n),
                                   headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert response.status_code == 200, response.text

    sends = fake.calls_to("sendMessage")
    assert len(sends) >= 2
    for call in sends:
        assert call.params.get("parse_mode") == "HTML", call.params
        assert not LITERAL_BOLD.search(call.params["text"]), call.params["text"]
    assert all("<b>0800-1000</b>" in c.params["text"] or "<b>+62 812 9007 0027</b>" in c.params["text"]
               for c in sends[:1])


def test_telegram_html_escapes_every_character_of_plain_text() -> None:
    said = "<b>harga</b> 5 < 6 & *bukan tebal*"
    html = render_html(f"*Pesan:* {escape(said)}")
    assert html == "<b>Pesan:</b> &lt;b&gt;harga&lt;/b&gt; 5 &lt; 6 &amp; *bukan tebal*"
    assert render_html('[situs](https://x.org/?a=1&b="2")') == '<a href="https://x.org/?a=1&amp;b=&quot;2&quot;">situs</a>'


def test_telegram_splits_a_long_marked_up_text_without_breaking_a_tag() -> None:
    paragraph = ("Gaji *minimum* & hak <PMI> di Taiwan diatur dalam _kontrak_ kerja. " * 14).strip()
    parts = message_parts("\n\n".join([paragraph] * 5))
    assert len(parts) > 1
    for part in parts:
        assert part.count("<b>") == part.count("</b>") and part.count("<i>") == part.count("</i>")
        visible = re.sub(r"<[^>]+>", "", part).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert utf16_units(visible) <= MAX_MESSAGE_UNITS


def test_whatsapp_uses_its_own_markers_and_writes_links_out() -> None:
    assert render_text("Telepon *0800-1000* _gratis_ — [KP2MI](https://kp2mi.go.id)\n- satu") == (
        "Telepon *0800-1000* _gratis_ — KP2MI (https://kp2mi.go.id)\n• satu")
    rendered = render_turn([Reply("Pilih *negara*:", (Button("Taiwan", "country:TW"), Button("Korea", "country:KR")))])
    assert rendered.messages[0]["interactive"]["body"]["text"] == "Pilih *negara*:"
    said = "*a* _b_ \\ [x]"
    [message] = render_turn([Reply("Petugas: " + escape(said))]).messages
    assert message["text"]["body"] == "Petugas: " + said  # WhatsApp has no escape: shown as typed


class _Chat:
    """A stand-in conversation core for the terminal: one marked-up answer with a choice."""

    settings: Any = type("S", (), {"default_language": "id"})()

    def handle(self, msg: IncomingMessage) -> Turn:
        return Turn("answer", (Reply("Hubungi *0800-1000* _gratis_.\n- 24 jam", (Button("🏠 Menu", "menu"),)),))


def test_the_terminal_shows_plain_text_without_markers() -> None:
    out = io.StringIO()
    run_interactive(_Chat(), user="u", lang="id", stdin=io.StringIO(""), stdout=out)
    assert "Hubungi 0800-1000 gratis.\n• 24 jam" in out.getvalue()
    assert "*" not in out.getvalue() and "_" not in out.getvalue()
