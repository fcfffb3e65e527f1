"""The editors' lexicon over HTTP: add, list and remove synonyms, audited, and live on every worker."""

from __future__ import annotations

from typing import Any

import pytest

from api.app import create_app
from tests.api.conftest import Api, TestClient, api_settings, eventually
from tests.api.routes.admin.test_entries import ask

# A made-up slang word no lexicon file knows, in a salary question about Taiwan.
SLANG = "duitbulanan"
QUESTION = f"{SLANG} di taiwan brp"


def add(api: Api, role: str = "editor", **body: Any) -> Any:
    """POST /lexicon with `body`."""
    return api.call("POST", "/api/v1/lexicon", role, json=body)


def listed(api: Api) -> dict[str, dict[str, Any]]:
    """The editors' rows by word."""
    response = api.call("GET", "/api/v1/lexicon", "staff")
    assert response.status_code == 200, response.text
    return {row["key"]: row for row in response.json()["data"]}


def answers_salary(api: Api) -> bool:
    turn = ask(api, QUESTION)
    return (turn["decision"], turn["entry_id"]) == ("answer", "gaji-taiwan")


def test_an_editor_adds_lists_and_removes_a_synonym_and_each_change_is_audited(api: Api) -> None:
    created = add(api, word="  Gajih!! ", means="Gaji", lang="id")
    assert created.status_code == 201, created.text
    row = created.json()
    assert (row["key"], row["value"], row["lang"], row["created_by"]) == ("gajih", "gaji", "id", "editor-1")
    assert listed(api)["gajih"]["id"] == row["id"]

    removed = api.call("DELETE", f"/api/v1/lexicon/{row['id']}", "editor")
    assert removed.status_code == 204, removed.text
    assert "gajih" not in listed(api)

    trail = api.call("GET", "/api/v1/audit", params={"target": f"lexicon:{row['id']}"}).json()["data"]
    assert [(a["action"], a["actor"], a["detail"]["word"]) for a in trail] == [
        ("lexicon.remove", "editor-1", "gajih"), ("lexicon.add", "editor-1", "gajih")]


def test_a_synonym_changes_what_the_matcher_understands_at_once(api: Api) -> None:
    assert not answers_salary(api)
    row = add(api, word=SLANG, means="gaji").json()
    assert answers_salary(api)
    api.call("DELETE", f"/api/v1/lexicon/{row['id']}", "editor")
    assert not answers_salary(api)


def test_a_synonym_goes_live_on_a_second_app_instance_on_the_same_database(api: Api, db_url: str) -> None:
    # Another worker: it learns of the row only through the content version it polls.
    with TestClient(create_app(api_settings(db_url))) as other_worker:
        other = Api(other_worker, api.tokens)
        assert not answers_salary(other)
        row = add(api, word=SLANG, means="gaji", lang="id").json()
        # The poll is 0.2 s and a rebuild well under a second; the bound is generous because a full parallel run
        # on two cores once took more than 5 s here (it returns as soon as the synonym is live).
        eventually(lambda: answers_salary(other), timeout=15)
        api.call("DELETE", f"/api/v1/lexicon/{row['id']}", "editor")
        eventually(lambda: not answers_salary(other), timeout=15)


def test_a_phrase_can_be_added_too(api: Api) -> None:
    assert add(api, word="uang bulanan kerja", means="gaji").status_code == 201
    turn = ask(api, "uang bulanan kerja di taiwan brp")
    assert (turn["decision"], turn["entry_id"]) == ("answer", "gaji-taiwan")


@pytest.mark.parametrize(("body", "where"), [
    ({"word": "", "means": "gaji"}, "word"),
    ({"word": "?!…", "means": "gaji"}, "word"),
    ({"word": "gajih", "means": "   "}, "means"),
    ({"word": "x" * 101, "means": "gaji"}, "word"),
    ({"word": "gajih", "means": "y" * 201}, "means"),
    ({"word": "gajih", "means": "gaji", "lang": "xx"}, "lang"),
    ({"word": "gajih"}, "means"),
    ({"word": "gajih", "means": "gaji", "extra": 1}, "extra"),
])
def test_bad_rows_get_422_json_naming_the_field(api: Api, body: dict[str, Any], where: str) -> None:
    response = add(api, **body)
    assert response.status_code == 422, response.text
    assert where in str(response.json()["detail"])
    assert listed(api) == {}


@pytest.mark.parametrize("body", [
    {"word": "taiwan", "means": "hongkong"},  # protected: a country cannot be redefined
    {"word": "apa", "means": "siapa"},  # protected: a question word
    {"word": "gaji", "means": "GAJI"},  # already means itself
])
def test_a_word_whose_meaning_is_already_settled_gets_409(api: Api, body: dict[str, str]) -> None:
    # Well-formed rows (the schema cannot compare two fields or know the curated words) that the lexicon refuses.
    response = add(api, **body)
    assert response.status_code == 409, response.text
    assert body["word"] in response.json()["detail"]
    assert listed(api) == {}


def test_a_duplicate_word_gets_409_and_keeps_the_first_meaning(api: Api) -> None:
    assert add(api, word="gajih", means="gaji").status_code == 201
    again = add(api, word="GAJIH", means="upah")
    assert again.status_code == 409, again.text
    assert "gajih" in again.json()["detail"]
    assert listed(api)["gajih"]["value"] == "gaji"


def test_removing_an_unknown_row_gets_404(api: Api) -> None:
    response = api.call("DELETE", "/api/v1/lexicon/999999", "editor")
    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


def test_staff_may_read_but_not_change_the_lexicon(api: Api) -> None:
    assert add(api, "staff", word="gajih", means="gaji").status_code == 403
    row = add(api, word="gajih", means="gaji").json()
    assert api.call("DELETE", f"/api/v1/lexicon/{row['id']}", "staff").status_code == 403
    assert "gajih" in listed(api)
