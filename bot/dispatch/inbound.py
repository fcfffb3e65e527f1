"""The one path of a user's message, whatever the channel: lock → claim → core → stored payloads → send with
progress → outbox → done. Both webhook routes, Telegram polling and the tests call `Dispatcher.handle`.

What each step guarantees when the process dies at any point is written in `bot.delivery`; the order per
user (within a worker and across workers) in `bot.dispatch.locks`; sending and the outbox in
`bot.dispatch.outbound`. Channels add only what is platform-specific (`bot.channels.base.Channel`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.engine import Engine

from bot.blocking import run_blocking
from bot.channels.base import Channel, Chat, Payload
from bot.delivery import (
    DEFAULT_LEASE_SECONDS,
    Claimed,
    claim_and_compute,
    finish_delivery,
    mark_progress,
    release_delivery,
)
from bot.dispatch.locks import LockTimeout, UserLocks
from bot.dispatch.outbound import Outbound, Tally
from bot.messages import IncomingMessage

log = logging.getLogger(__name__)
Status = Literal["ignored", "duplicate", "busy", "handled", "failed"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message: the webhook route turns it into an HTTP status."""

    status: Status
    sent: int = 0  # messages the platform accepted
    undelivered: int = 0  # payloads kept in the outbox


@dataclass(frozen=True, slots=True)
class Report:
    """What became of the messages of one webhook body."""

    outcomes: tuple[Outcome, ...]

    def count(self, *statuses: Status) -> int:
        """How many messages ended in one of `statuses`."""
        return sum(1 for outcome in self.outcomes if outcome.status in statuses)


def _stored(result: Any) -> tuple[list[Payload], bool]:
    """The payloads kept in a claim, and whether the turn erased the user (rows of older versions too)."""
    if isinstance(result, dict):
        return list(result.get("payloads") or result.get("messages") or []), bool(result.get("erased"))
    return list(result or []), False


class Dispatcher:
    """Handles users' messages from any channel, one at a time per user, answered once (see the module)."""

    def __init__(self, engine: Engine, conversation: Chat, outbound: Outbound, *, locks: UserLocks | None = None,
                 lease_seconds: float = DEFAULT_LEASE_SECONDS) -> None:
        self.engine = engine
        self.conversation = conversation
        self.outbound = outbound
        self.locks = locks or UserLocks()
        self.lease_seconds = lease_seconds  # how long a claim protects a message being processed

    def rejected(self, channel: str, reason: str) -> None:
        """Note an update that can never be handled (the reason code only); the caller acknowledges it."""
        log.warning("rejected a %s update that cannot be handled: %s", channel, reason)
        self.outbound.metrics.rejected(channel, reason)

    async def handle_all(self, channel: Channel, messages: Sequence[IncomingMessage]) -> Report:
        """Handle the messages of one body in order; one that fails does not stop the others."""
        return Report(tuple([await self.handle(channel, msg) for msg in messages]))

    async def handle(self, channel: Channel, msg: IncomingMessage) -> Outcome:
        """Answer one message unless another delivery (on any worker) already took it."""
        if msg.external_id is None:
            raise ValueError("a dispatched message needs the platform's id (external_id)")
        try:
            async with self.locks.hold(channel.name, msg.user_id):
                return await self._handle(channel, msg)
        except LockTimeout:
            log.warning("%s update %s waits for another worker's turn of its user", channel.name, msg.external_id)
            return Outcome("busy")

    def _compute(self, channel: Channel, msg: IncomingMessage) -> dict[str, Any]:
        """The core's turn as stored payloads (blocking: runs in the claim's call)."""
        read, ahead = channel.prepare(msg)
        if read is None:
            return {"payloads": ahead, "erased": False}
        turn = self.conversation.handle(read)
        lang = self.outbound.language(channel.name, msg.user_id) if channel.localized else ""
        payloads = channel.render(turn.replies, lang)
        if not turn.erased:
            try:
                channel.remember(msg.user_id, turn.replies)
            except Exception:  # a lost mapping only means a typed number is read as text
                log.exception("could not keep the %s choices just shown", channel.name)
        return {"payloads": [*ahead, *payloads], "erased": turn.erased}

    async def _handle(self, channel: Channel, msg: IncomingMessage) -> Outcome:
        assert msg.external_id is not None
        engine, name = self.engine, channel.name
        # Claim, core, stored payloads and the outbox check in one blocking call: one hop to a worker thread
        # on PostgreSQL instead of four (each costs ~0.2 ms of CPU under load, bench/webhook.py); none on SQLite.
        try:
            claimed = await run_blocking(engine, claim_and_compute, engine, name, msg.external_id, msg.user_id,
                                         lambda: self._compute(channel, msg), lease_seconds=self.lease_seconds)
        except Exception:
            # e.g. the database is down, or the core failed: nothing reached the user (the claim, if any, was
            # released), so let the platform redeliver.
            log.exception("%s update %s failed before any reply was sent", name, msg.external_id)
            return Outcome("failed")
        if not isinstance(claimed, Claimed):
            # "duplicate": done before; "busy": another worker has it (if it dies, a later redelivery takes over)
            return Outcome("busy" if claimed.status == "busy" else "duplicate")
        delivery, start = claimed.delivery, claimed.start
        payloads, erased = _stored(claimed.result)
        resumed = delivery.result is not None
        # Told while the replies go out (a button's spinner stops at once); not again after a crash.
        ack = None if resumed else asyncio.create_task(channel.acknowledge(msg))
        if resumed:
            # Payload `start` was with the platform at the crash when `in_doubt`: it goes again, maybe twice.
            log.warning("%s update %s taken over after a crash (%d of %d payloads were out%s)", name,
                        msg.external_id, start, len(payloads),
                        ", the next one possibly too: it is sent again" if delivery.in_doubt else "")
        finished = False

        async def progress(count: int) -> None:
            # Straight after the platform accepted a payload: the last one marks the update done in the same
            # write, before its ids are noted or the acknowledgement is awaited.
            nonlocal finished
            sent = start + count
            done = sent >= len(payloads)
            try:
                await run_blocking(engine, mark_progress, engine, delivery, sent, done=done)
            except Exception:  # the rest still goes out: a crash now would repeat more, but nothing is lost
                log.exception("%s update %s: could not record the progress of its replies", name,
                              msg.external_id)
                return
            finished = done

        tally = Tally()
        try:
            try:
                # After /hapus the confirmation is sent but not noted: nothing may recreate the user's data.
                await self.outbound.deliver(channel, msg.user_id, payloads[start:], progress=progress,
                                            queued=claimed.queued, note=not erased, tally=tally)
            except Exception:
                log.exception("%s update %s failed while sending replies", name, msg.external_id)
                if not (tally.sent or tally.undelivered or start):
                    await run_blocking(engine, release_delivery, engine, name, msg.external_id)
                    return Outcome("failed")
                # Something reached the user or the outbox: a redelivery must not repeat it.
            # Done already if the last payload went out (progress); else some went to the outbox, or none were
            # left to send after a takeover.
            try:
                if not finished:
                    await run_blocking(engine, finish_delivery, engine, delivery)
            except Exception:  # the replies are out; a redelivery within the lease is refused, after it resumes
                log.exception("%s update %s could not be marked done", name, msg.external_id)
        finally:
            if ack is not None:
                await ack
        return Outcome("handled", sent=tally.sent, undelivered=tally.undelivered)


__all__ = ["Dispatcher", "Outcome", "Report"]
