"""`desmigratif content …`: check, import, export content files and list the entries due for review."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli.common import fail, safe_url

if TYPE_CHECKING:
    from api.settings import Settings


def cmd_content_check(_settings: Settings, args: argparse.Namespace) -> int:
    """Validate content files and report every problem."""
    from knowledge.loader import CONTENT_DIR, read_path

    path = Path(args.path) if args.path else CONTENT_DIR
    kb = read_path(path)
    for problem in kb.problems:
        print(problem)
    published = sum(1 for e in kb.entries if e.status == "published")
    summary = f"{len(kb.entries)} entries ({published} published), {len(kb.countries)} countries"
    if kb.problems:
        print(f"{len(kb.problems)} problem(s) in {path}; {summary}", file=sys.stderr)
        return 1
    print(f"ok: {summary} in {path}")
    return 0


def cmd_content_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import YAML/JSON/CSV content all-or-nothing (or only report with --dry-run)."""
    from sqlmodel import Session

    from api.database import prepare
    from knowledge.loader import read_path
    from knowledge.store import import_knowledge_base

    kb = read_path(Path(args.path))
    for problem in kb.problems:
        print(problem)
    if kb.problems:
        return fail(f"{len(kb.problems)} problem(s); nothing was imported", 1)
    engine = prepare(settings.database_url)
    with Session(engine) as session:
        report = import_knowledge_base(session, kb, author=args.author, note=f"import {args.path}")
        verb = "would import" if args.dry_run else "imported"
        if args.dry_run:
            session.rollback()
        else:
            session.commit()
    print(f"{verb}: {report.created} new, {report.updated} changed, {report.unchanged} unchanged entries; "
          f"{report.countries} countries")
    return 0


def cmd_content_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the whole knowledge base to a file in YAML, JSON or CSV."""
    from sqlmodel import Session

    from api.database import prepare
    from knowledge.loader import FORMATS, dump, format_of
    from knowledge.store import list_countries, list_entries

    path = Path(args.path)
    fmt = args.format or format_of(path)
    if fmt not in FORMATS:
        return fail(f"cannot tell the format from {path.name!r}; name it .yaml, .json or .csv or pass --format")
    engine = prepare(settings.database_url)
    with Session(engine) as session:
        entries, countries = list_entries(session), list_countries(session)
    path.write_text(dump(entries, countries, fmt), encoding="utf-8")
    print(f"exported {len(entries)} entries" + ("" if fmt == "csv" else f" and {len(countries)} countries")
          + f" to {path}")
    return 0


def cmd_content_due(settings: Settings, args: argparse.Namespace) -> int:
    """List the entries whose review date has passed or falls within --within days (from files with PATH)."""
    from sqlmodel import Session

    from api.database import prepare
    from knowledge.loader import read_path
    from knowledge.review import due_for_review
    from knowledge.store import list_entries

    if args.within < 0:
        return fail("--within takes a number of days, 0 or more")
    if args.path:
        kb = read_path(Path(args.path))
        if kb.problems:
            for problem in kb.problems:
                print(problem)
            return fail(f"{len(kb.problems)} problem(s) in {args.path}; run `desmigratif content check`", 1)
        entries, where = kb.entries, args.path
    else:
        engine = prepare(settings.database_url)
        with Session(engine) as session:
            entries = list_entries(session)
        where = safe_url(settings.database_url)
    today = dt.date.today()
    due = due_for_review(entries, today=today, within_days=args.within)
    horizon = today + dt.timedelta(days=args.within)
    if not due:
        print(f"no entry is due for review by {horizon.isoformat()} ({len(entries)} entries in {where})")
        return 0
    width = max(len(e.id) for e in due)
    for entry in due:
        days = (entry.review_due - today).days
        when = f"overdue by {-days} day(s)" if days < 0 else "due today" if days == 0 else f"due in {days} day(s)"
        print(f"{entry.review_due.isoformat()}  {entry.id:<{width}}  {entry.status:<9}  {when}")
    overdue = sum(1 for e in due if e.review_due < today)
    print(f"{len(due)} of {len(entries)} entries due for review by {horizon.isoformat()} ({overdue} overdue)")
    return 0
