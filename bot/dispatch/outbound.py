"""Sending: payloads in order through a `Channel`, what cannot be sent kept in the outbox, and the outbox
pass that sends it later. Used by the dispatcher's turns, the outbox task and the handoff service.

A user never gets a newer message before an older one: a send to a user whose older messages wait in the
outbox joins the queue behind them, and after a failure the rest of a turn goes to the outbox too (it would
make no sense without its start). The outbox rows and their guarantees are in `bot.delivery`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine

from bot import i18n
from bot.blocking import run_blocking
from bot.channels.base import Channel, Payload, SendFailed
from bot.delivery import (
    DEFAULT_LEASE_SECONDS,
    claim_outbox,
    due_outbox,
    has_undelivered,
    record_failed_send,
    settle_outbox,
)
from bot.messages import Reply
from bot.state import SqlStateStore

log = logging.getLogger(__name__)
Progress = Callable[[int], Awaitable[None]]


class DeliveryMetrics(Protocol):
    """Where failed sends and rejected updates are counted (api/metrics.py); bot/ imports nothing above it."""

    def failed_send(self, channel: str, code: str) -> None:
        """A send failed (first failure and every failed retry)."""
        ...

    def rejected(self, channel: str, reason: str) -> None:
        """An update that can never be handled was acknowledged."""
        ...


class NoMetrics:
    """Counts nothing (tests, the CLI)."""

    def failed_send(self, channel: str, code: str) -> None:
        """Nothing."""

    def rejected(self, channel: str, reason: str) -> None:
        """Nothing."""


@dataclass(frozen=True, slots=True)
class OutboxPolicy:
    """How the outbox retries: backoff from `retry_seconds` doubling per attempt, up to `max_attempts`."""

    retry_seconds: float = 30.0
    max_attempts: int = 8
    lease_seconds: float = DEFAULT_LEASE_SECONDS  # a row being sent is another worker's for this long


@dataclass(slots=True)
class Tally:
    """How far sending got: messages the platform accepted, payloads kept in the outbox, their ids."""

    sent: int = 0
    undelivered: int = 0
    last_id: str | None = None


class Outbound:
    """Sends payloads through the channels of this worker, in order, keeping failures in the outbox."""

    def __init__(self, engine: Engine, channels: Mapping[str, Channel], *, default_language: str = "id",
                 metrics: DeliveryMetrics | None = None, policy: OutboxPolicy | None = None) -> None:
        self.engine = engine
        self.channels = channels
        self.default_language = default_language
        self.metrics: DeliveryMetrics = metrics or NoMetrics()
        self.policy = policy or OutboxPolicy()
        self._states = SqlStateStore(engine)

    def language(self, channel: str, user_id: str) -> str:
        """The user's language (blocking): stored with their conversation, else the default."""
        stored = self._states.load(channel, user_id).lang
        return i18n.resolve_language(stored, None, self.default_language)

    async def deliver(self, channel: Channel, user_id: str, payloads: Sequence[Payload], *,
                      progress: Progress | None = None, queued: bool | None = None, note: bool = True,
                      tally: Tally | None = None) -> Tally:
        """Send in order; what fails (and all after it) goes to the outbox.

        `queued` (None: look it up) says older messages to this user wait in the outbox; `progress(n)` is
        awaited as soon as the platform accepted the n-th payload, the last one included, before anything
        else (the shorter the time between the platform taking a message and its record, the fewer repeats
        a crash causes); `note` lets the channel note what was sent, after the last payload's progress;
        `tally` is counted into as it goes (so a caller sees how far an unexpected error let it get).
        """
        tally = tally if tally is not None else Tally()
        if not payloads:
            return tally
        if queued is None:
            queued = await run_blocking(self.engine, has_undelivered, self.engine, channel.name, user_id)
        # Older messages to this user wait in the outbox: queue behind them so the order holds.
        failure: SendFailed | None = SendFailed("queued", attempts=0) if queued else None
        ids: list[str] = []
        for index, payload in enumerate(payloads):
            kept: list[Payload] = [payload]
            attempts = 0  # later payloads after a failure are not tried: they would arrive out of order
            if failure is None:
                try:
                    got = await channel.send(user_id, payload)
                    ids.extend(got)
                    tally.sent += len(got)
                    if progress is not None:
                        await progress(index + 1)
                    continue
                except SendFailed as error:
                    failure, attempts = error, error.attempts
                    kept = error.rest if error.rest is not None else kept
            assert failure is not None
            for position, item in enumerate(kept):
                await self.keep(channel.name, user_id, item, failure.code,
                                attempts=attempts if position == 0 else 0)
                tally.undelivered += 1
        tally.last_id = ids[-1] if ids else None
        if note and ids:
            try:
                await channel.sent(user_id, ids)
            except Exception:  # the messages are out; a missing note only loses their later statuses
                log.exception("could not note the %s messages just sent", channel.name)
        return tally

    async def keep(self, channel: str, user_id: str, payload: Payload, code: str, *, attempts: int) -> None:
        """Put one payload in the outbox (its error code in the log, never its text)."""
        row = await run_blocking(self.engine, record_failed_send, self.engine, channel, user_id, payload, code,
                                 attempts=attempts)
        self.metrics.failed_send(channel, code)
        log.error("%s message not delivered (%s after %d attempt(s)); kept as outbox row %d",
                  channel, code, attempts, row)

    async def send_replies(self, channel: Channel, user_id: str, replies: Sequence[Reply]) -> Tally:
        """Render and send replies outside a user's turn (an officer's message, a staff-group post)."""
        lang = self.default_language
        if channel.localized:
            lang = await run_blocking(self.engine, self.language, channel.name, user_id)
        payloads = channel.render(replies, lang)
        try:
            await run_blocking(self.engine, channel.remember, user_id, replies)
        except Exception:  # a lost mapping only means a typed number is read as text
            log.exception("could not keep the %s choices just shown", channel.name)
        return await self.deliver(channel, user_id, payloads)

    # --- the outbox pass ---

    async def drain(self, *, limit: int = 50) -> dict[str, int]:
        """One pass: send each user's oldest due message, oldest first; returns how many rows went where."""
        engine, policy = self.engine, self.policy
        done = {"sent": 0, "pending": 0, "failed": 0, "skipped": 0}
        for row_id, name, _user in await run_blocking(engine, due_outbox, engine, limit=limit):
            channel = self.channels.get(name)
            if channel is None:
                done["skipped"] += 1  # another worker (or a later start) with that channel sends it
                continue
            row = await run_blocking(engine, claim_outbox, engine, row_id, lease_seconds=policy.lease_seconds)
            if row is None:
                done["skipped"] += 1
                continue
            try:
                ids = await channel.send(row.user_id, row.payload)
            except SendFailed as error:
                # The channel says whether trying again can help (a blocked bot, a refused message cannot) and
                # how long the platform asked to wait.
                backoff = policy.retry_seconds * min(2 ** max(row.attempts - 1, 0), 64)
                status = await run_blocking(
                    engine, settle_outbox, engine, row, sent=False, error=error.code, retryable=error.retryable,
                    max_attempts=policy.max_attempts, retry_in=max(backoff, error.retry_after or 0.0))
                self.metrics.failed_send(name, error.code)
                log.warning("outbox row %d not sent (%s, attempt %d): now %s", row.id, error.code, row.attempts,
                            status)
            else:
                status = await run_blocking(engine, settle_outbox, engine, row, sent=True)
                try:
                    await channel.sent(row.user_id, ids)
                except Exception:
                    log.exception("could not note the %s message sent from the outbox", name)
            done[status] = done.get(status, 0) + 1
        return done


__all__ = ["DeliveryMetrics", "NoMetrics", "Outbound", "OutboxPolicy", "Progress", "Tally"]
