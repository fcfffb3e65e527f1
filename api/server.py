"""Run the ASGI app under uvicorn through its public API: `uvicorn.Config`/`uvicorn.Server`, `uvicorn.run`.

Two things differ from a plain `uvicorn --workers N`:

- **Nagle's algorithm off.** uvicorn writes a response's headers and its body as two writes. With Nagle on,
  the body waits until the client acknowledges the headers, and clients delay that acknowledgement (40 ms
  on Linux): every response would take 40 ms more. asyncio disables Nagle only on sockets it creates
  itself (one worker: uvicorn passes host and port to asyncio), not on the socket uvicorn binds for several
  workers. So for `--workers N` we bind the socket here with TCP_NODELAY set and hand it to uvicorn by its
  file descriptor (`fd`, uvicorn's option for a socket bound by someone else); on Linux every accepted
  connection inherits the option. (Measured with bench/webhook.py's fake Bot API, which had the same
  problem: 44 ms per Bot API call before, 1 ms after.)
- **Room for a slow start.** The supervisor pings each new worker and replaces it when no answer comes
  within `timeout_worker_healthcheck` (uvicorn's default: 5 s). A worker can answer only once Python has
  started and imported what the worker needs; on a loaded machine that took longer than 5 s and the
  workers were killed in a loop. `WORKER_HEALTHCHECK_SECONDS` (default 60) gives them room.

Nothing heavy is imported here: each worker process imports this module before it can answer the ping.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import uvicorn


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with Nagle off, to be inherited by every worker."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run(app: str, *, host: str, port: int, workers: int = 1, healthcheck_seconds: int = 60,
        **options: Any) -> bool:
    """Serve `app` (an import string); False when it did not start (the single worker, or the bind)."""
    if workers <= 1:
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options))
        server.run()
        return server.started
    try:
        sock = bind(host, port)
    except OSError as error:
        print(f"desmigratif: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        return False
    try:
        uvicorn.run(app, fd=sock.fileno(), workers=workers, timeout_worker_healthcheck=healthcheck_seconds,
                    **options)
    except SystemExit as exit_:  # uvicorn exits when a worker cannot start at all
        return exit_.code in (0, None)
    finally:
        sock.close()
    return True
