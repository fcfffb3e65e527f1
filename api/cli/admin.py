"""`desmigratif db upgrade`, `token create`, `user create` and `purge`: the database and who may use it."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from api.cli.common import fail, safe_url

if TYPE_CHECKING:
    from api.settings import Settings


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    """Create or migrate the schema."""
    from api.database import upgrade
    from knowledge.db import make_engine

    upgrade(make_engine(settings.database_url))
    print(f"database at {safe_url(settings.database_url)} is up to date")
    return 0


def cmd_token_create(settings: Settings, args: argparse.Namespace) -> int:
    """Create an API token and print it once; only its hash is stored."""
    from sqlmodel import Session

    from api.database import prepare
    from api.tokens import create_token

    name = args.name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        return fail("--name needs 1 to 100 printable characters")
    engine = prepare(settings.database_url)
    with Session(engine) as session:
        row, token = create_token(session, name=name, role=args.role, actor="cli")
        session.commit()
        token_id = row.id
    print(token)
    print(f"token {token_id} for {name!r} with the {args.role} role; it is shown only this once", file=sys.stderr)
    print(f"written to the database at {safe_url(settings.database_url)}", file=sys.stderr)
    if _default_sqlite_here(settings.database_url):
        print("desmigratif: warning: that is the default SQLite file in the current folder (DATABASE_URL is not "
              "set); a server using another database will answer 401 to this token. Set DATABASE_URL as the "
              "server has it and create the token again.", file=sys.stderr)
    return 0


def _default_sqlite_here(url: str) -> bool:
    """True for the default `sqlite:///desmigratif.db`, i.e. a file in whatever folder the command ran in."""
    from api.settings import Settings

    default: str = Settings.model_fields["database_url"].default  # pydantic types a field's default as Any
    return url == default


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> int:
    """Create a person's console account; prints a one-time password unless --password-stdin gives one."""
    from sqlmodel import Session

    from api.console.accounts import BadPassword, create_user
    from api.database import prepare

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    engine = prepare(settings.database_url)
    with Session(engine) as session:
        try:
            row, generated = create_user(session, name=args.name, role=args.role, actor="cli", password=password)
        except BadPassword as error:
            return fail(f"the password needs {error}")
        except ValueError as error:
            return fail(str(error))
        session.commit()
        user_id = row.id
    if generated:
        print(generated)
        print(f"user {user_id} {args.name.strip()!r} ({args.role}): this one-time password is shown only once and "
              "must be changed at the first sign-in at /console", file=sys.stderr)
    else:
        print(f"user {user_id} {args.name.strip()!r} ({args.role}) created", file=sys.stderr)
    return 0


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    """Delete data older than --older-than DAYS (transcripts, dedupe keys, outbox, idle state; bot.privacy)."""
    import datetime as dt

    from api.database import prepare
    from bot.privacy import purge

    if args.older_than < 1:
        return fail("--older-than needs a number of days, at least 1")
    engine = prepare(settings.database_url)
    try:
        counts = purge(engine, dt.timedelta(days=args.older_than))
    finally:
        engine.dispose()
    for name, count in sorted(counts.items()):
        print(f"{name}\t{count}")
    print(f"purged {sum(counts.values())} row(s) older than {args.older_than} day(s)", file=sys.stderr)
    return 0
