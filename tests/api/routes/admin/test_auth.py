"""Every protected route refuses a missing, unknown or revoked token (401) and a role that may not (403)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from api.app import create_app
from tests.api.conftest import Api, api_settings

# Values that fill the path parameters; they exist in the seeded database or do not matter for auth.
PATH_VALUES = {"entry_id": "akta-kelahiran", "number": "1", "item_id": "1", "token_id": "1"}
RANK = {"any": 0, "staff": 1, "editor": 1, "admin": 2}


def route_table() -> list[tuple[str, str, str]]:
    """(method, path, role) of every admin route, read from the app's own OpenAPI document."""
    spec = create_app(api_settings("sqlite://")).openapi()
    table = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            table.append((method.upper(), path, operation.get("x-role", "MISSING")))
    return sorted(table)


ROUTES = route_table()
IDS = [f"{m} {p}" for m, p, _r in ROUTES]


def concrete(path: str) -> str:
    """The path with its parameters filled in."""
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    return path


def body_for(method: str) -> dict[str, Any]:
    # A valid JSON object: the token check must answer before body validation does.
    return {"json": {}} if method in ("POST", "PATCH", "PUT") else {}


def test_the_route_table_is_complete() -> None:
    assert len(ROUTES) >= 20
    for method, path, role in ROUTES:
        assert role in RANK, f"{method} {path} documents no role (x-role)"


@pytest.mark.parametrize(("method", "path", "role"), ROUTES, ids=IDS)
def test_no_or_bad_token_gets_401(shared_api: Api, method: str, path: str, role: str) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer "}):
        response = shared_api.client.request(method, concrete(path), headers=headers, **body_for(method))
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(("method", "path", "role"), [r for r in ROUTES if r[2] in ("editor", "admin")],
                         ids=[i for i, r in zip(IDS, ROUTES, strict=True) if r[2] in ("editor", "admin")])
def test_a_role_that_may_not_gets_403(shared_api: Api, method: str, path: str, role: str) -> None:
    refused = ["staff"] if role == "editor" else ["staff", "editor"]
    for who in refused:
        response = shared_api.call(method, concrete(path), who, **body_for(method))
        assert response.status_code == 403, (who, response.text)
        assert role in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "role"), [r for r in ROUTES if r[2] == "any"],
                         ids=[i for i, r in zip(IDS, ROUTES, strict=True) if r[2] == "any"])
def test_any_role_may_read(shared_api: Api, method: str, path: str, role: str) -> None:
    for who in ("staff", "editor", "admin"):
        response = shared_api.call(method, concrete(path), who, **body_for(method))
        assert response.status_code not in (401, 403), (who, response.text)
        assert response.status_code < 500


def test_the_role_is_in_every_summary() -> None:
    spec = create_app(api_settings("sqlite://")).openapi()
    for _method, path, _role in ROUTES:
        for operation in spec["paths"][path].values():
            assert f"({operation['x-role']})" in operation["summary"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_an_admin_creates_lists_and_revokes_a_token(api: Api) -> None:
    created = api.call("POST", "/api/v1/tokens", json={"name": "desa-sukamaju", "role": "editor"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/entries?limit=1", headers=headers).status_code == 200

    listed = api.call("GET", "/api/v1/tokens").json()
    mine = next(t for t in listed["data"] if t["name"] == "desa-sukamaju")
    assert mine["role"] == "editor" and not mine["revoked"] and mine["last_used_at"] is not None
    assert token not in api.call("GET", "/api/v1/tokens").text  # never shown again, nor its hash's source

    revoked = api.call("DELETE", f"/api/v1/tokens/{mine['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    refused = api.client.get("/api/v1/entries", headers=headers)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert api.call("DELETE", "/api/v1/tokens/999999").status_code == 404

    trail = api.call("GET", "/api/v1/audit", params={"target": f"token:{mine['id']}"}).json()
    assert [a["action"] for a in trail["data"]] == ["token.revoke", "token.create"]
    assert {a["actor"] for a in trail["data"]} == {"admin-1"}


def test_a_token_is_stored_only_as_its_hash(api: Api, engine: Any) -> None:
    from sqlmodel import Session, select

    from api.models import ApiTokenRow

    with Session(engine) as session:
        hashes = [row.token_hash for row in session.exec(select(ApiTokenRow))]
    for token in api.tokens.values():
        assert token not in hashes
        assert all(len(h) == 64 for h in hashes)


def test_the_cli_creates_a_token_that_works(api: Api, db_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": db_url}
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "token", "create", "--role", "staff", "--name", "hotline-1"],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    token = result.stdout.strip()
    assert token.startswith("dmi_") and "\n" not in token
    response = api.client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert api.client.post("/api/v1/entries/akta-kelahiran/unpublish",
                           headers={"Authorization": f"Bearer {token}"}).status_code == 403
