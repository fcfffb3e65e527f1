"""The listening socket of `desmigratif serve --workers N` turns Nagle off for every accepted connection."""

from __future__ import annotations

import socket

from api.server import NoDelayConfig


def test_bound_socket_has_nagle_off_and_connections_inherit_it() -> None:
    config = NoDelayConfig("api.app:app_factory", factory=True, host="127.0.0.1", port=0, workers=2)
    listener = config.bind_socket()
    try:
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        listener.listen(1)
        with socket.create_connection(listener.getsockname()[:2], timeout=5):
            accepted, _ = listener.accept()
            with accepted:  # what a worker serves on: without TCP_NODELAY each response waits ~40 ms
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        listener.close()


def test_plain_uvicorn_socket_lacks_it() -> None:
    """Why NoDelayConfig exists: a socket bound the way uvicorn binds it for several workers keeps Nagle on."""
    plain = socket.socket(family=socket.AF_INET)
    try:
        assert not plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert plain.proto == 0  # asyncio sets TCP_NODELAY itself only when proto is IPPROTO_TCP
    finally:
        plain.close()
