"""Read and write the knowledge base as YAML, JSON or CSV, reporting every problem with file, entry and field."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.schema import LANGUAGES, CountryDoc, EntryDoc

CONTENT_DIR = Path(__file__).parent / "content"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C loader when present
COUNTRIES_FILE = "countries.yaml"
FORMATS = ("yaml", "json", "csv")
CSV_COLUMNS = (
    "id", "topic", "aspect", "countries", "status", "version",
    *(f"{lang}_{part}" for lang in LANGUAGES for part in ("question", "phrasings", "answer")),
    "sources", "reviewed_at", "review_due", "related",
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the content, located as precisely as we can."""

    file: str
    message: str
    entry: str | None = None
    field: str | None = None
    kind: str = "entry"

    def __str__(self) -> str:
        where = [self.file]
        if self.entry:
            where.append(f"{self.kind} {self.entry!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{': '.join(where)}: {self.message}"


@dataclass
class KnowledgeBase:
    """Entries and countries read from files, with the problems found on the way."""

    entries: list[EntryDoc] = field(default_factory=list)
    countries: list[CountryDoc] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # entry id or country code -> first file naming it

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(entry)"


def _validation_problems(file: str, entry: str | None, error: ValidationError, kind: str) -> list[Problem]:
    problems = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(file, message, entry, _location(item["loc"]), kind))
    return problems


def parse_documents(file: str, raw: Any) -> KnowledgeBase:
    """Validate already-parsed data of one file ({entries: [...], countries: [...]} or a list of entries)."""
    kb = KnowledgeBase()
    if isinstance(raw, list):
        raw = {"entries": raw}
    if raw is None:
        kb.problems.append(Problem(file, "the file is empty"))
        return kb
    if not isinstance(raw, dict):
        kb.problems.append(Problem(file, "expected a mapping with 'entries' and/or 'countries'"))
        return kb
    unknown = sorted(set(raw) - {"entries", "countries"})
    if unknown:
        kb.problems.append(Problem(file, f"unknown top-level key {unknown[0]!r}; expected 'entries' or 'countries'"))
    # Each kind of item, its model and where it goes (a list of that model; typed loosely to loop over both).
    sections: tuple[tuple[str, type[EntryDoc | CountryDoc], list[Any], str], ...] = (
        ("entries", EntryDoc, kb.entries, "id"),
        ("countries", CountryDoc, kb.countries, "code"),
    )
    for key, model, target, id_key in sections:
        items = raw.get(key) or []
        if not isinstance(items, list):
            kb.problems.append(Problem(file, f"'{key}' must be a list"))
            continue
        for position, item in enumerate(items, start=1):
            label = item.get(id_key) if isinstance(item, dict) else None
            name = str(label) if label else f"#{position}"
            if not isinstance(item, dict):
                kb.problems.append(Problem(file, f"{key[:-1] if key == 'entries' else 'country'} must be a mapping", name))
                continue
            try:
                target.append(model.model_validate(item))
                kb.files.setdefault(name, file)
            except ValidationError as error:
                kind = "entry" if key == "entries" else "country"
                kb.problems.extend(_validation_problems(file, name, error, kind))
    return kb


def _from_csv(text: str, file: str) -> tuple[Any, list[Problem]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("id", "topic", "id_question", "id_answer") if c not in (reader.fieldnames or [])]
    if missing:
        return None, [Problem(file, f"CSV header lacks the column {missing[0]!r}")]
    entries, problems = [], []
    for line, row in enumerate(reader, start=2):
        item: dict[str, Any] = {
            "id": row.get("id", ""),
            "topic": row.get("topic", ""),
            "aspect": (row.get("aspect") or "").strip() or None,
            "countries": [c for c in (row.get("countries") or "").split(";") if c],
            "status": row.get("status") or "draft",
            "version": int(row["version"]) if (row.get("version") or "").isdecimal() else 1,
            "reviewed_at": row.get("reviewed_at") or None,
            "review_due": row.get("review_due") or None,
            "related": [r for r in (row.get("related") or "").split(";") if r],
            "texts": {},
        }
        for lang in LANGUAGES:
            if row.get(f"{lang}_question") or row.get(f"{lang}_answer"):
                phrasings = [p for p in (row.get(f"{lang}_phrasings") or "").split("\n") if p.strip()]
                item["texts"][lang] = {
                    "question": row.get(f"{lang}_question", ""),
                    "phrasings": phrasings,
                    "answer": row.get(f"{lang}_answer", ""),
                }
        try:
            item["sources"] = json.loads(row.get("sources") or "[]")
        except json.JSONDecodeError as error:
            problems.append(Problem(file, f"line {line}: sources is not JSON ({error.msg})", item["id"] or None, "sources"))
            continue
        entries.append(item)
    return {"entries": entries}, problems


def parse_text(text: str, file: str, fmt: str) -> KnowledgeBase:
    """Parse one file's text in `fmt` (yaml, json or csv) and validate every document in it."""
    try:
        if fmt == "yaml":
            raw = yaml.load(text, Loader=_YAML_LOADER)
        elif fmt == "json":
            raw = json.loads(text)
        elif fmt == "csv":
            raw, problems = _from_csv(text, file)
            if problems or raw is None:
                return KnowledgeBase(problems=problems)
        else:
            return KnowledgeBase(problems=[Problem(file, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        return KnowledgeBase(problems=[Problem(file, f"broken YAML{where}: {reason}")])
    except json.JSONDecodeError as error:
        return KnowledgeBase(problems=[Problem(file, f"broken JSON at line {error.lineno}, column {error.colno}: {error.msg}")])
    return parse_documents(file, raw)


def format_of(path: Path) -> str:
    """Return the format a path's suffix names (yaml, json or csv)."""
    suffix = path.suffix.lower().lstrip(".")
    return "yaml" if suffix == "yml" else suffix


def read_path(path: Path) -> KnowledgeBase:
    """Read a file, or every YAML/JSON/CSV file of a folder, and validate the whole knowledge base."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and format_of(p) in FORMATS)
        if not files:
            return KnowledgeBase(problems=[Problem(str(path), "no .yaml, .json or .csv file in this folder")])
    elif path.is_file():
        files = [path]
    else:
        return KnowledgeBase(problems=[Problem(str(path), "no such file or folder")])
    combined = KnowledgeBase()
    for file in files:
        fmt = format_of(file)
        if fmt not in FORMATS:
            combined.problems.append(Problem(str(file), "unknown file type; use .yaml, .json or .csv"))
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            combined.problems.append(Problem(str(file), f"cannot read the file: {error}"))
            continue
        part = parse_text(text, str(file), fmt)
        combined.entries.extend(part.entries)
        combined.countries.extend(part.countries)
        combined.problems.extend(part.problems)
        for key, name in part.files.items():
            combined.files.setdefault(key, name)
    combined.problems.extend(check_consistency(combined.entries, combined.countries, files=combined.files))
    return combined


def check_consistency(
    entries: Iterable[EntryDoc],
    countries: Iterable[CountryDoc],
    *,
    files: dict[str, str] | None = None,
    where: str = "knowledge base",
) -> list[Problem]:
    """Find problems between documents: duplicate ids, unknown countries, dangling references."""
    entries, countries = list(entries), list(countries)
    files = files or {}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for entry in entries:
        file = files.get(entry.id, where)
        if entry.id in seen:
            problems.append(Problem(file, f"duplicate id (also in {seen[entry.id]})", entry.id, "id"))
        seen.setdefault(entry.id, file)
    codes: dict[str, str] = {}
    for country in countries:
        file = files.get(country.code, where)
        if country.code in codes:
            problems.append(
                Problem(file, f"duplicate country code (also in {codes[country.code]})", country.code, "code", "country")
            )
        codes.setdefault(country.code, file)
    for entry in entries:
        file = files.get(entry.id, where)
        for code in entry.countries:
            if code not in codes:
                problems.append(Problem(file, f"unknown country {code!r}", entry.id, "countries"))
        for other in entry.related:
            if other not in seen:
                problems.append(Problem(file, f"related entry {other!r} does not exist", entry.id, "related"))
    for country in countries:
        file = files.get(country.code, where)
        for ref, label in ((country.card, "card"), *((s, "sections") for s in country.sections)):
            if ref and ref not in seen:
                problems.append(Problem(file, f"entry {ref!r} does not exist", country.code, label, "country"))
    return problems


def load_seed() -> KnowledgeBase:
    """Read the bundled seed content under knowledge/content/."""
    return read_path(CONTENT_DIR)


def entry_to_dict(entry: EntryDoc) -> dict[str, Any]:
    """Return the JSON-ready form of an entry (design §7.2)."""
    return entry.model_dump(mode="json")


def dump(entries: Iterable[EntryDoc], countries: Iterable[CountryDoc], fmt: str) -> str:
    """Serialise the knowledge base in `fmt`; CSV holds entries only (one row each)."""
    entry_list = [entry_to_dict(e) for e in entries]
    country_list = [c.model_dump(mode="json") for c in countries]
    if fmt == "json":
        return json.dumps({"entries": entry_list, "countries": country_list}, ensure_ascii=False, indent=1) + "\n"
    if fmt == "yaml":
        return str(yaml.safe_dump({"entries": entry_list, "countries": country_list}, allow_unicode=True,
                                  sort_keys=False, width=100))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for entry in entry_list:
            row: dict[str, Any] = {
                "id": entry["id"], "topic": entry["topic"], "aspect": entry.get("aspect") or "", "countries": ";".join(entry["countries"]),
                "status": entry["status"], "version": entry["version"],
                "sources": json.dumps(entry["sources"], ensure_ascii=False),
                "reviewed_at": entry["reviewed_at"], "review_due": entry["review_due"],
                "related": ";".join(entry["related"]),
            }
            for lang in LANGUAGES:
                text = entry["texts"].get(lang)
                row[f"{lang}_question"] = text["question"] if text else ""
                row[f"{lang}_phrasings"] = "\n".join(text["phrasings"]) if text else ""
                row[f"{lang}_answer"] = text["answer"] if text else ""
            writer.writerow(row)
        return out.getvalue()
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
