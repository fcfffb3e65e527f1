"""One update at a time per user: within a worker (an asyncio lock) and, on PostgreSQL, across workers.

Platforms deliver one chat's updates on parallel connections, and with several workers two of them can
land on two processes. Handled at once, both would read the same conversation state and the later save
would drop the earlier one's change (the flood counter, the country in context), and their replies could
interleave. So the dispatcher handles a user's update only while it holds that user's lock:

- within a worker, an asyncio lock per (channel, user) (`bot.serial.PerUserLocks`);
- on PostgreSQL, also a session-level advisory lock keyed by a hash of (channel, user), held on a
  connection of a small pool of its own (so waiting users never starve the pool the turn itself needs).
  It is taken with `pg_try_advisory_lock` and polled, never waited for inside the database: a blocked
  thread per waiting user would starve the thread pool that the lock's holder needs to finish.

Nor is a connection of that pool ever waited for in a thread. A lock connection is held for a whole turn, so
with more users in flight than the pool has connections the next checkout blocks until one is returned; in a
worker thread that wait took one of the few threads `asyncio.to_thread` has (cpu + 4), a handful of such
waits took them all, and every turn's database work queued behind them for up to the pool's timeout —
among it the record that a reply is out, so a crash in that time sent those replies again (the held-sends
crash test doubled 1–3 of 36 users on PostgreSQL). A semaphore the size of the pool is waited for on the
event loop instead, so a checkout always finds a free connection at once.

SQLite serves one worker (design §9), where the asyncio lock is the whole story.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from bot.serial import PerUserLocks

log = logging.getLogger(__name__)
# Namespace of our advisory locks: the first of the two int4 keys, so no other use of advisory locks collides.
LOCK_CLASS = 0x44_4D_49_31  # "DMI1"
_TRY = text("SELECT pg_try_advisory_lock(:cls, :key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:cls, :key)")


class LockTimeout(Exception):
    """Another worker held the user's lock for longer than the dispatcher waits (the platform redelivers)."""


def lock_key(channel: str, user_id: str) -> int:
    """A stable signed 32-bit key for (channel, user), the same in every worker."""
    digest = hashlib.blake2b(f"{channel}\x00{user_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


class UserLocks:
    """The per-user lock of one worker; `shared` adds PostgreSQL's advisory lock across workers."""

    def __init__(self, engine: Engine | None = None, *, wait_seconds: float = 20.0, pool_size: int = 4,
                 max_overflow: int = 16) -> None:
        self._local = PerUserLocks()
        self.wait_seconds = wait_seconds
        self._pool: Engine | None = None
        # Connections of the pool in use or promised: a checkout waits here (on the loop), never in a thread.
        self._capacity = pool_size + max_overflow
        self._free: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        if engine is not None and engine.dialect.name == "postgresql":
            # A pool of its own: a lock connection is held for a whole turn (the sends included).
            self._pool = create_engine(engine.url, pool_size=pool_size, max_overflow=max_overflow,
                                       pool_timeout=wait_seconds, pool_pre_ping=True)

    @property
    def shared(self) -> bool:
        """True when the lock also holds across workers (PostgreSQL)."""
        return self._pool is not None

    def dispose(self) -> None:
        """Close the lock pool's connections."""
        if self._pool is not None:
            self._pool.dispose()

    @asynccontextmanager
    async def hold(self, channel: str, user_id: str) -> AsyncIterator[None]:
        """Hold the user's lock for the block; LockTimeout when another worker keeps it past `wait_seconds`."""
        async with self._local(f"{channel}:{user_id}"):
            if self._pool is None:
                yield
                return
            key = lock_key(channel, user_id)
            deadline = time.monotonic() + self.wait_seconds
            free = self._connections()
            try:
                async with asyncio.timeout(self.wait_seconds):
                    await free.acquire()
            except TimeoutError:
                raise LockTimeout(f"no lock connection free for {self.wait_seconds:g} s") from None
            try:
                connection = await self._acquire(key, deadline)
                try:
                    yield
                finally:
                    await asyncio.to_thread(self._release, connection, key)
            finally:
                free.release()

    def _connections(self) -> asyncio.Semaphore:
        """The semaphore counting free lock connections, for the running loop (tests run several loops)."""
        loop = asyncio.get_running_loop()
        if self._free is None or self._free[0] is not loop:
            self._free = (loop, asyncio.Semaphore(self._capacity))
        return self._free[1]

    async def _acquire(self, key: int, deadline: float) -> Connection:
        assert self._pool is not None
        connection = await asyncio.to_thread(self._pool.connect)  # free at once: the semaphore counts them
        delay = 0.005
        try:
            while not await asyncio.to_thread(_try_lock, connection, key):
                if time.monotonic() + delay > deadline:
                    raise LockTimeout(f"user lock {key} held elsewhere for {self.wait_seconds:g} s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.1)  # another worker's turn takes tens of ms; poll gently
        except BaseException:
            await asyncio.to_thread(connection.close)
            raise
        return connection

    @staticmethod
    def _release(connection: Connection, key: int) -> None:
        try:
            connection.execute(_UNLOCK, {"cls": LOCK_CLASS, "key": key})
            connection.commit()
        except Exception:
            # A lock that could not be released must not go back to the pool with the connection.
            log.exception("could not release a user lock; dropping its connection")
            connection.invalidate()
        finally:
            connection.close()


def _try_lock(connection: Connection, key: int) -> bool:
    result: Any = connection.execute(_TRY, {"cls": LOCK_CLASS, "key": key}).scalar()
    connection.commit()  # a session-level lock outlives the transaction; do not sit idle in one
    return bool(result)


__all__ = ["LOCK_CLASS", "LockTimeout", "UserLocks", "lock_key"]
