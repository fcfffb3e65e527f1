"""Catalogs: every UI string translated in both languages, compiled at start-up, loud when broken."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n
from bot.i18n import CatalogError, compile_catalog, read_catalog

ROOT = Path(__file__).resolve().parents[2]


def _source_msgids() -> set[str]:
    found = extract_from_dir(str(ROOT / "bot"), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS)
    return {message for _f, _l, message, _c, _ctx in found if isinstance(message, str)}


def test_the_source_uses_ui_strings() -> None:
    assert {"Was this answer helpful?", "🙋 Contact an officer"} <= _source_msgids()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_ui_string_has_a_translation(lang: str) -> None:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    untranslated = sorted(m for m in _source_msgids() if not (catalog.get(m) and catalog.get(m).string))
    fuzzy = sorted(m for m in _source_msgids() if catalog.get(m) and catalog.get(m).fuzzy)
    assert untranslated == [], f"add these to locales/{lang}/LC_MESSAGES/messages.po"
    assert fuzzy == []


def test_template_lists_every_ui_string() -> None:
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert _source_msgids() <= template, "re-run pybabel extract (see babel.cfg)"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_placeholders_survive_translation(lang: str) -> None:
    catalog = read_catalog(lang)
    for message in catalog:
        if message.id and "{" in message.id:
            names = sorted(part.split("}")[0] for part in message.id.split("{")[1:])
            assert sorted(part.split("}")[0] for part in message.string.split("{")[1:]) == names, message.id


def test_catalogs_compile_and_translate() -> None:
    translators = i18n.load_all()
    assert translators["id"]("Was this answer helpful?") == "Apakah jawaban ini membantu?"
    assert translators["en"]("Was this answer helpful?") == "Was this answer helpful?"


def test_missing_catalog_is_a_loud_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="missing"):
        read_catalog("id", tmp_path)


def test_broken_catalog_is_a_loud_error(tmp_path: Path) -> None:
    path = tmp_path / "id" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text('msgid "a"\nmsgstr "b\n\nmsgid\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="broken"):
        read_catalog("id", tmp_path)


def test_catalog_missing_a_used_string_is_a_loud_error() -> None:
    catalog = read_catalog("id")
    with pytest.raises(CatalogError, match="lacks 1 translation"):
        compile_catalog(catalog, required=frozenset({"A string nobody translated"}), name="id")


def test_unsupported_language_is_refused() -> None:
    with pytest.raises(CatalogError):
        i18n.translator("fr")


@pytest.mark.parametrize(
    ("stored", "hint", "default", "expected"),
    [
        ("en", "id", "id", "en"),
        (None, "en-US", "id", "en"),
        (None, "en_GB", "id", "en"),
        (None, "in", "en", "id"),
        (None, "zh-TW", "id", "id"),
        (None, "not a tag!", "en", "en"),
        (None, None, "en", "en"),
        ("xx", "", "id", "id"),
    ],
)
def test_language_resolution(stored: str | None, hint: str | None, default: str, expected: str) -> None:
    assert i18n.resolve_language(stored, hint, default) == expected


def test_money_and_numbers_follow_the_locale() -> None:
    assert i18n.format_money(37500, "IDR", "id") == "Rp37.500"
    assert i18n.format_money(37500, "IDR", "en") == "Rp37,500"
    assert i18n.format_money(28590, "TWD", "id") == "NT$28.590"
    assert i18n.format_money(28590, "TWD", "en") == "NT$28,590"
    assert i18n.format_number(1234.5, "id") == "1.234,5"
    assert i18n.format_number(1234.5, "en") == "1,234.5"

