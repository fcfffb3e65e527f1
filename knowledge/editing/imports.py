"""Planning an import: check an incoming knowledge base against itself and the database, list what changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from knowledge.loader import KnowledgeBase, Problem, check_consistency
from knowledge.models import EntryRow
from knowledge.store import _content, entry_doc, list_countries, list_entries


@dataclass
class ImportPlan:
    """What importing a knowledge base would do, and every problem that stops it."""

    problems: list[Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the import can go ahead."""
        return not self.problems


def plan_import(session: Session, kb: KnowledgeBase, *, where: str = "import") -> ImportPlan:
    """Check an incoming knowledge base against itself and the database, and list what would change.

    References may point at entries and countries already in the database, so a partial import works;
    only problems of the incoming documents are reported.
    """
    plan = ImportPlan(problems=list(kb.problems))
    incoming_ids = {e.id for e in kb.entries}
    incoming_codes = {c.code for c in kb.countries}
    entries = [*kb.entries, *(e for e in list_entries(session) if e.id not in incoming_ids)]
    countries = [*kb.countries, *(c for c in list_countries(session) if c.code not in incoming_codes)]
    for problem in check_consistency(entries, countries, files=kb.files, where=where):
        known = incoming_codes if problem.kind == "country" else incoming_ids
        if problem.entry in known:
            plan.problems.append(problem)
    for doc in kb.entries:
        row = session.get(EntryRow, doc.id)
        if row is None:
            plan.created.append(doc.id)
        elif _content(entry_doc(row)) != _content(doc):
            plan.updated.append(doc.id)
        else:
            plan.unchanged.append(doc.id)
    plan.countries = sorted(incoming_codes)
    return plan
