"""Background tasks of every worker: the content poll, the outbox retrier and the daily retention purge.

The content poll checks the shared content version every CONTENT_POLL_SECONDS and rebuilds the knowledge
index in a thread, off the requests' path. The other two are safe with several workers on one database:
an outbox row is claimed with a conditional UPDATE before it is sent (one worker wins), and the purge is
a set of idempotent DELETEs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from bot.channels.base import SendFailed
from bot.delivery import claim_outbox, due_outbox, settle_outbox
from bot.privacy import purge

if TYPE_CHECKING:
    from api.runtime import Runtime

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 24 * 3600.0


async def send_stored(runtime: Runtime, channel: str, user_id: str, payload: dict[str, Any]) -> None:
    """Send one stored payload through the channel that owns it (SendFailed, or LookupError, when it cannot)."""
    adapter = runtime.channels.get(channel)
    if adapter is None:
        raise LookupError(f"channel {channel!r} is not running on this worker")
    await adapter.send_payload(user_id, payload)


async def drain_outbox(runtime: Runtime, *, limit: int = 50) -> dict[str, int]:
    """One pass: send each user's oldest due message, oldest first; returns how many rows went where."""
    settings = runtime.settings
    engine = runtime.engine
    done = {"sent": 0, "pending": 0, "failed": 0, "skipped": 0}
    for row_id, channel, _user in await asyncio.to_thread(due_outbox, engine, limit=limit):
        if channel not in runtime.channels:
            done["skipped"] += 1  # another worker (or a later start) with that channel sends it
            continue
        row = await asyncio.to_thread(claim_outbox, engine, row_id, lease_seconds=settings.delivery_lease_seconds)
        if row is None:
            done["skipped"] += 1
            continue
        try:
            await send_stored(runtime, row.channel, row.user_id, row.payload)
        except Exception as error:
            # The channel says whether trying again can help (a blocked bot, a refused message cannot) and
            # how long the platform asked to wait; anything else (a network error) is tried again.
            failed = error if isinstance(error, SendFailed) else None
            code = failed.code if failed else error.__class__.__name__
            backoff = settings.outbox_retry_seconds * min(2 ** max(row.attempts - 1, 0), 64)
            status = await asyncio.to_thread(
                settle_outbox, engine, row, sent=False, error=code, retryable=failed.retryable if failed else True,
                max_attempts=settings.outbox_max_attempts,
                retry_in=max(backoff, failed.retry_after or 0.0) if failed else backoff,
            )
            log.warning("outbox row %d not sent (%s, attempt %d): now %s", row.id, code, row.attempts, status)
        else:
            status = await asyncio.to_thread(settle_outbox, engine, row, sent=True)
        done[status] = done.get(status, 0) + 1
    return done


async def _outbox_loop(runtime: Runtime) -> None:
    while True:
        try:
            summary = await drain_outbox(runtime)
            if summary["sent"] or summary["failed"]:
                log.info("outbox pass: %s", summary)
        except Exception:  # a database hiccup must not end the task
            log.exception("outbox pass failed")
        await asyncio.sleep(runtime.settings.outbox_poll_seconds)


async def _content_loop(runtime: Runtime) -> None:
    holder = runtime.snapshots
    while True:
        await asyncio.sleep(holder.poll_seconds)
        try:
            await asyncio.to_thread(holder.refresh)
        except Exception:  # a database hiccup: keep answering from the snapshot we have, try again later
            log.exception("content poll failed")


async def _purge_loop(runtime: Runtime, days: int) -> None:
    while True:
        try:
            await asyncio.to_thread(purge, runtime.engine, dt.timedelta(days=days))
        except Exception:
            log.exception("retention purge failed")
        await asyncio.sleep(PURGE_EVERY_SECONDS)


@asynccontextmanager
async def background_tasks(runtime: Runtime) -> AsyncIterator[None]:
    """Run the content poll, the outbox retrier (and the daily purge when PURGE_DAYS is set) for the life of
    the worker."""
    tasks = [asyncio.create_task(_content_loop(runtime), name="content"),
             asyncio.create_task(_outbox_loop(runtime), name="outbox")]
    runtime.snapshots.polled_in_background = True
    if runtime.settings.purge_days:
        tasks.append(asyncio.create_task(_purge_loop(runtime, runtime.settings.purge_days), name="purge"))
    try:
        yield
    finally:
        runtime.snapshots.polled_in_background = False
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task


def install(runtime: Runtime) -> None:
    """Add the background tasks to the runtime's start-ups (after the channels, so they can send)."""
    runtime.startups.append(background_tasks)
