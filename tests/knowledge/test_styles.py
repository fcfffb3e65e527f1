"""Messages in real users' styles reach the right entry through the whole conversation (lexicon, matcher, rules).

The messages (tests/knowledge/data/style_messages.yaml) were written by hand in the ways prospective migrant
workers type: SMS abbreviations and dropped vowels, typos, slang, Javanese ngoko and krama, Sundanese, English
and code-mixing, questions asked for relatives, long stories ending in a question. Each is asked of a fresh
conversation built on the bundled content, after its `after` message when it has one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core import Conversation
from bot.messages import IncomingMessage, Turn
from bot.state import MemoryStateStore
from knowledge.snapshot import Snapshot

DATA = Path(__file__).parent / "data" / "style_messages.yaml"
MESSAGES: list[dict[str, Any]] = yaml.safe_load(DATA.read_text(encoding="utf-8"))


def _options(turn: Turn) -> list[str]:
    """The entries a "Maksud Anda…?" reply offers, in order."""
    return [b.payload.removeprefix("entry:") for r in turn.replies for b in r.buttons if b.payload.startswith("entry:")]


def _ask(snapshot: Snapshot, message: dict[str, Any]) -> Turn:
    conversation = Conversation(lambda: snapshot, MemoryStateStore())
    if message.get("after"):
        conversation.handle(IncomingMessage(channel="cli", user_id="style", text=message["after"]))
    return conversation.handle(IncomingMessage(channel="cli", user_id="style", text=message["text"]))


def test_the_style_set_is_well_formed(seed_snapshot: Snapshot) -> None:
    texts = [m["text"] for m in MESSAGES]
    assert len(texts) >= 150
    assert len(set(texts)) == len(texts), "a message is listed twice"
    for message in MESSAGES:
        assert set(message) <= {"text", "answers", "after", "may_clarify"}, message
        assert message["answers"], message
        unknown = [e for e in message["answers"] if e not in seed_snapshot.entries]
        assert not unknown, (message["text"], unknown)


@pytest.mark.parametrize("message", MESSAGES, ids=[m["text"][:60] for m in MESSAGES])
def test_a_message_in_a_users_style_gets_a_right_entry(seed_snapshot: Snapshot, message: dict[str, Any]) -> None:
    turn = _ask(seed_snapshot, message)
    allowed = set(message["answers"])
    if message.get("may_clarify") and turn.decision == "clarify":
        assert allowed & set(_options(turn)), (message["text"], _options(turn))
        return
    assert turn.decision == "answer", (message["text"], turn.decision, _options(turn), turn.candidates[:3])
    assert turn.entry_id in allowed, (message["text"], turn.entry_id)
