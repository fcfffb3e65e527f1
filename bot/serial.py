"""One update at a time per user within a worker: a user's messages are handled and answered in order.

Platforms may deliver one chat's updates on parallel connections (Telegram up to its webhook's
max_connections, Meta likewise). Handled at once, two of them would read the same conversation state and
the later save would drop the earlier one's change (the flood counter, the country in context), and their
replies could interleave. This is the in-worker half of the per-user lock; `bot.dispatch.locks` adds the
PostgreSQL advisory lock that holds across workers.
"""

from __future__ import annotations

import asyncio
import weakref


class PerUserLocks:
    """An asyncio lock per key, kept only while some task holds or waits for it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: str) -> asyncio.Lock:
        """The lock for `key` (the same object for as long as anyone uses it)."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    def __len__(self) -> int:
        """How many keys have a lock in use."""
        return len(self._locks)
