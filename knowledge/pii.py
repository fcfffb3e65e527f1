"""Mask personal data in a text before it is stored for editors or analysis (pure: no I/O).

What a user typed may hold their phone number, e-mail address, NIK (16-digit population number), passport
or bank account number, or their name ("nama saya Siti"). `mask` replaces each with a placeholder such as
`[telepon]`, so the unanswered queue, and any phrasing an editor makes from it, never holds them.

Ordinary numbers the answers need stay: ages, years, amounts with a currency or thousands separators
("Rp25.000.000", "NT$29.500"), dates. A bare run of digits is masked from 10 digits on (no question needs
a billion-sized bare number); 8–9 digits only after a word that says it is an account ("rekening 12345678").
"""

from __future__ import annotations

import re

PLACEHOLDERS = {
    "email": "[email]",
    "phone": "[telepon]",
    "nik": "[NIK]",
    "passport": "[paspor]",
    "account": "[nomor]",
    "name": "[nama]",
}
_PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Digits in groups separated by one space, dash or dot (a phone number's usual shapes), optional leading +.
_DIGIT_RUN = re.compile(r"(?<![\w$.,])(\+?)(\d(?:[ \-.]?\d)*)(?![\w]|[.,]\d)")
_CURRENCY_BEFORE = re.compile(r"(?:rp|idr|nt|ntd|twd|hk|hkd|rm|myr|sgd|usd|us|won|krw|yen|jpy|riyal|sar|\$)\s*$",
                              re.IGNORECASE)
_ACCOUNT_BEFORE = re.compile(r"(?:rekening|rek|norek|no\.?\s*rek|account|acc|a/c|va|virtual account)\s*"
                             r"(?:no\.?|nomor|number|nya)?\s*[:.]?\s*$", re.IGNORECASE)
_PASSPORT = re.compile(r"(?<![\w$])[A-Za-z]{1,2}\d{6,8}(?!\w)")
# "nama saya Siti Aminah", "my name is John", "namaku budi": the name runs up to punctuation or a stop word.
_NAME_INTRO = re.compile(
    r"\b(?:nama\s+(?:lengkap\s+)?(?:saya|aku|sy|ku|gue|gw)(?:\s+adalah)?|namaku|namanya\s+saya|"
    r"my\s+(?:full\s+)?name\s+is|my\s+name's|perkenalkan(?:\s*,)?\s+(?:saya|aku|nama\s+saya))\s*[:,]?\s+",
    re.IGNORECASE,
)
# "aku Siti" / "saya Budi" / "I'm Ana": only a capitalised word that is not an ordinary word.
_SELF_INTRO = re.compile(r"\b(?i:aku|saya|i\s+am|i'm)\s+(?=[A-Z])", re.UNICODE)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_STOP_WORDS = frozenset("""
    dan dari di ke mau ingin pengen pingin mo sudah udah belum sdh blm umur usia asal tinggal kerja bekerja
    yang mohon tanya nanya minta bisa boleh tidak tdk gak nggak ga lagi sedang baru akan ada punya butuh
    perlu sekarang juga sih dong ya kak pak bu mas mbak min admin tki tkw pmi cpmi calon orang anak istri
    suami ibu bapak warga lulusan alumni saya aku sy gue gw umurnya
    and from of in at to want would would've am is was have has need looking ask asking a an the not also
    from years year old living work working indonesian indonesia interested planning going currently still
    ready worried confused here new single married female male taiwan malaysia hongkong hong kong korea
    jepang japan singapura singapore saudi arab brunei
""".split())
_MAX_NAME_WORDS = 3


def mask(text: str) -> str:
    """`text` with phone numbers, e-mail addresses, NIK, passport and account numbers, and names replaced."""
    if not text:
        return text
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _DIGIT_RUN.sub(_mask_digits, text)
    text = _PASSPORT.sub(_mask_passport, text)
    text = _replace_names(text, _NAME_INTRO, capitalised_only=False)
    return _replace_names(text, _SELF_INTRO, capitalised_only=True)


def strip_placeholders(text: str) -> str:
    """The text without the placeholders `mask` puts in (e.g. to turn a masked question into a phrasing)."""
    return re.sub(r"\s{2,}", " ", _PLACEHOLDER_RE.sub(" ", text)).strip(" ,.:;-")


def _mask_digits(found: re.Match[str]) -> str:
    plus, run = found.group(1), found.group(2)
    digits = re.sub(r"\D", "", run)
    before = found.string[: found.start()]
    grouped_by_dots = "." in run and not re.search(r"[ \-]", run)
    if _CURRENCY_BEFORE.search(before) or (grouped_by_dots and not _phone_shaped(plus, digits)):
        return found.group(0)  # an amount ("Rp25.000.000") or a version/decimal number
    if _phone_shaped(plus, digits):
        return PLACEHOLDERS["phone"]
    if len(digits) == 16 and not plus:
        return PLACEHOLDERS["nik"]
    if len(digits) >= 10 or (len(digits) >= 8 and _ACCOUNT_BEFORE.search(before)):
        return PLACEHOLDERS["account"]
    return found.group(0)


def _phone_shaped(plus: str, digits: str) -> bool:
    if plus:  # "+62 812…", "+886 9…": an international number
        return 8 <= len(digits) <= 15
    if digits.startswith("08") or digits.startswith("628"):  # Indonesian mobile numbers
        return 10 <= len(digits) <= 14
    return False


def _mask_passport(found: re.Match[str]) -> str:
    letters = re.match(r"[A-Za-z]+", found.group(0))
    # "A1234567" (Indonesian passports are one or two letters and seven digits); not "rp2500000" or "nt29500".
    if letters and letters.group(0).casefold() in {"rp", "nt", "rm", "hk", "us", "ntd"}:
        return found.group(0)
    return PLACEHOLDERS["passport"]


def _name_end(text: str, start: int, *, capitalised_only: bool) -> int:
    """Where the name that begins at `start` ends (== start when there is none): up to three words, ending
    at punctuation or an ordinary word; after a capitalised first word only capitalised words follow."""
    end = position = start
    first_capitalised = False
    for index in range(_MAX_NAME_WORDS):
        word = _NAME_WORD.match(text, position + len(text[position:]) - len(text[position:].lstrip(" \t")))
        if word is None or word.group(0).casefold() in _STOP_WORDS:
            break
        value = word.group(0)
        capitalised = value[0].isupper() and not (len(value) > 1 and value.isupper())
        if (capitalised_only or first_capitalised) and not capitalised:
            break
        first_capitalised = first_capitalised or (index == 0 and capitalised)
        end = position = word.end()
    return end


def _replace_names(text: str, intro: re.Pattern[str], *, capitalised_only: bool) -> str:
    parts: list[str] = []
    cursor = 0
    for found in intro.finditer(text):
        if found.start() < cursor:
            continue
        end = _name_end(text, found.end(), capitalised_only=capitalised_only)
        if end > found.end():
            parts += [text[cursor:found.end()], PLACEHOLDERS["name"]]
            cursor = end
    return "".join(parts) + text[cursor:]


__all__ = ["PLACEHOLDERS", "mask", "strip_placeholders"]
