"""The live objects of one process: database engine and the current knowledge snapshot, kept fresh."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.background import background_tasks
from api.channels import build_channels, channels_lifespan
from api.database import open_prepared
from api.handoff_service import HandoffService, handoff_lifespan
from api.metrics import DeliveryCounters, MeteredConversation, separate_listener
from api.settings import Settings
from bot.channels.base import Channel
from bot.core import Conversation
from bot.dispatch import Dispatcher, Outbound, OutboxPolicy, UserLocks
from bot.handoff import SqlDesk
from bot.privacy import SqlUserDataEraser
from bot.state import SqlRecorder, SqlStateStore
from knowledge.editing import list_lexicon
from knowledge.lexicon import Lexicon, load_lexicon, with_additions
from knowledge.snapshot import Snapshot, build_snapshot
from knowledge.store import content_version, list_countries, list_entries

log = logging.getLogger(__name__)


def load_snapshot(engine: Engine, *, lexicon: Lexicon | None = None, include_drafts: bool = False) -> Snapshot:
    """Build a snapshot of the content now in the database, with the editors' lexicon rows applied."""
    with Session(engine) as session:
        version = content_version(session)
        statuses = ("published", "draft") if include_drafts else ("published",)
        entries = list_entries(session, statuses)
        countries = list_countries(session)
        additions = [(row.key, row.value) for row in list_lexicon(session)]
    merged = with_additions(lexicon or load_lexicon(), additions)
    return build_snapshot(entries, countries, version=version, include_drafts=include_drafts, lexicon=merged)


def settle_heap() -> None:
    """Hide what is alive now (modules, the app, the knowledge snapshot) from the garbage collector.

    Under load the collector's oldest generation ran every few seconds and walked all ~190,000 long-lived
    objects each time: 60–70 ms with everything stopped, the longest pauses in bench/webhook.py. Frozen
    objects are skipped by every collection. `desmigratif serve` calls this once a worker is ready
    (`api.app.app_factory`), and the snapshot holder after each new snapshot (unfreezing first, so that the
    replaced snapshot can be collected).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@dataclass
class SnapshotHolder:
    """Holds the current snapshot; rebuilds it aside and swaps it in when the content version moves.

    Every worker polls the shared version (cheap: one primary-key read) at most every `poll_seconds`,
    so a publish on one worker is live on all of them within seconds.
    """

    engine: Engine
    poll_seconds: float = 2.0
    lexicon: Lexicon = field(default_factory=load_lexicon)
    # Set while a serving worker's background task polls (api/background.py): then `get` never rebuilds on
    # the caller's path, which on SQLite is the event loop itself (a rebuild takes ~50 ms for 88 entries,
    # ~1 s for 2,000).
    polled_in_background: bool = False
    _snapshot: Snapshot | None = None
    _checked_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> Snapshot:
        """Return the current snapshot, refreshing it first if the content changed."""
        now = time.monotonic()
        snapshot = self._snapshot
        if snapshot is None or (not self.polled_in_background and now - self._checked_at >= self.poll_seconds):
            self.refresh()
            snapshot = self._snapshot
        assert snapshot is not None
        return snapshot

    def refresh(self, *, force: bool = False) -> bool:
        """Rebuild if the content version differs (or when forced); True when a new snapshot was swapped in."""
        with self._lock:
            self._checked_at = time.monotonic()
            with Session(self.engine) as session:
                version = content_version(session)
            if not force and self._snapshot is not None and self._snapshot.version == version:
                return False
            fresh = load_snapshot(self.engine, lexicon=self.lexicon)
            replaced = self._snapshot is not None
            self._snapshot = fresh
            log.info("knowledge snapshot %d loaded: %d entries", fresh.version, len(fresh.entries))
        if replaced and gc.get_freeze_count():  # a serving worker (api.app.app_factory) keeps its heap frozen
            settle_heap()  # let the old snapshot go, keep the new one out of the collector's way
        return True

    @property
    def loaded(self) -> bool:
        """True once a snapshot has been built."""
        return self._snapshot is not None


@dataclass
class Runtime:
    """Everything one worker process serves with, built once in the app's lifespan."""

    settings: Settings
    engine: Engine
    snapshots: SnapshotHolder
    conversation: Conversation
    # The channels this worker serves (started by `api.channels.channels_lifespan`), sending with the outbox,
    # and the one path of a user's message.
    channels: dict[str, Channel]
    outbound: Outbound
    dispatcher: Dispatcher
    handoffs: HandoffService  # the worker's part of the human handoff (api/handoff_service.py)
    # Async context managers entered at start-up and left at shutdown (e.g. a channel's client).
    startups: list[Callable[[Runtime], AbstractAsyncContextManager[Any]]] = field(default_factory=list)
    # Turn counters are summed in memory and written every few seconds; flush() before reading them exactly.
    recorder: SqlRecorder | None = None



def build_runtime(settings: Settings) -> Runtime:
    """Migrate and seed the database (unless `serve` just did), load the knowledge, build the conversation."""
    engine = open_prepared(settings.database_url)
    snapshots = SnapshotHolder(engine, poll_seconds=settings.content_poll_seconds)
    snapshots.refresh(force=True)
    recorder = SqlRecorder(engine, flush_seconds=settings.stats_flush_seconds)
    # Times and counts every message for /metrics; otherwise the plain core.
    channels = build_channels(settings, engine)
    outbound = Outbound(engine, channels, default_language=settings.default_language, metrics=DeliveryCounters(),
                        policy=OutboxPolicy(retry_seconds=settings.outbox_retry_seconds,
                                            max_attempts=settings.outbox_max_attempts,
                                            lease_seconds=settings.delivery_lease_seconds))
    handoffs = HandoffService(engine, settings, channels, outbound)
    # The staff queue wakes the handoff loop; so does /hapus, which closes the user's ticket.
    conversation = MeteredConversation(snapshots.get, SqlStateStore(engine), recorder=recorder,
                                       settings=settings.bot, desk=SqlDesk(engine, on_change=handoffs.wake),
                                       eraser=SqlUserDataEraser(engine, listeners=[handoffs.wake]))
    dispatcher = Dispatcher(engine, conversation, outbound, locks=UserLocks(engine),
                            lease_seconds=settings.delivery_lease_seconds)
    return Runtime(settings=settings, engine=engine, snapshots=snapshots, conversation=conversation,
                   channels=channels, outbound=outbound, dispatcher=dispatcher, recorder=recorder,
                   handoffs=handoffs, startups=startups(settings))


def startups(settings: Settings) -> list[Callable[[Runtime], AbstractAsyncContextManager[Any]]]:
    """What a worker starts, in order: the channels before the loops that send on them."""
    started: list[Callable[[Runtime], AbstractAsyncContextManager[Any]]] = [
        turn_flusher, channels_lifespan, handoff_lifespan, background_tasks]
    if settings.metrics_port is not None:
        started.append(separate_listener)  # /metrics on METRICS_PORT
    return started


@asynccontextmanager
async def turn_flusher(runtime: Runtime) -> AsyncIterator[None]:
    """Write the summed turn counters every `stats_flush_seconds` while the worker runs, and once at shutdown."""
    recorder = runtime.recorder
    interval = runtime.settings.stats_flush_seconds
    if recorder is None or interval <= 0:
        yield
        return

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            await asyncio.to_thread(recorder.flush)

    task = asyncio.create_task(loop(), name="turn-counter-flush")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await asyncio.to_thread(recorder.flush)
