"""`content check` problems are precise, and nothing half-loaded is ever imported."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session

from knowledge.loader import dump, load_seed, parse_text, read_path
from knowledge.store import StoreError, import_knowledge_base, list_entries
from tests.knowledge.conftest import MINI_COUNTRIES, MINI_ENTRIES


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems_for(tmp_path: Path, entries: list[dict], countries: list[dict] | None = None) -> list[str]:
    write(tmp_path, "entries.yaml", {"entries": entries})
    write(tmp_path, "countries.yaml", {"countries": countries if countries is not None else MINI_COUNTRIES})
    return [str(p) for p in read_path(tmp_path).problems]


def test_valid_files_have_no_problem(tmp_path: Path) -> None:
    assert problems_for(tmp_path, copy.deepcopy(MINI_ENTRIES)) == []


def test_missing_answer_names_file_entry_and_field(tmp_path: Path) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    del entries[1]["texts"]["id"]["answer"]
    problems = problems_for(tmp_path, entries)
    assert problems == [f"{tmp_path / 'entries.yaml'}: entry 'biaya-paspor': field 'texts.id.answer': Field required"]


def test_duplicate_id_is_reported(tmp_path: Path) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    entries.append(copy.deepcopy(entries[0]))
    problems = problems_for(tmp_path, entries)
    assert len(problems) == 1
    assert "entry 'paspor-pmi': field 'id': duplicate id" in problems[0]


def test_unknown_country_is_reported(tmp_path: Path) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    entries[4]["countries"] = ["XX"]
    problems = problems_for(tmp_path, entries)
    assert problems == [f"{tmp_path / 'entries.yaml'}: entry 'gaji-taiwan': field 'countries': unknown country 'XX'"]


def test_bad_date_is_reported(tmp_path: Path) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    entries[2]["reviewed_at"] = "2026-13-45"
    problems = problems_for(tmp_path, entries)
    assert len(problems) == 1
    assert "entry 'ktp-kk': field 'reviewed_at'" in problems[0]
    assert "date" in problems[0]


def test_review_due_before_review_is_reported(tmp_path: Path) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    entries[2]["review_due"] = "2020-01-01"
    assert any("review_due must come after reviewed_at" in p for p in problems_for(tmp_path, entries))


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("entries:\n  - id: x\n    topic: [unclosed\n", encoding="utf-8")
    problems = [str(p) for p in read_path(tmp_path).problems]
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'broken.yaml'}: broken YAML at line")


def test_published_entry_needs_english_and_a_source(tmp_path: Path) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    del entries[0]["texts"]["en"]
    entries[1]["sources"] = []
    problems = problems_for(tmp_path, entries)
    assert any("'paspor-pmi'" in p and "English" in p for p in problems)
    assert any("'biaya-paspor'" in p and "source" in p for p in problems)


def test_unknown_field_and_topic_are_reported(tmp_path: Path) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    entries[0]["colour"] = "red"
    entries[1]["topic"] = "weather"
    problems = problems_for(tmp_path, entries)
    assert any("'paspor-pmi': field 'colour'" in p for p in problems)
    assert any("'biaya-paspor': field 'topic'" in p for p in problems)


def test_dangling_country_card_is_reported(tmp_path: Path) -> None:
    countries = copy.deepcopy(MINI_COUNTRIES)
    countries[0]["card"] = "negara-taiwan"
    problems = problems_for(tmp_path, copy.deepcopy(MINI_ENTRIES), countries)
    assert problems == [f"{tmp_path / 'countries.yaml'}: country 'TW': field 'card': entry 'negara-taiwan' does not exist"]


def test_import_with_problems_changes_nothing(engine, tmp_path: Path) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    entries[0]["texts"]["id"]["answer"] = "Jawaban baru yang seharusnya tidak pernah tersimpan."
    entries[1]["countries"] = ["XX"]  # one bad entry spoils the whole import
    write(tmp_path, "entries.yaml", {"entries": entries})
    write(tmp_path, "countries.yaml", {"countries": MINI_COUNTRIES})
    kb = read_path(tmp_path)
    assert not kb.ok
    with Session(engine) as session:
        before = {e.id: e for e in list_entries(session)}
        with pytest.raises(StoreError):
            import_knowledge_base(session, kb, author="test")
        session.rollback()
        after = {e.id: e for e in list_entries(session)}
    assert after == before


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_export_then_parse_round_trips(fmt: str) -> None:
    kb = load_seed()
    assert kb.ok, kb.problems[:3]
    text = dump(kb.entries, kb.countries, fmt)
    again = parse_text(text, f"export.{fmt}", fmt)
    assert again.ok, again.problems[:3]
    assert [e.model_dump() for e in again.entries] == [e.model_dump() for e in kb.entries]
    if fmt != "csv":
        assert again.countries == kb.countries


def test_source_dates_keep_only_the_precision_the_source_has(tmp_path: Path, engine) -> None:
    """C9: a year, a month or a day, as YAML spells them bare; the old full date still works; nothing is padded."""
    entries = copy.deepcopy(MINI_ENTRIES)[:3]
    for entry, date in zip(entries, ["2025", "2025-02", "2025-02-14"], strict=True):
        entry["sources"] = [{"url": "https://example.go.id/a", "title": "Contoh", "date": date}]
    text = yaml.safe_dump({"entries": entries}, allow_unicode=True).replace("'2025'", "2025").replace("'2025-02-14'",
                                                                                                         "2025-02-14")
    assert "date: 2025\n" in text and "date: 2025-02-14\n" in text  # YAML reads these as an int and a date
    kb = parse_text(text, "dates.yaml", "yaml")
    assert kb.ok, kb.problems
    assert [e.sources[0].date for e in kb.entries] == ["2025", "2025-02", "2025-02-14"]
    for fmt in ("json", "csv", "yaml"):
        again = parse_text(dump(kb.entries, [], fmt), f"x.{fmt}", fmt)
        assert [e.sources[0].date for e in again.entries] == ["2025", "2025-02", "2025-02-14"], fmt
    with Session(engine) as session:
        import_knowledge_base(session, kb, author="test", note="dates")
        session.commit()
        stored = {e.id: e.sources[0].date for e in list_entries(session)}
    assert [stored[e["id"]] for e in entries] == ["2025", "2025-02", "2025-02-14"]


@pytest.mark.parametrize("date", ["2025-13", "2025-02-30", "25-02", "Feb 2025", "2025-2"])
def test_a_source_date_that_is_no_date_is_reported(tmp_path: Path, date: str) -> None:
    entries = copy.deepcopy(MINI_ENTRIES)
    entries[0]["sources"] = [{"url": "https://example.go.id/a", "title": "Contoh", "date": date}]
    problems = problems_for(tmp_path, entries)
    assert len(problems) == 1 and "entry 'paspor-pmi': field 'sources.0.date'" in problems[0]
    assert "YYYY" in problems[0] or "real date" in problems[0]
