"""The WhatsApp adapter's pure parts: signature, parsing, rendering within limits, and the client's retries."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from bot.channels.base import split_text as split
from bot.channels.text import utf16_units
from bot.channels.whatsapp import (
    BadSignature,
    GraphClient,
    MissingSignature,
    RetryPolicy,
    SendError,
    Strings,
    clip,
    incoming_from,
    parse_update,
    render_turn,
    signature_of,
    verify_signature,
    verify_token_matches,
)
from bot.messages import Button, Reply

SECRET = "app-secret"


def split_text(text: str) -> list[str]:
    return split(text, 4096)


def buttons(count: int, label: str = "Pilihan nomor {n}") -> tuple[Button, ...]:
    return tuple(Button(label.format(n=n), f"entry:e{n}") for n in range(1, count + 1))


# --- signature ------------------------------------------------------------------------------------


def test_a_known_good_signature_verifies_and_a_tampered_body_does_not() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}'
    header = signature_of(SECRET, body)
    verify_signature(SECRET, body, header)
    verify_signature(SECRET, body, header.upper().replace("SHA256=", "sha256="))  # hex case does not matter
    with pytest.raises(BadSignature):
        verify_signature(SECRET, body.replace(b'"1"', b'"2"'), header)
    with pytest.raises(BadSignature):
        verify_signature("other-secret", body, header)
    with pytest.raises(MissingSignature):
        verify_signature(SECRET, body, None)


def test_the_verify_token_needs_subscribe_mode_and_the_exact_token() -> None:
    assert verify_token_matches("tok", "subscribe", "tok")
    assert not verify_token_matches("tok", "subscribe", "tok ")
    assert not verify_token_matches("tok", "unsubscribe", "tok")
    assert not verify_token_matches("tok", None, None)
    assert not verify_token_matches("tok", "subscribe", "tök")


# --- parsing --------------------------------------------------------------------------------------


def test_every_message_of_every_entry_and_change_is_parsed_and_statuses_are_skipped() -> None:
    def value(*messages: dict[str, Any]) -> dict[str, Any]:
        return {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": list(messages)}}

    payload = {"entry": [
        {"changes": [value({"from": "1", "id": "w1", "type": "text", "text": {"body": "halo"}}),
                     {"field": "messages", "value": {"statuses": [{"id": "w0", "status": "read"}]}}]},
        {"changes": [value(
            {"from": "2", "id": "w2", "type": "interactive",
             "interactive": {"type": "button_reply", "button_reply": {"id": "menu", "title": "Menu"}}},
            {"from": "2", "id": "w3", "type": "interactive",
             "interactive": {"type": "list_reply", "list_reply": {"id": "country:HK", "title": "Hong Kong"}}},
            {"from": "2", "id": "w4", "type": "sticker", "sticker": {"id": "9"}},
            {"from": "2", "id": "w5", "type": "reaction", "reaction": {"message_id": "w1", "emoji": "👍"}},
            {"from": "2", "id": "w6", "type": "button", "button": {"payload": "x", "text": "Ya"}},
            {"id": "w7", "type": "text", "text": {"body": "no sender"}},
        )]},
    ]}
    parsed = parse_update(payload)
    assert [(m.wamid, m.kind, m.text, m.button) for m in parsed] == [
        ("w1", "text", "halo", None),
        ("w2", "button", None, "menu"),
        ("w3", "button", None, "country:HK"),
        ("w4", "unsupported", None, None),
        ("w6", "text", "Ya", None),
        ("", "rejected", "from", None),  # no sender: acknowledged and counted, never answered
    ]


@pytest.mark.parametrize("payload", [None, [], "x", {"entry": "x"}, {"entry": [{"changes": [{"value": []}]}]}])
def test_odd_shapes_parse_to_nothing(payload: Any) -> None:
    assert parse_update(payload) == []


def test_a_bare_number_picks_from_the_numbered_choices() -> None:
    [inbound] = parse_update({"entry": [{"changes": [{"value": {"messages": [
        {"from": "1", "id": "w1", "type": "text", "text": {"body": " 2. "}}]}}]}]})
    assert incoming_from(inbound, ("entry:a", "entry:b")).button == "entry:b"
    assert incoming_from(inbound, ("entry:a",)).text == " 2. "  # out of range: the core sees the text
    assert incoming_from(inbound, ()).text == " 2. "


# --- rendering ------------------------------------------------------------------------------------


def test_up_to_three_buttons_become_reply_buttons_with_clipped_unique_titles() -> None:
    reply = Reply("Maksud Anda?", buttons(3, "{n}) Bagaimana cara membuat paspor?"))
    [message] = render_turn([reply]).messages
    action = message["interactive"]["action"]
    assert message["interactive"]["type"] == "button"
    titles = [b["reply"]["title"] for b in action["buttons"]]
    assert all(utf16_units(t) <= 20 for t in titles)
    assert titles[0].endswith("…")
    assert [b["reply"]["id"] for b in action["buttons"]] == ["entry:e1", "entry:e2", "entry:e3"]


def test_titles_that_collide_when_clipped_move_to_a_list_with_descriptions() -> None:
    cities = ("Jakarta Pusat", "Surabaya Timur", "Medan Kota")
    reply = Reply("Pilih:", tuple(Button(f"Biaya paspor kantor {c}", f"entry:{n}") for n, c in enumerate(cities)))
    [message] = render_turn([reply]).messages
    assert message["interactive"]["type"] == "list"
    rows = message["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == ["Biaya paspor kantor Jak…", "Biaya paspor kantor Sur…",
                                          "Biaya paspor kantor Med…"]
    assert [r["description"] for r in rows] == [f"Biaya paspor kantor {c}" for c in cities]


def test_titles_that_collide_even_in_a_list_become_numbered_lines() -> None:
    reply = Reply("Pilih:", buttons(4, "Berapa biaya pembuatan paspor nomor {n}"))
    rendered = render_turn([reply])
    assert [m["type"] for m in rendered.messages] == ["text"]
    assert "4. Berapa biaya pembuatan paspor nomor 4" in rendered.messages[0]["text"]["body"]
    assert rendered.choices == ("entry:e1", "entry:e2", "entry:e3", "entry:e4")


def test_four_to_ten_buttons_become_one_list() -> None:
    rendered = render_turn([Reply("Menu utama", buttons(7, "{n} 🌏 Negara tujuan dan pilihan lain"))],
                           Strings("Pilih", "Pilihan", "Silakan pilih:", "Balas dengan nomor."))
    [message] = rendered.messages
    action = message["interactive"]["action"]
    assert action["button"] == "Pilih"
    assert action["sections"][0]["title"] == "Pilihan"
    rows = action["sections"][0]["rows"]
    assert len(rows) == 7
    assert rows[0]["description"] == "1 🌏 Negara tujuan dan pilihan lain"
    assert all(utf16_units(r["title"]) <= 24 for r in rows)
    assert rendered.choices == ()


def test_more_than_ten_choices_become_numbered_lines_the_user_answers_by_number() -> None:
    rendered = render_turn([Reply("Pilih negara:", buttons(12, "Negara {n}"))])
    assert [m["type"] for m in rendered.messages] == ["text"]
    text = rendered.messages[0]["text"]["body"]
    assert text.startswith("Pilih negara:\n\n1. Negara 1\n2. Negara 2")
    assert "12. Negara 12" in text
    assert rendered.choices == tuple(f"entry:e{n}" for n in range(1, 13))


def test_a_clarify_text_already_numbered_by_the_core_is_not_numbered_twice() -> None:
    labels = [f"Pertanyaan yang sama panjangnya nomor {n}" for n in range(1, 12)]
    text = "Maksud Anda:\n" + "\n".join(f"{n}) {label}" for n, label in enumerate(labels, start=1))
    reply = Reply(text, tuple(Button(label, f"entry:e{n}") for n, label in enumerate(labels, start=1)))
    rendered = render_turn([reply])
    body = rendered.messages[0]["text"]["body"]
    assert body.count("Pertanyaan yang sama panjangnya nomor 1\n") == 1
    assert len(rendered.choices or ()) == 11


def test_an_answer_and_its_feedback_question_go_out_as_one_message() -> None:
    answer = Reply("Gaji minimum HK$5.100 per bulan.", (Button("Hak PRT", "entry:hak"), Button("🏠 Menu", "menu")))
    feedback = Reply("Apakah jawaban ini membantu?", (Button("👍 Ya", "fb:x:1"), Button("👎 Tidak", "fb:x:0")))
    [message] = render_turn([answer, feedback]).messages
    assert message["interactive"]["type"] == "list"
    assert message["interactive"]["body"]["text"] == (
        "Gaji minimum HK$5.100 per bulan.\n\nApakah jawaban ini membantu?")
    assert [r["id"] for r in message["interactive"]["action"]["sections"][0]["rows"]] == [
        "entry:hak", "menu", "fb:x:1", "fb:x:0"]


def test_a_long_answer_goes_first_as_text_then_a_short_message_with_the_choices() -> None:
    long_answer = Reply("Paragraf panjang. " * 80, (Button("🏠 Menu", "menu"),))
    feedback = Reply("Apakah jawaban ini membantu?", (Button("👍 Ya", "fb:x:1"), Button("👎 Tidak", "fb:x:0")))
    messages = render_turn([long_answer, feedback]).messages
    assert [m["type"] for m in messages] == ["text", "interactive"]
    assert messages[0]["text"]["body"] == long_answer.text.strip()
    assert messages[1]["interactive"]["body"]["text"] == "Apakah jawaban ini membantu?"
    assert messages[1]["interactive"]["type"] == "button"
    only = render_turn([long_answer], Strings(prompt="Silakan pilih:")).messages
    assert only[1]["interactive"]["body"]["text"] == "Silakan pilih:"


def test_a_turn_without_buttons_keeps_the_previous_choices() -> None:
    assert render_turn([Reply("Mohon tunggu sebentar.")]).choices is None
    assert render_turn([]).messages == ()


def test_long_text_is_split_at_paragraph_boundaries_within_4096() -> None:
    paragraphs = [f"Paragraf {n}: " + "kata " * 150 for n in range(12)]
    text = "\n\n".join(paragraphs)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(utf16_units(p) <= 4096 for p in pieces)
    assert all(p.startswith("Paragraf") for p in pieces)  # every piece starts at a paragraph
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_text_without_any_boundary_is_still_cut_within_the_limit() -> None:
    pieces = split_text("😊" * 3000)
    assert all(utf16_units(p) <= 4096 for p in pieces)
    assert "".join(pieces) == "😊" * 3000


def test_clip_counts_emoji_conservatively_and_adds_an_ellipsis() -> None:
    assert clip("🌏 Negara tujuan", 20) == "🌏 Negara tujuan"
    clipped = clip("😊" * 30, 20)
    assert utf16_units(clipped) <= 20 and clipped.endswith("…")
    assert clip("  a   b  ", 20) == "a b"


# --- the Graph API client -------------------------------------------------------------------------


def graph_error(code: int, status: int = 400) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": "x", "type": "OAuthException", "code": code}})


def run_client(answers: list[httpx.Response], *, attempts: int = 4) -> tuple[list[dict[str, Any]], list[float],
                                                                            Any]:
    seen: list[dict[str, Any]] = []
    delays: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer tok"
        assert request.url.path == "/v21.0/42/messages"
        seen.append(json.loads(request.content))
        return answers.pop(0) if answers else httpx.Response(200, json={"messages": [{"id": "wamid.ok"}]})

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    async def main() -> Any:
        async with GraphClient(base_url="https://graph.test/v21.0/", phone_number_id="42", access_token="tok",
                               retry=RetryPolicy(attempts=attempts, base_delay=1.0, max_delay=3.0),
                               transport=httpx.MockTransport(handler), sleep=sleep) as client:
            try:
                return await client.send("628", {"type": "text", "text": {"body": "hi"}})
            except SendError as error:
                return error

    return seen, delays, asyncio.run(main())


def test_throttling_is_retried_with_growing_bounded_delays() -> None:
    seen, delays, result = run_client([graph_error(130429), graph_error(80007), graph_error(4, 500)])
    assert result == {"messages": [{"id": "wamid.ok"}]}
    assert len(seen) == 4 and seen[0] == seen[3]
    assert seen[0]["to"] == "628" and seen[0]["messaging_product"] == "whatsapp"
    assert 0.5 <= delays[0] <= 1.0 and 1.0 <= delays[1] <= 2.0 and 1.5 <= delays[2] <= 3.0


def test_outside_the_window_is_not_retried() -> None:
    seen, delays, result = run_client([graph_error(131047)])
    assert isinstance(result, SendError) and result.code == "131047" and result.attempts == 1
    assert len(seen) == 1 and delays == []


def test_what_keeps_failing_gives_up_after_the_configured_attempts() -> None:
    seen, _delays, result = run_client([httpx.Response(502, text="bad gateway")] * 5, attempts=3)
    assert isinstance(result, SendError) and result.code == "http_502" and result.attempts == 3
    assert len(seen) == 3
