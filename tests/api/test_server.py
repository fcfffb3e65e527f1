"""How `desmigratif serve` runs uvicorn: Nagle off on every accepted connection, the heap frozen once ready,
and only uvicorn's public API."""

from __future__ import annotations

import ast
import gc
import inspect
import socket
import warnings
import weakref
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.exceptions import StarletteDeprecationWarning

import api.server
from api.app import create_app
from api.runtime import SnapshotHolder, settle_heap
from api.server import bind
from api.settings import Settings
from knowledge.store import bump_content_version

with warnings.catch_warnings():
    # Starlette 1.10 asks for the httpx2 package at import time; the test client works with httpx as it is.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


def test_bound_socket_has_nagle_off_and_connections_inherit_it() -> None:
    listener = bind("127.0.0.1", 0)
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
    """Why ServeConfig exists: a socket bound the way uvicorn binds it for several workers keeps Nagle on."""
    plain = socket.socket(family=socket.AF_INET)
    try:
        assert not plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert plain.proto == 0  # asyncio sets TCP_NODELAY itself only when proto is IPPROTO_TCP
    finally:
        plain.close()


@pytest.fixture
def thawed() -> Iterator[None]:
    """Leave the test process's collector as it was: nothing frozen."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_started_worker_has_its_heap_frozen(db_url: str, thawed: None) -> None:
    settings = Settings(_env_file=None, database_url=db_url)  # type: ignore[call-arg]
    with TestClient(create_app(settings)):
        assert gc.get_freeze_count() == 0, "a test process building apps keeps its collector"
    with TestClient(create_app(settings, settle=True)):  # as app_factory builds it for `serve`
        assert gc.get_freeze_count() > 1000, "what was alive at start-up is out of the collector's sight"


def test_the_server_uses_only_uvicorns_public_api() -> None:
    """uvicorn's internals (supervisors, lifespan classes) change between releases; pyproject pins the range."""
    source = inspect.getsource(api.server)
    assert "uvicorn.supervisors" not in source and "lifespan_class" not in source and "uvicorn._" not in source
    names = {node.attr for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Attribute)
             and isinstance(node.value, ast.Name) and node.value.id == "uvicorn"}
    assert names <= set(uvicorn.__all__), names


def test_a_new_snapshot_in_a_frozen_worker_frees_the_old_one(engine: Engine, thawed: None) -> None:
    holder = SnapshotHolder(engine, poll_seconds=3600)
    old = weakref.ref(holder.get())
    settle_heap()  # as a serving worker is once it has started

    assert holder.refresh(force=True)

    assert old() is None, "the replaced snapshot was collected, not kept frozen"
    assert holder.get() is not None and gc.get_freeze_count() > 1000, "the new one is frozen in turn"


def test_a_worker_polling_in_the_background_never_rebuilds_on_a_requests_path(engine: Engine) -> None:
    holder = SnapshotHolder(engine, poll_seconds=0.0)  # every get() would be due for a check
    first = holder.get()
    with Session(engine) as session:  # another worker publishes
        bump_content_version(session)
        session.commit()

    holder.polled_in_background = True
    assert holder.get() is first, "the background task rebuilds, not the caller (on SQLite: the event loop)"
    assert holder.refresh()  # what the task does, in a thread
    assert holder.get().version == first.version + 1

    holder.polled_in_background = False  # e.g. the CLI: no background task, so get() checks by itself
    with Session(engine) as session:
        bump_content_version(session)
        session.commit()
    assert holder.get().version == first.version + 2
