"""Editors create, change, publish, archive and restore entries; published changes are live within seconds."""

from __future__ import annotations

from typing import Any

from api.app import create_app
from tests.api.conftest import Api, TestClient, api_settings, eventually, new_entry

QUESTION = "lowongan kapal pesiar"


def ask(client_or_api: Any, text: str, role: str = "staff", **extra: Any) -> dict[str, Any]:
    """POST /ask and return the turn object."""
    api = client_or_api
    response = api.call("POST", "/api/v1/ask", role, json={"text": text, "lang": "id", **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_editor_creates_a_draft_that_only_drafts_mode_answers(api: Api) -> None:
    assert ask(api, QUESTION)["entry_id"] != "kapal-pesiar-kerja"
    created = api.call("POST", "/api/v1/entries", "editor", json=new_entry())
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["version"], body["updated_by"]) == ("draft", 1, "editor-1")
    assert body["updated_at"]

    assert ask(api, QUESTION)["entry_id"] != "kapal-pesiar-kerja"
    tried = ask(api, QUESTION, include_drafts=True)
    assert (tried["decision"], tried["entry_id"]) == ("answer", "kapal-pesiar-kerja")
    assert tried["candidates"][0] == {"entry_id": "kapal-pesiar-kerja", "score": tried["confidence"]}
    assert api.call("POST", "/api/v1/entries", "editor", json=new_entry()).status_code == 409


def test_a_published_entry_answers_on_every_worker_within_seconds(api: Api, db_url: str) -> None:
    # A second worker process on the same database: it learns of the publish only through the version poll.
    with TestClient(create_app(api_settings(db_url))) as other_worker:
        other = Api(other_worker, api.tokens)
        assert ask(other, QUESTION)["entry_id"] != "kapal-pesiar-kerja"
        api.call("POST", "/api/v1/entries", "editor", json=new_entry())
        published = api.call("POST", "/api/v1/entries/kapal-pesiar-kerja/publish", "editor")
        assert published.status_code == 200, published.text
        assert (published.json()["status"], published.json()["version"]) == ("published", 2)

        assert ask(api, QUESTION)["entry_id"] == "kapal-pesiar-kerja"  # this worker refreshed at once
        turn = eventually(lambda: (t := ask(other, QUESTION))["entry_id"] == "kapal-pesiar-kerja" and t, timeout=5)
        assert turn["decision"] == "answer"
        assert "perusahaan penempatan resmi" in turn["replies"][0]["text"]

        api.call("POST", "/api/v1/entries/kapal-pesiar-kerja/unpublish", "editor")
        eventually(lambda: ask(other, QUESTION)["entry_id"] != "kapal-pesiar-kerja", timeout=5)


def test_a_stale_update_gets_409_and_loses_nothing(api: Api) -> None:
    api.call("POST", "/api/v1/entries", "editor", json=new_entry())
    first = api.call("PATCH", "/api/v1/entries/kapal-pesiar-kerja", "editor",
                     json={"version": 1, "countries": ["MY"], "note": "Malaysia only"})
    assert first.status_code == 200, first.text
    assert (first.json()["version"], first.json()["countries"]) == (2, ["MY"])

    # A second editor, still looking at version 1, changes the answer.
    answer = {"question": "Kerja kapal pesiar?", "phrasings": [], "answer": "Jawaban lain yang menimpa."}
    stale = api.call("PATCH", "/api/v1/entries/kapal-pesiar-kerja", "admin",
                     json={"version": 1, "texts": {"id": answer}})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert "version 2" in stale.json()["detail"]

    now = api.call("GET", "/api/v1/entries/kapal-pesiar-kerja").json()
    assert now["version"] == 2 and now["countries"] == ["MY"]
    assert now["texts"]["id"]["answer"] == new_entry()["texts"]["id"]["answer"]
    history = api.call("GET", "/api/v1/entries/kapal-pesiar-kerja/revisions").json()
    assert [(r["number"], r["author"], r["note"]) for r in history["data"]] == [
        (2, "editor-1", "Malaysia only"), (1, "editor-1", "created")]

    # Reapplied on the current version, the second change goes through; `texts` merges per language.
    retried = api.call("PATCH", "/api/v1/entries/kapal-pesiar-kerja", "admin",
                       json={"version": 2, "texts": {"id": answer}})
    assert retried.status_code == 200, retried.text
    assert retried.json()["texts"]["id"]["answer"] == "Jawaban lain yang menimpa."
    assert retried.json()["texts"]["en"] == new_entry()["texts"]["en"]
    assert retried.json()["updated_by"] == "admin-1"


def test_restore_brings_an_old_answer_back(api: Api) -> None:
    original = new_entry(status="published")
    assert api.call("POST", "/api/v1/entries", "editor", json=original).status_code == 201
    assert ask(api, QUESTION)["entry_id"] == "kapal-pesiar-kerja"
    wrong = dict(original["texts"]["id"], answer="Jawaban yang salah, nanti dikembalikan.")
    api.call("PATCH", "/api/v1/entries/kapal-pesiar-kerja", "editor", json={"version": 1, "texts": {"id": wrong}})
    assert "salah" in ask(api, QUESTION)["replies"][0]["text"]

    restored = api.call("POST", "/api/v1/entries/kapal-pesiar-kerja/revisions/1/restore", "editor")
    assert restored.status_code == 200, restored.text
    assert restored.json()["version"] == 3 and restored.json()["status"] == "published"
    assert restored.json()["texts"]["id"]["answer"] == original["texts"]["id"]["answer"]
    assert "perusahaan penempatan resmi" in ask(api, QUESTION)["replies"][0]["text"]
    history = api.call("GET", "/api/v1/entries/kapal-pesiar-kerja/revisions").json()
    assert history["count"] == 3 and history["data"][0]["note"] == "restored revision 1"
    assert api.call("POST", "/api/v1/entries/kapal-pesiar-kerja/revisions/9/restore", "editor").status_code == 404


def test_staff_cannot_edit_content(api: Api) -> None:
    before = api.call("GET", "/api/v1/entries/akta-kelahiran").json()
    attempts = [
        ("POST", "/api/v1/entries", {"json": new_entry()}),
        ("PATCH", "/api/v1/entries/akta-kelahiran", {"json": {"version": before["version"], "countries": ["MY"]}}),
        ("DELETE", "/api/v1/entries/akta-kelahiran", {}),
        ("POST", "/api/v1/entries/akta-kelahiran/unpublish", {}),
        ("POST", "/api/v1/entries/akta-kelahiran/revisions/1/restore", {}),
        ("POST", "/api/v1/import", {"json": {"entries": []}}),
    ]
    for method, path, kwargs in attempts:
        assert api.call(method, path, "staff", **kwargs).status_code == 403, (method, path)
    assert api.call("GET", "/api/v1/entries/akta-kelahiran").json() == before
    assert api.call("GET", "/api/v1/entries/kapal-pesiar-kerja").status_code == 404


def test_archive_takes_an_entry_out_of_the_bot(api: Api) -> None:
    api.call("POST", "/api/v1/entries", "editor", json=new_entry(status="published"))
    archived = api.call("DELETE", "/api/v1/entries/kapal-pesiar-kerja", "editor", params={"version": 1})
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert ask(api, QUESTION)["entry_id"] != "kapal-pesiar-kerja"
    assert ask(api, QUESTION, include_drafts=True)["entry_id"] != "kapal-pesiar-kerja"
    assert api.call("POST", "/api/v1/entries/kapal-pesiar-kerja/publish", "editor",
                    params={"version": 1}).status_code == 409


def test_validation_errors_name_the_field(api: Api) -> None:
    bad_slug = api.call("POST", "/api/v1/entries", "editor", json=new_entry("Bukan Slug"))
    assert bad_slug.status_code == 422
    assert bad_slug.json()["detail"][0]["loc"] == ["body", "id"]

    # Well-formed, but naming what is not stored: a conflict with the knowledge as it is.
    unknown = api.call("POST", "/api/v1/entries", "editor", json=new_entry(countries=["XX"], related=["nope"]))
    assert unknown.status_code == 409
    assert {tuple(d["loc"]) for d in unknown.json()["detail"]} == {("countries", 0), ("related", 0)}

    no_english = new_entry()
    del no_english["texts"]["en"]
    api.call("POST", "/api/v1/entries", "editor", json=no_english)
    refused = api.call("POST", "/api/v1/entries/kapal-pesiar-kerja/publish", "editor")
    assert refused.status_code == 409  # the request was fine; the entry lacks something
    assert "English" in refused.json()["detail"][0]["msg"]
    assert api.call("GET", "/api/v1/entries/kapal-pesiar-kerja").json()["status"] == "draft"

    # Wrong only with the stored reviewed_at: a conflict with the entry as it is; wrong on its own: malformed.
    dates = api.call("PATCH", "/api/v1/entries/kapal-pesiar-kerja", "editor",
                     json={"version": 1, "review_due": "2020-01-01"})
    assert dates.status_code == 409 and "review_due" in dates.json()["detail"][0]["msg"]
    for alone in ({"reviewed_at": "2026-02-01", "review_due": "2026-01-01"}, {"texts": {"id": None}},
                  {"aspect": "bukan"}, {"related": ["Bukan Slug"]}):
        refused = api.call("PATCH", "/api/v1/entries/kapal-pesiar-kerja", "editor", json={"version": 1, **alone})
        assert refused.status_code == 422, (alone, refused.text)
    too_long = api.call("PATCH", "/api/v1/entries/kapal-pesiar-kerja", "editor",
                        json={"version": 1, "texts": {"id": {"question": "q?!", "answer": "x" * 5000}}})
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"][:4] == ["body", "texts", "id", "answer"]
    assert api.call("GET", "/api/v1/entries/kapal-pesiar-kerja").json()["version"] == 1


def test_list_filters_and_pages(api: Api) -> None:
    everything = api.call("GET", "/api/v1/entries", params={"limit": 200}).json()
    assert everything["count"] == len(everything["data"]) > 50
    page = api.call("GET", "/api/v1/entries", params={"limit": 5, "offset": 5}).json()
    assert page["count"] == everything["count"]
    assert [e["id"] for e in page["data"]] == [e["id"] for e in everything["data"][5:10]]

    taiwan = api.call("GET", "/api/v1/entries", params={"country": "TW", "limit": 200}).json()
    assert taiwan["count"] and all("TW" in e["countries"] for e in taiwan["data"])
    found = api.call("GET", "/api/v1/entries", params={"q": "PASPOR", "topic": "documents"}).json()
    assert "paspor-pmi" in {e["id"] for e in found["data"]}
    assert all(e["topic"] == "documents" for e in found["data"])

    api.call("POST", "/api/v1/entries", "editor", json=new_entry())
    drafts = api.call("GET", "/api/v1/entries", params={"status": "draft"}).json()
    assert [e["id"] for e in drafts["data"]] == ["kapal-pesiar-kerja"]
    english = api.call("GET", "/api/v1/entries", params={"q": "cruise", "lang": "en"}).json()
    assert [e["id"] for e in english["data"]] == ["kapal-pesiar-kerja"]
    assert api.call("GET", "/api/v1/entries", params={"limit": 201}).status_code == 422


def test_every_change_is_audited_with_its_author(api: Api) -> None:
    api.call("POST", "/api/v1/entries", "editor", json=new_entry())
    api.call("POST", "/api/v1/entries/kapal-pesiar-kerja/publish", "admin")
    trail = api.call("GET", "/api/v1/audit", params={"target": "entry:kapal-pesiar-kerja"}).json()
    assert [(a["action"], a["actor"]) for a in trail["data"]] == [
        ("entry.publish", "admin-1"), ("entry.create", "editor-1")]
    assert trail["data"][0]["detail"]["version"] == 2
