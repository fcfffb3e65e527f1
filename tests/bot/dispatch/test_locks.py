"""UserLocks on PostgreSQL: users waiting for a lock connection never hold up the worker's other database work.

The lock pool holds a connection per user in flight for the whole turn. When more users are in flight than
it has connections, the others wait; if they waited inside `asyncio.to_thread`, they took the few threads it
has, and the turns that held a lock could not record their progress (the held-sends crash test doubled
replies that way).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.engine import Engine

from bot.dispatch import LockTimeout, UserLocks
from tests.conftest import Template

WAITERS = 12  # more than asyncio.to_thread's threads on a small machine (cpu + 4)


@pytest.mark.postgres
def test_users_waiting_for_a_lock_connection_leave_the_threads_free(template_db: Template, engine: Engine) -> None:
    if template_db.backend != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL): SQLite has no lock pool")
    locks = UserLocks(engine, wait_seconds=3.0, pool_size=1, max_overflow=0)

    async def scenario() -> tuple[float, list[BaseException | None]]:
        holding, done = asyncio.Event(), asyncio.Event()

        async def holder() -> None:
            async with locks.hold("telegram", "1"):
                holding.set()
                await done.wait()  # a turn whose send hangs keeps its lock connection

        async def waiter(n: int) -> None:
            async with locks.hold("telegram", str(100 + n)):
                pass

        first = asyncio.create_task(holder())
        await holding.wait()
        waiting = [asyncio.create_task(waiter(n)) for n in range(WAITERS)]
        await asyncio.sleep(0.2)  # every waiter is now waiting for the one lock connection
        started = time.monotonic()
        # The holder's own database work (e.g. recording that its reply is out) must get a thread at once.
        await asyncio.to_thread(time.sleep, 0)
        took = time.monotonic() - started
        done.set()
        await first
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
        return took, [o if isinstance(o, BaseException) else None for o in outcomes]

    try:
        took, outcomes = asyncio.run(scenario())
    finally:
        locks.dispose()
    assert took < 1.0, f"a thread was free only after {took:.1f} s"
    # Once the holder is done, the waiters get the connection in turn: none timed out.
    assert outcomes == [None] * WAITERS, [type(o).__name__ for o in outcomes]


@pytest.mark.postgres
def test_a_user_who_never_gets_a_lock_connection_times_out(template_db: Template, engine: Engine) -> None:
    if template_db.backend != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL): SQLite has no lock pool")
    locks = UserLocks(engine, wait_seconds=0.3, pool_size=1, max_overflow=0)

    async def scenario() -> None:
        holding, done = asyncio.Event(), asyncio.Event()

        async def holder() -> None:
            async with locks.hold("telegram", "1"):
                holding.set()
                await done.wait()

        first = asyncio.create_task(holder())
        await holding.wait()
        try:
            with pytest.raises(LockTimeout):
                async with locks.hold("telegram", "2"):
                    pass
        finally:
            done.set()
            await first
        async with locks.hold("telegram", "2"):  # the connection is free again, and so is its slot
            pass

    try:
        asyncio.run(scenario())
    finally:
        locks.dispose()
