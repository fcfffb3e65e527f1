"""Run the ASGI app under uvicorn: Nagle's algorithm off, and each worker's heap frozen once it is ready.

uvicorn writes a response's headers and its body as two writes. With Nagle on, the body waits until the
client acknowledges the headers, and clients delay that acknowledgement (40 ms on Linux): every response
would take 40 ms more. asyncio disables Nagle (TCP_NODELAY) only on sockets created with
`proto=IPPROTO_TCP`; uvicorn's single-process server is one of those, but the socket it binds itself for
`--workers N` is not. On Linux an accepted connection inherits TCP_NODELAY from its listening socket, so
setting it there fixes every worker. (Measured with bench/webhook.py's fake Bot API, which had the same
problem: 44 ms per Bot API call before, 1 ms after.)

Once a worker's app has started, what is alive (the knowledge snapshot, modules, the app) is frozen out of
the garbage collector's sight: see `api.runtime.settle_heap`.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from api.runtime import settle_heap


class ServeConfig(uvicorn.Config):
    """uvicorn's configuration, binding TCP sockets with TCP_NODELAY set and settling the heap at start-up."""

    def bind_socket(self) -> socket.socket:
        """Bind as uvicorn does, then turn Nagle off for the connections the socket will accept."""
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def load(self) -> None:
        """Load as uvicorn does; the lifespan (run in every worker) also settles the heap after start-up."""
        super().load()
        base = self.lifespan_class

        class SettlingLifespan(base):  # type: ignore[valid-type,misc]
            async def startup(self) -> None:
                await super().startup()
                settle_heap()

        self.lifespan_class = SettlingLifespan


def run(app: str, **options: Any) -> bool:
    """Serve `app` (an import string) like `uvicorn.run`; False when a single worker failed to start."""
    config = ServeConfig(app, **options)
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return True
    server = uvicorn.Server(config)
    server.run()
    return server.started
