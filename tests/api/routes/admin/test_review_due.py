"""Entries due for review are visible: the entries filter, the stats count and `desmigratif content due` agree."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from api.cli import main as cli_main
from knowledge.editing import update_entry
from knowledge.loader import CONTENT_DIR, load_seed
from tests.api.conftest import Api

SEED = load_seed()


def _due_by(day: str) -> set[str]:
    return {e.id for e in SEED.entries if e.review_due <= dt.date.fromisoformat(day)}


def test_entries_filter_by_review_due_before(api: Api) -> None:
    response = api.call("GET", "/api/v1/entries", "staff", params={"review_due_before": "2027-03-02", "limit": 200})
    assert response.status_code == 200
    body = response.json()
    assert {e["id"] for e in body["data"]} == _due_by("2027-03-02")
    assert body["count"] == len(_due_by("2027-03-02")) > 0
    assert all(e["review_due"] <= "2027-03-02" for e in body["data"])
    nothing = api.call("GET", "/api/v1/entries", params={"review_due_before": "2026-01-01"}).json()
    assert nothing == {"data": [], "count": 0}
    taiwan = api.call("GET", "/api/v1/entries", params={"review_due_before": "2027-03-02", "country": "TW"}).json()
    assert {e["id"] for e in taiwan["data"]} == {e for e in _due_by("2027-03-02") if "taiwan" in e}


@pytest.mark.parametrize("bad", ["2027-13-01", "next week", "2027-02-30", "20270302"])
def test_a_bad_review_date_gets_a_json_422(api: Api, bad: str) -> None:
    response = api.call("GET", "/api/v1/entries", params={"review_due_before": bad})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "review_due_before"]


def _make_overdue(engine, slug: str) -> None:
    with Session(engine) as session:
        version = next(e.version for e in SEED.entries if e.id == slug)
        update_entry(session, slug, {"reviewed_at": "2025-01-01", "review_due": "2025-06-01"}, version=version,
                     author="test", note="an old review")
        session.commit()


def test_stats_count_the_overdue_entries(api: Api, engine) -> None:
    before = api.call("GET", "/api/v1/stats", "staff").json()["review"]
    today = dt.date.today()
    assert before["overdue"] == sum(1 for e in SEED.entries if e.review_due < today)
    _make_overdue(engine, "gaji-taiwan")
    after = api.call("GET", "/api/v1/stats", "staff").json()["review"]
    assert after["overdue"] == before["overdue"] + 1
    listed = api.call("GET", "/api/v1/entries", params={"review_due_before": "2025-12-31", "limit": 200}).json()
    assert [e["id"] for e in listed["data"]] == ["gaji-taiwan"]


def test_content_due_lists_overdue_and_near_entries(cli_db: str, engine, capsys: pytest.CaptureFixture[str]) -> None:
    if not _due_by(dt.date.today().isoformat()):
        assert cli_main(["content", "due", "--within", "0"]) == 0
        assert "no entry is due for review" in capsys.readouterr().out
    _make_overdue(engine, "kontak-hongkong")
    assert cli_main(["content", "due", "--within", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2025-06-01  kontak-hongkong") and "overdue by" in out[0]
    assert "kontak-hongkong" in out[0] and out[-1].endswith("overdue)")
    horizon = max(dt.date(2027, 3, 2), dt.date.today())
    assert cli_main(["content", "due", "--within", str((horizon - dt.date.today()).days)]) == 0
    listed = {line.split()[1] for line in capsys.readouterr().out.splitlines()[:-1]}
    assert listed == _due_by(horizon.isoformat()) | {"kontak-hongkong"}


def test_content_due_reads_files_and_refuses_a_negative_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["content", "due", str(CONTENT_DIR), "--within", "100000"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith(f"{len(SEED.entries)} of {len(SEED.entries)} entries due")
    assert cli_main(["content", "due", "--within", "-3"]) == 2
    assert "--within" in capsys.readouterr().err
