"""Run blocking database work from async code: in a worker thread, or inline when the database is SQLite.

A thread lets the event loop go on while a call waits for the network (PostgreSQL). SQLite waits for
nothing: its work is CPU in this process, which a thread cannot run beside the loop anyway (the GIL), and
each hop to a thread and back costs a handoff and GIL traffic, ~0.2 ms of CPU per call under load
(bench/webhook.py: 6.6 → 5.6 ms per update with the hops gone). The price on SQLite: a write that waits
for another process's lock (a second worker, a content import) holds up the loop until the lock is free
(at most the busy timeout); several workers are meant for PostgreSQL, where calls stay in threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import Engine

P = ParamSpec("P")
T = TypeVar("T")


def runs_inline(engine: Engine) -> bool:
    """True when blocking calls on `engine` run on the event loop itself (SQLite)."""
    return engine.dialect.name == "sqlite"


async def run_blocking(engine: Engine, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call `function(*args, **kwargs)`, which uses `engine`, without a thread when that costs nothing."""
    if runs_inline(engine):
        return function(*args, **kwargs)
    return await asyncio.to_thread(function, *args, **kwargs)
