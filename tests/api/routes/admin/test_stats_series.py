"""GET /api/v1/stats?from=&to=: turns per day, by decision and channel, with empty days as zeros."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import Session

from knowledge.editing import record_turn
from tests.api.conftest import Api


def test_the_per_day_series_covers_the_range_with_zeros(api: Api, engine: Engine) -> None:
    first = dt.date(2026, 11, 1)
    with Session(engine) as session:
        record_turn(session, channel="telegram", lang="id", decision="answer", day=first, count=3)
        record_turn(session, channel="whatsapp", lang="id", decision="fallback", day=first, count=1)
        record_turn(session, channel="telegram", lang="en", decision="answer", day=first + dt.timedelta(days=2))
        record_turn(session, channel="telegram", lang="id", decision="answer", day=first + dt.timedelta(days=9))
        session.commit()
    series = api.call("GET", "/api/v1/stats", "staff", params={"from": "2026-11-01", "to": "2026-11-03"}).json()["series"]
    assert [d["day"] for d in series] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert series[0] == {"day": "2026-11-01", "total": 4, "decisions": {"answer": 3, "fallback": 1},
                         "channels": {"telegram": 3, "whatsapp": 1}}
    assert series[1]["total"] == 0 and series[1]["decisions"] == {}
    assert series[2]["channels"] == {"telegram": 1}


def test_a_backwards_range_is_swapped_a_long_one_ends_at_to_and_a_date_is_a_date(api: Api) -> None:
    # As the console reads a period; no cross-parameter rule the OpenAPI document could not state.
    backwards = api.call("GET", "/api/v1/stats", params={"from": "2026-11-05", "to": "2026-11-01"})
    assert backwards.status_code == 200
    assert [d["day"] for d in backwards.json()["series"]] == [f"2026-11-0{n}" for n in range(1, 6)]
    long = api.call("GET", "/api/v1/stats", params={"from": "2020-01-01", "to": "2026-01-01"}).json()["series"]
    assert len(long) == 366 and (long[0]["day"], long[-1]["day"]) == ("2025-01-01", "2026-01-01")
    for not_a_date in ("not-a-date", "0", "1700000000", "2026-1-5"):  # pydantic alone reads digits as a Unix time
        assert api.call("GET", "/api/v1/stats", params={"from": not_a_date}).status_code == 422, not_a_date
        assert api.call("GET", "/api/v1/entries", params={"review_due_before": not_a_date}).status_code == 422
    assert api.call("GET", "/api/v1/stats", params={"to": "0001-01-02"}).status_code == 200  # no date arithmetic overflow
    assert len(api.call("GET", "/api/v1/stats").json()["series"]) == 30  # the last 30 days by default
