"""claim_and_compute: claim, core and stored replies in one call, with the guarantees of `bot.delivery`."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.delivery import (
    Claimed,
    Delivery,
    begin_delivery,
    claim_and_compute,
    finish_delivery,
    mark_progress,
    record_failed_send,
)


class Core:
    """Counts its runs, as the conversation core would be run."""

    def __init__(self, result: object = ("hello",)) -> None:
        self.runs = 0
        self.result = result

    def __call__(self) -> object:
        self.runs += 1
        return list(self.result)  # type: ignore[call-overload]


def test_a_new_update_is_computed_stored_and_then_a_duplicate(engine: Engine) -> None:
    core = Core()
    claimed = claim_and_compute(engine, "telegram", "u1", "42", core)
    assert isinstance(claimed, Claimed)
    assert (claimed.result, claimed.start, claimed.queued, core.runs) == (["hello"], 0, False, 1)
    assert claimed.delivery.status == "new" and claimed.delivery.result is None  # computed by this call
    finish_delivery(engine, claimed.delivery)
    again = claim_and_compute(engine, "telegram", "u1", "42", core)
    assert isinstance(again, Delivery) and again.status == "duplicate"
    assert core.runs == 1


def test_an_update_another_worker_holds_is_busy_and_not_computed(engine: Engine) -> None:
    assert begin_delivery(engine, "telegram", "u2", "42").status == "new"
    core = Core()
    busy = claim_and_compute(engine, "telegram", "u2", "42", core)
    assert isinstance(busy, Delivery) and busy.status == "busy"
    assert core.runs == 0


def test_a_failing_core_releases_the_claim_so_the_redelivery_is_processed(engine: Engine) -> None:
    def broken() -> object:
        raise RuntimeError("core failed")

    with pytest.raises(RuntimeError):
        claim_and_compute(engine, "telegram", "u3", "42", broken)
    core = Core()
    claimed = claim_and_compute(engine, "telegram", "u3", "42", core)
    assert isinstance(claimed, Claimed) and core.runs == 1


def test_a_dead_workers_update_resumes_with_its_stored_replies_not_a_new_run(engine: Engine) -> None:
    first = claim_and_compute(engine, "telegram", "u4", "42", Core(("one", "two", "three")))
    assert isinstance(first, Claimed)
    mark_progress(engine, first.delivery, 1)  # one reply was out when the worker died
    core = Core(("different",))
    # Still within the lease: busy. After it (lease 0 here): taken over, the stored replies from the second on.
    assert isinstance(claim_and_compute(engine, "telegram", "u4", "42", core), Delivery)
    resumed = claim_and_compute(engine, "telegram", "u4", "42", core, lease_seconds=0)
    assert isinstance(resumed, Claimed)
    assert resumed.delivery.status == "resume"
    assert (resumed.result, resumed.start, core.runs) == (["one", "two", "three"], 1, 0)


def test_queued_when_older_messages_to_the_user_wait_in_the_outbox(engine: Engine) -> None:
    record_failed_send(engine, "telegram", "77", {"text": "older"}, "network", attempts=3)
    claimed = claim_and_compute(engine, "telegram", "u5", "77", Core())
    assert isinstance(claimed, Claimed) and claimed.queued
    other = claim_and_compute(engine, "telegram", "u6", "78", Core())
    assert isinstance(other, Claimed) and not other.queued
