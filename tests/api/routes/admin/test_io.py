"""Export → import dry-run is clean in every format; a broken import reports every problem and changes nothing."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.api.conftest import Api, new_entry

CONTENT_TYPES = {"json": "application/json", "yaml": "application/yaml", "csv": "text/csv"}


@pytest.mark.parametrize("fmt", ["json", "yaml", "csv"])
def test_export_then_import_dry_run_is_clean(api: Api, fmt: str) -> None:
    exported = api.call("GET", "/api/v1/export", "staff", params={"format": fmt})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith(CONTENT_TYPES[fmt])
    report = api.call("POST", "/api/v1/import", "editor", params={"dry_run": "true"}, content=exported.content,
                      headers={"Content-Type": CONTENT_TYPES[fmt]})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["ok"] and body["problems"] == [] and body["dry_run"] and not body["imported"]
    assert body["created"] == [] and body["updated"] == []
    assert len(body["unchanged"]) > 50
    assert len(body["countries"]) == (0 if fmt == "csv" else 13)


def test_a_broken_import_reports_every_problem_and_changes_nothing(api: Api) -> None:
    broken = new_entry(related=["tidak-ada"])
    del broken["texts"]["id"]["answer"]
    document = {"entries": [broken, new_entry("entri-dua", countries=["XX"]), new_entry("entri-dua")],
                "countries": [{"code": "tw", "names": {"id": "Taiwan"}}]}
    before = api.call("GET", "/api/v1/export").json()

    response = api.call("POST", "/api/v1/import", "editor", params={"dry_run": True}, json=document)
    assert response.status_code == 422
    dry = response.json()
    assert not dry["ok"] and dry["dry_run"] and "problem" in dry["detail"]
    located = {(p["entry"], p["field"]) for p in dry["problems"]}
    assert ("kapal-pesiar-kerja", "texts.id.answer") in located
    assert ("entri-dua", "countries") in located
    assert ("entri-dua", "id") in located  # the duplicate
    assert ("tw", "code") in located
    assert all(p["file"] == "request body" for p in dry["problems"])

    real = api.call("POST", "/api/v1/import", "editor", json=document)
    assert real.status_code == 422
    assert "nothing was imported" in real.json()["detail"]
    assert api.call("GET", "/api/v1/export").json() == before


def test_an_import_naming_what_is_stored_nowhere_is_a_conflict(api: Api) -> None:
    # Each entry well-formed: only the knowledge it meets makes it wrong (as POST /entries answers it).
    document = {"entries": [new_entry(countries=["XX"], related=["tidak-ada"])]}
    response = api.call("POST", "/api/v1/import", "editor", params={"dry_run": True}, json=document)
    assert response.status_code == 409, response.text
    assert {(p["entry"], p["field"]) for p in response.json()["problems"]} == {
        ("kapal-pesiar-kerja", "countries"), ("kapal-pesiar-kerja", "related")}
    operation = api.client.get("/openapi.json").json()["paths"]["/api/v1/import"]["post"]
    assert "409" in operation["responses"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["entries"]["items"] == {"$ref": "#/components/schemas/EntryDoc"} and schema["anyOf"]


def test_an_import_is_applied_whole_and_live_at_once(api: Api) -> None:
    yaml_text = yaml.safe_dump({"entries": [new_entry(status="published")]}, allow_unicode=True)
    report = api.call("POST", "/api/v1/import", "editor", content=yaml_text.encode(),
                      headers={"Content-Type": "application/yaml"})
    assert report.status_code == 200, report.text
    assert report.json()["imported"] and report.json()["created"] == ["kapal-pesiar-kerja"]
    turn = api.call("POST", "/api/v1/ask", json={"text": "lowongan kapal pesiar"}).json()
    assert turn["entry_id"] == "kapal-pesiar-kerja"
    trail = api.call("GET", "/api/v1/audit", params={"target": "knowledge"}).json()
    assert trail["data"][0]["action"] == "content.import" and trail["data"][0]["actor"] == "editor-1"


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        (b"{not json", "application/json", "broken JSON"),
        (b"entries: [\n  - {id: x", "application/yaml", "broken YAML"),
        (b"id,topic\nx,y\n", "text/csv", "CSV header lacks"),
        (b"\xff\xfe\x00", "application/json", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", ""),
    ],
)
def test_an_unreadable_import_says_what_is_wrong(shared_api: Api, content: bytes, content_type: str,
                                                 message: str) -> None:
    response = shared_api.call("POST", "/api/v1/import", "editor", params={"dry_run": True}, content=content,
                               headers={"Content-Type": content_type})
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert problems and message in problems[0]["message"]
    assert json.dumps(response.json())


@pytest.mark.parametrize(
    ("content", "content_type", "code", "message"),
    [(b"", "application/json", 422, "empty"), (b"  \n", "text/csv", 422, "empty"),
     (b"{}", "application/yaml", 422, "nothing to import"),
     (b"<xml/>", "application/xml", 415, "unsupported Content-Type")],
)
def test_a_body_that_is_no_document_is_refused(shared_api: Api, content: bytes, content_type: str, code: int,
                                               message: str) -> None:
    # Refused whole, dry run or not: nothing changes, so the module's shared app serves every case.
    for dry_run in (True, False):
        response = shared_api.call("POST", "/api/v1/import", "editor", params={"dry_run": dry_run},
                                   content=content, headers={"Content-Type": content_type})
        assert response.status_code == code
        assert message in response.json()["detail"]
