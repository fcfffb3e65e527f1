"""What every channel adapter is and shares: the `Channel` protocol, `SendFailed`, one retry policy and
one text splitter.

A channel turns a platform's update into neutral `IncomingMessage`s, renders neutral `Reply`s into the
platform's payloads within its limits, and sends one payload at a time, raising `SendFailed` (never an
SDK's exception) when it cannot. It holds no delivery logic: the order per user, the claim, the core, the
stored replies, the progress and the outbox are `bot.dispatch`'s, which knows channels only by this.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.channels.text import utf16_prefix, utf16_units
from bot.config import BotSettings
from bot.messages import IncomingMessage, Reply, Turn

Payload = dict[str, Any]  # one platform message as stored in the outbox (JSON)


class SendFailed(Exception):
    """A payload could not be sent after the retries: a short `code` (never user text) and what to do next.

    `retryable` is False when sending it again cannot help (the user blocked the bot, a refused request);
    `retry_after` is the platform's own wait in seconds, when it gave one.
    """

    def __init__(self, code: str, *, retryable: bool = True, retry_after: float | None = None,
                 attempts: int = 1, rest: list[Payload] | None = None) -> None:
        super().__init__(f"{code} after {attempts} attempt(s)")
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after
        self.attempts = attempts
        # What to keep in the outbox instead of the payload, when only part of it failed (the messages of a
        # long reply not yet sent) or it showed several replies (one outbox row each, as they were made).
        self.rest = rest


class Rejected(Exception):
    """An update from the platform that can never be handled (a field of the wrong type or out of bounds):
    acknowledged and counted, never retried. `reason` is a short code, never the content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one send is tried before it counts as failed: attempts, and backoff from `base_delay` seconds."""

    attempts: int = 4
    base_delay: float = 0.5  # before the 2nd attempt; doubles each time up to `max_delay`
    max_delay: float = 8.0
    # A platform's wait longer than this is not sat out inside a webhook request (the platform would time
    # the request out and redeliver): the message goes to the outbox instead.
    max_retry_after: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based): half to all of the backoff."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        # Jitter keeps several workers that hit the same throttle or 5xx from retrying in lockstep.
        return ceiling * random.uniform(0.5, 1.0)


class Chat(Protocol):
    """What a channel needs from the conversation core (`bot.core.Conversation`)."""

    @property
    def settings(self) -> BotSettings:
        """The conversation's settings (the default language)."""
        ...

    def handle(self, msg: IncomingMessage) -> Turn:
        """Answer one message (blocking: adapters run it through `bot.blocking.run_blocking`)."""
        ...


class Channel(Protocol):
    """One messaging platform, as `bot.dispatch` and the rest of the service see it."""

    @property
    def name(self) -> str:
        """The channel's name in ids and tables ("telegram", "whatsapp")."""
        ...

    @property
    def localized(self) -> bool:
        """True when `render` adds words of its own (so the dispatcher looks up the user's language)."""
        ...

    def incoming(self, body: Any) -> list[IncomingMessage]:
        """The neutral messages of one webhook body, in order (none for updates the bot does not answer)."""
        ...

    def prepare(self, msg: IncomingMessage) -> tuple[IncomingMessage | None, list[Payload]]:
        """Before the core (blocking): the message as the core should read it (None: do not run the core)
        and payloads to send ahead of the answer."""
        ...

    def render(self, replies: Sequence[Reply], lang: str) -> list[Payload]:
        """The payloads that show `replies` on this platform, in order, each within its limits."""
        ...

    def remember(self, user_id: str, replies: Sequence[Reply]) -> None:
        """After rendering (blocking): keep what reading the user's next message needs (shown choices)."""
        ...

    async def acknowledge(self, msg: IncomingMessage) -> None:
        """Tell the platform the message was received (a button's spinner, read ticks); never raises."""
        ...

    async def send(self, user_id: str, payload: Payload) -> list[str]:
        """Send one payload with the retry policy; the platform's ids of the messages sent; SendFailed if not."""
        ...

    async def sent(self, user_id: str, ids: Sequence[str]) -> None:
        """Note the messages just sent (blocking work inside), e.g. to follow their delivery statuses."""
        ...


class ChannelDefaults:
    """The parts of `Channel` a platform without them does nothing for."""

    localized = False

    def prepare(self, msg: IncomingMessage) -> tuple[IncomingMessage | None, list[Payload]]:
        """The message as it came, nothing sent ahead."""
        return msg, []

    def remember(self, user_id: str, replies: Sequence[Reply]) -> None:
        """Nothing to keep."""

    async def acknowledge(self, msg: IncomingMessage) -> None:
        """Nothing to tell."""

    async def sent(self, user_id: str, ids: Sequence[str]) -> None:
        """Nothing to note."""


# Where a long text is cut, best first; ". " keeps a sentence whole when a paragraph has no line break.
_SEPARATORS = ("\n\n", "\n", ". ", " ")


def _last_separator(window: str, separator: str, can_cut: Callable[[int], bool]) -> int:
    """The last place in `window` to cut at `separator` (index after a ". ", before the others), or -1."""
    at = window.rfind(separator)
    # A boundary in the first quarter would leave a stub of a message; a finer boundary is better.
    while at >= max(1, len(window) // 4):
        cut = at + (1 if separator == ". " else 0)
        if can_cut(cut):
            return cut
        at = window.rfind(separator, 0, at)
    return -1


def _cut(window: str, can_cut: Callable[[int], bool]) -> int:
    """Where to end the part that `window` starts: the best boundary `can_cut` allows, else any, else hard."""
    for check in (can_cut, lambda _index: True):  # the second round: a styled run longer than a message
        for separator in _SEPARATORS:
            cut = _last_separator(window, separator, check)
            if cut > 0:
                return cut
    return len(window)  # one unbroken run longer than a message


def _shifted(can_cut: Callable[[int], bool], start: int) -> Callable[[int], bool]:
    """`can_cut` for indexes counted from `start` (into the rest of the text)."""
    return lambda index: can_cut(start + index)


def split_text(text: str, limit: int, *, can_cut: Callable[[int], bool] | None = None) -> list[str]:
    """Cut `text` into parts of at most `limit` UTF-16 units at a paragraph, line, sentence or word boundary.

    `can_cut(index)` (an index into `text`) refuses cuts inside something that must stay whole, such as a
    styled run of markup (`bot.markup.safe_cut`).
    """
    allowed = can_cut or (lambda _index: True)
    offset = len(text) - len(text.lstrip())  # where `rest` starts in `text`
    rest = text.strip()
    parts: list[str] = []
    while utf16_units(rest) > limit:
        cut = _cut(rest[: utf16_prefix(rest, limit)], _shifted(allowed, offset))
        if part := rest[:cut].rstrip():
            parts.append(part)
        kept = rest[cut:].lstrip()
        offset += len(rest) - len(kept)
        rest = kept
    if rest or not parts:
        parts.append(rest)
    return parts


__all__ = ["Channel", "ChannelDefaults", "Chat", "Payload", "Rejected", "RetryPolicy", "SendFailed", "split_text"]
