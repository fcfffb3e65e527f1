"""PerUserLocks: one task at a time per key, other keys unhindered, nothing kept once unused."""

from __future__ import annotations

import asyncio
import gc

from bot.serial import PerUserLocks


def test_one_task_at_a_time_per_user_and_others_in_parallel() -> None:
    locks = PerUserLocks()
    log: list[str] = []

    async def turn(user: str, name: str) -> None:
        async with locks(user):
            log.append(f"{name} in")
            await asyncio.sleep(0.01)
            log.append(f"{name} out")

    async def main() -> None:
        await asyncio.gather(turn("a", "a1"), turn("a", "a2"), turn("b", "b1"))

    asyncio.run(main())
    assert log.index("a1 out") < log.index("a2 in"), "the same user's second update waits for the first"
    assert log.index("b1 in") < log.index("a1 out"), "another user does not wait"


def test_a_lock_is_forgotten_once_nobody_uses_it() -> None:
    locks = PerUserLocks()

    async def main() -> None:
        async with locks("a"):
            assert len(locks) == 1

    asyncio.run(main())
    gc.collect()
    assert len(locks) == 0
