"""Fixtures for the conversation: the bundled snapshot with the real lexicon, and conversations on memory or a
real database."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from bot.config import BotSettings
from bot.core import Conversation
from bot.messages import IncomingMessage, Turn
from bot.state import MemoryStateStore, SqlRecorder, SqlStateStore
from knowledge.snapshot import Snapshot


@pytest.fixture(scope="session")
def snapshot(seed_snapshot: Snapshot) -> Snapshot:
    """The bundled content with the real lexicon and its intent cues, indexed once (tests/conftest.py)."""
    return seed_snapshot


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        """The current fake time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += dt.timedelta(seconds=seconds)


@dataclasses.dataclass
class User:
    """One person talking to a conversation."""

    conversation: Conversation
    user_id: str = "u1"
    lang: str | None = "id"
    channel: str = "cli"

    def say(self, text: str) -> Turn:
        """Send a text message."""
        return self.conversation.handle(IncomingMessage(self.channel, self.user_id, text=text,
                                                        language_hint=self.lang))

    def press(self, payload: str) -> Turn:
        """Press a button."""
        return self.conversation.handle(IncomingMessage(self.channel, self.user_id, button=payload,
                                                        language_hint=self.lang))


def text_of(turn: Turn) -> str:
    """All reply texts of a turn."""
    return "\n".join(r.text for r in turn.replies)


def payloads(turn: Turn) -> list[str]:
    """All button payloads of a turn, in order."""
    return [b.payload for r in turn.replies for b in r.buttons]


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock shared by the test's conversations."""
    return Clock()


@pytest.fixture
def memory_conversation(snapshot: Snapshot, clock: Clock) -> Conversation:
    """A conversation on in-memory state."""
    return Conversation(lambda: snapshot, MemoryStateStore(), clock=clock)


@pytest.fixture
def make_conversation(engine: Engine, snapshot: Snapshot, clock: Clock) -> Callable[..., Conversation]:
    """Build conversations on the test database, as worker processes would.

    The database is seeded from the same bundled content as `snapshot`, so the index is built once per session
    instead of once per test (the subprocess test covers the snapshot loaded from the database).
    """

    def make(settings: BotSettings | None = None) -> Conversation:
        """A new worker's conversation."""
        return Conversation(lambda: snapshot, SqlStateStore(engine), recorder=SqlRecorder(engine),
                            settings=settings, clock=clock)

    return make


@pytest.fixture
def conversation(make_conversation: Callable[..., Conversation]) -> Conversation:
    """A conversation on the test database."""
    return make_conversation()


@pytest.fixture
def user(conversation: Conversation) -> User:
    """An Indonesian-speaking user on the test database."""
    return User(conversation)
