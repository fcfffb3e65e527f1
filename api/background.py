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
from typing import TYPE_CHECKING

from bot.privacy import purge

if TYPE_CHECKING:
    from api.runtime import Runtime

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 24 * 3600.0


async def drain_outbox(runtime: Runtime, *, limit: int = 50) -> dict[str, int]:
    """One pass of the outbox (`bot.dispatch.Outbound.drain`); returns how many rows went where."""
    return await runtime.outbound.drain(limit=limit)


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
