"""Malformed JSON, wrong types, oversized bodies and out-of-range parameters get a 4xx JSON detail, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.middleware import DEFAULT_LIMIT, IMPORT_LIMIT
from tests.api.conftest import Api


@pytest.fixture(scope="module")
def api(shared_api: Api) -> Api:
    """Every request here is refused or only reads (an import as a dry run): one app for the module."""
    return shared_api


def test_malformed_json_says_so(api: Api) -> None:
    response = api.call("POST", "/api/v1/ask", content=b'{"text": "gaji",', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"text": 123}, ["body", "text"]),
        ({"text": ""}, ["body", "text"]),
        ({"text": "x" * 1001}, ["body", "text"]),
        ({"text": "gaji", "lang": "fr"}, ["body", "lang"]),
        ({"text": "gaji", "country": "Taiwan"}, ["body", "country"]),
        ({"text": "gaji", "include_drafts": "perhaps"}, ["body", "include_drafts"]),
        ({"text": "gaji", "include_drafts": 0}, ["body", "include_drafts"]),
        ({"text": "gaji", "surprise": 1}, ["body", "surprise"]),
        ([], ["body"]),
    ],
)
def test_wrong_types_are_located(api: Api, body: object, loc: list[str]) -> None:
    response = api.call("POST", "/api/v1/ask", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_an_oversized_body_gets_413(api: Api) -> None:
    big = {"text": "x" * DEFAULT_LIMIT}
    response = api.call("POST", "/api/v1/ask", json=big)
    assert response.status_code == 413
    assert "KiB" in response.json()["detail"]
    # Import may be larger than other bodies, up to its own bound.
    exported = api.call("GET", "/api/v1/export").content
    assert len(exported) > DEFAULT_LIMIT
    assert api.call("POST", "/api/v1/import", "editor", params={"dry_run": True}, content=exported,
                    headers={"Content-Type": "application/json"}).status_code == 200
    huge = b" " * (IMPORT_LIMIT + 1)
    assert api.call("POST", "/api/v1/import", "editor", content=huge,
                    headers={"Content-Type": "application/json"}).status_code == 413


def test_a_streamed_body_without_length_is_cut_at_the_limit(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = api.call("POST", "/api/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/entries?limit=0",
        "/api/v1/entries?limit=100000",
        "/api/v1/entries?offset=-1",
        "/api/v1/entries?limit=abc",
        "/api/v1/entries?status=gone",
        "/api/v1/entries?country=tw",
        "/api/v1/entries?q=" + "x" * 201,
        "/api/v1/entries/akta-kelahiran/revisions/99999999999999999999/restore",
        "/api/v1/tokens/0",
        "/api/v1/export?format=pdf",
        "/api/v1/unanswered?status=whatever",
        "/api/v1/stats?days=0",
    ],
)
def test_out_of_range_parameters_get_4xx_with_detail(api: Api, path: str) -> None:
    method = "POST" if path.endswith("/restore") else "DELETE" if "/tokens/" in path else "GET"
    response = api.call(method, path)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]


def test_unknown_entries_and_routes_get_404_json(api: Api) -> None:
    for method, path in [("GET", "/api/v1/entries/tidak-ada"), ("POST", "/api/v1/entries/tidak-ada/publish"),
                         ("GET", "/api/v1/entries/tidak-ada/revisions"), ("GET", "/api/v1/nothing-here")]:
        response = api.call(method, path)
        assert response.status_code == 404
        assert response.json()["detail"]


def test_a_patch_without_version_is_refused(api: Api) -> None:
    response = api.call("PATCH", "/api/v1/entries/akta-kelahiran", "editor", json={"countries": ["MY"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "version"]
