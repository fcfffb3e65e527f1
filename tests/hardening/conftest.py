"""Fixtures shared by the hardening tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.telegram_api import FakeTelegramAPI


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeTelegramAPI, FakeGraphAPI]]:
    """The fake Bot API and Graph API, one pair per test module."""
    with FakeTelegramAPI().serve() as telegram, FakeGraphAPI().serve() as graph:
        yield telegram, graph
