"""Gettext catalogs compiled in memory at start-up, language resolution and locale-aware formatting.

Error tree::

    CatalogError            a catalog is missing, unreadable, or lacks a translation the code uses
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal, get_currency_symbol
from babel.support import Translations

import locales

LOCALES_DIR = Path(next(iter(locales.__path__)))
SOURCE_DIR = Path(__file__).parent
SUPPORTED = ("id", "en")
DOMAIN = "messages"
# Babel locale used for formatting each supported language (numbers, dates, day names).
_FORMAT_LOCALE = {"id": "id_ID", "en": "en_GB"}
# Migrants read prices in their home symbols (Rp, RM), whatever the interface language.
_SYMBOL_LOCALE = {"IDR": "id", "MYR": "ms"}
log = logging.getLogger(__name__)


class CatalogError(RuntimeError):
    """A gettext catalog is missing, broken, or lacks a translation that the code uses."""


def N_(message: str) -> str:
    """Mark a module-level string for extraction; translate it later, at use time."""
    return message


@dataclass(frozen=True)
class Translator:
    """The UI strings of one language."""

    lang: str
    translations: Translations

    def gettext(self, message: str) -> str:
        """Translate one UI string."""
        return self.translations.gettext(message)

    __call__ = gettext


def catalog_path(lang: str, directory: Path = LOCALES_DIR) -> Path:
    """Where the .po file of `lang` lives."""
    return directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str, directory: Path = LOCALES_DIR) -> Catalog:
    """Parse one language's .po file, failing loudly when it is missing or malformed."""
    path = catalog_path(lang, directory)
    if not path.is_file():
        raise CatalogError(f"missing gettext catalog for {lang!r}: {path}")
    try:
        with path.open("rb") as handle:
            return read_po(handle, locale=lang, domain=DOMAIN, abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as error:
        raise CatalogError(f"broken gettext catalog {path}: {error}") from error


@lru_cache(maxsize=1)
def used_msgids() -> frozenset[str]:
    """Every literal string the bot's source passes to a gettext keyword (`_`, `N_`, `gettext`, …)."""
    found = extract_from_dir(str(SOURCE_DIR), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS)
    return frozenset(message for _file, _line, message, _comments, _context in found if isinstance(message, str))


def missing_translations(catalog: Catalog, msgids: frozenset[str]) -> list[str]:
    """The msgids that have no non-empty, non-fuzzy translation in `catalog`."""
    missing = []
    for msgid in sorted(msgids):
        message = catalog.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(msgid)
    return missing


def compile_catalog(catalog: Catalog, *, required: frozenset[str], name: str) -> Translations:
    """Compile a parsed catalog in memory, refusing one that lacks a translation in `required`."""
    missing = missing_translations(catalog, required)
    if missing:
        sample = "; ".join(repr(m) for m in missing[:5])
        raise CatalogError(f"{name} lacks {len(missing)} translation(s) used in the code: {sample}")
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


@lru_cache(maxsize=len(SUPPORTED))
def translator(lang: str) -> Translator:
    """The compiled catalog of `lang`, built once per process from its .po file."""
    if lang not in SUPPORTED:
        raise CatalogError(f"unsupported language {lang!r}; use one of {', '.join(SUPPORTED)}")
    catalog = read_catalog(lang)
    return Translator(lang, compile_catalog(catalog, required=used_msgids(), name=str(catalog_path(lang))))


def load_all() -> dict[str, Translator]:
    """Compile every supported catalog now, so a bad one stops the process at start-up."""
    return {lang: translator(lang) for lang in SUPPORTED}


def parse_language(tag: str | None) -> str | None:
    """Map a platform language tag ("en-US", "id", "in") to a supported language, or None."""
    if not tag or not isinstance(tag, str):
        return None
    try:
        language = Locale.parse(tag.strip().replace("_", "-"), sep="-").language
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    # "in" is the pre-1989 ISO code for Indonesian; old Android phones still send it.
    language = "id" if language == "in" else language
    return language if language in SUPPORTED else None


def resolve_language(stored: str | None, hint: str | None, default: str) -> str:
    """The user's stored choice, else the platform hint, else the configured default."""
    for candidate in (stored, parse_language(hint), default):
        if candidate in SUPPORTED:
            return candidate
    return SUPPORTED[0]


def format_number(value: float, lang: str) -> str:
    """A number with the grouping and decimal marks of `lang` (id: 1.234,5; en: 1,234.5)."""
    return format_decimal(value, locale=_FORMAT_LOCALE.get(lang, "id_ID"))


def format_money(amount: float, currency: str, lang: str) -> str:
    """Money as people read it: the usual symbol and the number marks of `lang` (Rp37.500 / Rp37,500)."""
    symbol = get_currency_symbol(currency, locale=_SYMBOL_LOCALE.get(currency, "en"))
    pattern = "#,##0" if float(amount).is_integer() else "#,##0.00"
    number = format_decimal(amount, format=pattern, locale=_FORMAT_LOCALE.get(lang, "id_ID"))
    return f"{symbol}{number}"
