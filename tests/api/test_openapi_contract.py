"""The OpenAPI document says what the service does (issue 19, finding 7)."""

from __future__ import annotations

import re

from tests.api.conftest import Api, new_entry


def test_the_webhooks_document_their_refusals(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in ("/webhooks/telegram", "/webhooks/whatsapp"):
        assert {"401", "403"} <= set(paths[path]["post"]["responses"]), path
    assert "403" in paths["/webhooks/whatsapp"]["get"]["responses"]


def test_patch_with_a_null_field_means_no_change_as_the_schema_allows(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()["components"]["schemas"]["EntryPatch"]["properties"]["topic"]
    assert {"type": "null"} in spec["anyOf"]
    before = api.call("GET", "/api/v1/entries/hak-pmi").json()
    patched = api.call("PATCH", "/api/v1/entries/hak-pmi", "editor",
                       json={"version": before["version"], "topic": None, "related": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["topic"] == before["topic"] and patched.json()["related"] == before["related"]


def test_the_entry_id_rule_is_in_the_schema(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]["EntryDoc"]["properties"]["id"]
    assert schema["minLength"] == 1 and schema["pattern"].startswith("^[a-z0-9]")
    refused = api.call("POST", "/api/v1/entries", "editor", json=new_entry(""))
    assert refused.status_code == 422


def test_a_response_carrying_a_secret_is_never_cached(api: Api) -> None:
    created = api.call("POST", "/api/v1/tokens", json={"name": "editor-7", "role": "editor"})
    assert created.status_code == 201 and created.json()["token"]
    assert created.headers["Cache-Control"] == "no-store"
    operation = api.client.get("/openapi.json").json()["paths"]["/api/v1/tokens"]["post"]
    assert "Cache-Control" in operation["responses"]["201"]["headers"]


def test_a_405_names_every_method_the_path_takes(shared_api: Api) -> None:
    # One route per method: Starlette alone would answer with the first matching route's method only.
    paths = shared_api.client.get("/openapi.json").json()["paths"]
    assert len(paths) > 20
    for path, operations in paths.items():
        refused = shared_api.call("OPTIONS", re.sub(r"\{[^}]+\}", "1", path))
        assert refused.status_code == 405, (path, refused.status_code)
        documented = {m.upper() for m in operations}
        assert set(refused.headers["Allow"].split(", ")) == documented, path
