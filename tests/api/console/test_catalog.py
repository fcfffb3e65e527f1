"""Every string the console shows is in the catalogs: Indonesian by default, English on the switch."""

from __future__ import annotations

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from bot.i18n import read_catalog, translator

CONSOLE = "api/console"


def console_msgids() -> set[str]:
    found = extract_from_dir(CONSOLE, method_map=[("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")],
                             keywords={**DEFAULT_KEYWORDS, "tr": (2,)})
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def test_the_console_has_ui_strings() -> None:
    assert len(console_msgids()) > 150


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_console_string_is_translated(lang: str) -> None:
    catalog = read_catalog(lang)
    missing = sorted(m for m in console_msgids() if catalog.get(m) is None or not catalog.get(m).string)
    assert missing == []


def test_indonesian_is_really_indonesian() -> None:
    assert translator("id").gettext("Sign in") == "Masuk"
    assert translator("id").gettext("Save and publish") == "Simpan dan terbitkan"
    assert translator("en").gettext("Sign in") == "Sign in"
