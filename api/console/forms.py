"""The entry edit form: an entry as form fields, and the submitted fields back as an entry document.

Both directions go through one flat dict of strings (`fields`), so a refused or stale save shows the form
again exactly as it was typed.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from knowledge.schema import LANGUAGES, EntryDoc

SOURCE_ROWS_EXTRA = 2  # empty source rows offered below the filled ones
MAX_SOURCE_ROWS = 12
TEXT_PARTS = ("question", "phrasings", "answer")
_SPLIT = re.compile(r"[\s,;]+")


def doc_fields(doc: EntryDoc) -> dict[str, Any]:
    """The form fields of an entry."""
    fields: dict[str, Any] = {
        "id": doc.id, "topic": doc.topic, "aspect": doc.aspect or "", "countries": ", ".join(doc.countries),
        "reviewed_at": doc.reviewed_at.isoformat(), "review_due": doc.review_due.isoformat(),
        "related": ", ".join(doc.related),
        "sources": [{"url": s.url, "title": s.title, "date": s.date or ""} for s in doc.sources],
    }
    for lang in LANGUAGES:
        text = doc.texts.get(lang)
        fields[f"{lang}_question"] = text.question if text else ""
        fields[f"{lang}_phrasings"] = "\n".join(text.phrasings) if text else ""
        fields[f"{lang}_answer"] = text.answer if text else ""
    return fields


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def form_fields(form: FormData) -> dict[str, Any]:
    """The submitted form as fields (strings), nothing interpreted yet."""
    fields: dict[str, Any] = {name: _text(form, name).strip() for name in (
        "id", "topic", "aspect", "countries", "reviewed_at", "review_due", "related")}
    for lang in LANGUAGES:
        for part in TEXT_PARTS:
            fields[f"{lang}_{part}"] = _text(form, f"{lang}_{part}")
    sources = []
    for index in range(MAX_SOURCE_ROWS):
        row = {key: _text(form, f"source_{key}_{index}").strip() for key in ("url", "title", "date")}
        if any(row.values()):
            sources.append(row)
    fields["sources"] = sources
    return fields


def source_rows(fields: dict[str, Any]) -> list[dict[str, str]]:
    """The filled source rows and a few empty ones to add more."""
    rows = list(fields.get("sources") or [])
    empty = {"url": "", "title": "", "date": ""}
    return (rows + [dict(empty) for _ in range(SOURCE_ROWS_EXTRA)])[:MAX_SOURCE_ROWS]


def fields_data(fields: dict[str, Any], *, status: str, related: list[str] | None = None) -> dict[str, Any]:
    """The entry document the fields describe (to be validated by the caller)."""
    texts: dict[str, Any] = {}
    for lang in LANGUAGES:
        question, answer = fields.get(f"{lang}_question", "").strip(), fields.get(f"{lang}_answer", "").strip()
        phrasings = [p.strip() for p in fields.get(f"{lang}_phrasings", "").split("\n") if p.strip()]
        if question or answer or phrasings or lang == "id":
            texts[lang] = {"question": question, "phrasings": phrasings, "answer": answer}
    data: dict[str, Any] = {
        "id": fields.get("id", ""), "topic": fields.get("topic", ""), "aspect": fields.get("aspect") or None,
        "status": status,
        "countries": [c.upper() for c in _SPLIT.split(fields.get("countries", "")) if c],
        "texts": texts,
        "sources": [{"url": s["url"], "title": s["title"], "date": s["date"] or None} for s in fields.get("sources", [])],
        "reviewed_at": fields.get("reviewed_at") or None, "review_due": fields.get("review_due") or None,
        "related": related if related is not None else [r for r in _SPLIT.split(fields.get("related", "")) if r],
    }
    return data


def problem_lines(errors: list[dict[str, Any]]) -> list[str]:
    """Each problem as 'where: what', for the list above the form."""
    lines = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", []) if part not in ("body",))
        lines.append(f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", "")))
    return lines
