"""An entry's aspect (gaji, syarat…) through the admin API: read, edited with PATCH, validated, exported as CSV."""

from __future__ import annotations

import csv
import io

from tests.api.conftest import Api


def test_an_entry_shows_its_aspect(api: Api) -> None:
    body = api.call("GET", "/api/v1/entries/gaji-taiwan", "staff").json()
    assert (body["aspect"], body["countries"]) == ("gaji", ["TW"])


def test_an_editor_changes_and_removes_the_aspect(api: Api) -> None:
    version = api.call("GET", "/api/v1/entries/kontrak-korea", "staff").json()["version"]
    changed = api.call("PATCH", "/api/v1/entries/kontrak-korea", "editor",
                       json={"version": version, "aspect": "hak", "note": "retag"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["aspect"], changed.json()["version"]) == ("hak", version + 1)
    removed = api.call("PATCH", "/api/v1/entries/kontrak-korea", "editor", json={"version": version + 1, "aspect": None})
    assert removed.status_code == 200, removed.text
    assert removed.json()["aspect"] is None


def test_an_unknown_aspect_is_refused_with_the_field_named(api: Api) -> None:
    version = api.call("GET", "/api/v1/entries/kontrak-korea", "staff").json()["version"]
    refused = api.call("PATCH", "/api/v1/entries/kontrak-korea", "editor", json={"version": version, "aspect": "cuaca"})
    assert refused.status_code == 422
    assert "aspect" in refused.text and "cuaca" in refused.text
    assert api.call("GET", "/api/v1/entries/kontrak-korea", "staff").json()["version"] == version


def test_the_csv_export_has_an_aspect_column(api: Api) -> None:
    exported = api.call("GET", "/api/v1/export", "staff", params={"format": "csv"})
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert rows["bahasa-jepang"]["aspect"] == "bahasa"
    assert rows["cek-p3mi"]["aspect"] == "penipuan"
