"""Thousands of hostile messages and button presses through the core: never an exception, always within limits."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import Conversation
from bot.messages import DECISIONS, IncomingMessage, Turn
from bot.state import MemoryStateStore
from knowledge.snapshot import Snapshot

EMOJI = ["😀", "🙏", "👍", "👎🏽", "🇹🇼", "👨‍👩‍👧", "❤️", "🔥", "\u200d", "\ufe0f", "🏳️‍🌈"]
WORDS = ["gaji", "taiwan", "syarat", "paspor", "brp", "hongkong", "petugas", "dipukul", "halo", "1", "2", "3",
         "/start", "/hapus", "/batal", "/bahasa", "ya", "menu", "паспорт", "护照", "جواز", "ਪਾਸਪੋਰਟ", "𝔤𝔞𝔧𝔦"]
PREFIXES = ["entry:", "fb:", "country:", "menu:", "lang:", "hapus:", "handoff", "batal", "menu", "fb:paspor-pmi:",
            "menu:negara:", "entry:paspor-pmi", "country:TW", "lang:en", "hapus:ya", "menu:syarat:"]

texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=50),
    st.lists(st.sampled_from(EMOJI), max_size=30).map("".join),
    st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
    st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=12), st.integers(500, 1500)),
    st.sampled_from(["", " ", "\n\t", "\x00", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")]),
)
payloads = st.one_of(
    st.text(max_size=100),
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(PREFIXES), st.text(max_size=70)),
    st.sampled_from(PREFIXES),
)
hints = st.one_of(st.none(), st.sampled_from(["id", "en", "en-US", "in", "zh-TW", "", "@@"]), st.text(max_size=8))
messages = st.one_of(
    st.builds(lambda t, h: IncomingMessage("cli", "h", text=t, language_hint=h), texts, hints),
    st.builds(lambda p, h: IncomingMessage("cli", "h", button=p, language_hint=h), payloads, hints),
    st.builds(lambda t, p: IncomingMessage("cli", "h", text=t, button=p), texts, payloads),
)


def assert_within_limits(turn: Turn) -> None:
    """A turn every channel can send as it is."""
    assert turn.decision in DECISIONS
    assert len(turn.replies) <= 3
    for reply in turn.replies:
        assert isinstance(reply.text, str) and reply.text.strip()
        assert len(reply.text) <= 4096
        assert len(reply.buttons) <= 10
        for button in reply.buttons:
            assert button.label.strip()
            assert len(button.payload.encode("utf-8")) <= 64
    if turn.decision != "answer":
        assert turn.entry_id is None
    json.dumps(turn.to_dict("h"), ensure_ascii=False)


@settings(max_examples=1200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(msg=messages)
def test_any_single_message(seed_snapshot: Snapshot, msg: IncomingMessage) -> None:
    conversation = Conversation(lambda: seed_snapshot, MemoryStateStore())
    turn = conversation.handle(msg)
    assert_within_limits(turn)
    assert turn.replies


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(messages, min_size=2, max_size=6))
def test_any_conversation(seed_snapshot: Snapshot, batch: list[IncomingMessage]) -> None:
    conversation = Conversation(lambda: seed_snapshot, MemoryStateStore())
    for msg in batch:
        assert_within_limits(conversation.handle(msg))


@settings(max_examples=600, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads, after=texts)
def test_any_button_then_text(seed_snapshot: Snapshot, payload: str, after: str) -> None:
    conversation = Conversation(lambda: seed_snapshot, MemoryStateStore())
    assert_within_limits(conversation.handle(IncomingMessage("whatsapp", "p", button=payload)))
    assert_within_limits(conversation.handle(IncomingMessage("whatsapp", "p", text=after)))
