"""The `desmigratif` command line (design §7.1).

The heavy modules (SQLAlchemy, the knowledge layer, the app) are imported inside the commands that use them:
`serve --workers N` starts each worker by importing this module again (multiprocessing's spawn re-imports the
`desmigratif` script), and every second spent here delays the worker's answer to uvicorn's health check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.logs import LogFormat
    from api.settings import Settings

# The review horizon's default, shared with the knowledge layer (a light module: dates and the entry schema).
from knowledge.review import DEFAULT_WITHIN_DAYS

log = logging.getLogger("desmigratif")
DIST = "desmigratif-info"


def _fail(message: str, code: int = 2) -> int:
    print(f"desmigratif: {message}", file=sys.stderr)
    return code


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    """Create or migrate the schema."""
    from api.database import upgrade
    from knowledge.db import make_engine

    upgrade(make_engine(settings.database_url))
    print(f"database at {_safe_url(settings.database_url)} is up to date")
    return 0


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
        return _fail(f"{len(kb.problems)} problem(s); nothing was imported", 1)
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
        return _fail(f"cannot tell the format from {path.name!r}; name it .yaml, .json or .csv or pass --format")
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
        return _fail("--within takes a number of days, 0 or more")
    if args.path:
        kb = read_path(Path(args.path))
        if kb.problems:
            for problem in kb.problems:
                print(problem)
            return _fail(f"{len(kb.problems)} problem(s) in {args.path}; run `desmigratif content check`", 1)
        entries, where = kb.entries, args.path
    else:
        engine = prepare(settings.database_url)
        with Session(engine) as session:
            entries = list_entries(session)
        where = _safe_url(settings.database_url)
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


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question without keeping any state."""
    from api.database import prepare
    from api.runtime import SnapshotHolder
    from bot.core import Conversation
    from bot.messages import IncomingMessage
    from bot.state import MemoryStateStore

    engine = prepare(settings.database_url)
    conversation = Conversation(SnapshotHolder(engine).get, MemoryStateStore(), settings=settings.bot)
    turn = conversation.handle(
        IncomingMessage(channel="cli", user_id="ask", text=args.text, language_hint=args.lang)
    )
    if args.json:
        print(json.dumps(turn.to_dict("ask"), ensure_ascii=False))
    else:
        for reply in turn.replies:
            print(reply.text)
            for number, button in enumerate(reply.buttons, start=1):
                print(f"  {number}) {button.label}")
            print()
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Chat in the terminal, or run the JSONL batch protocol with --jsonl."""
    from api.database import prepare
    from api.runtime import SnapshotHolder
    from bot.channels.console import run_interactive, run_jsonl
    from bot.core import Conversation
    from bot.privacy import SqlUserDataEraser
    from bot.state import SqlRecorder, SqlStateStore

    engine = prepare(settings.database_url)
    holder = SnapshotHolder(engine, poll_seconds=settings.content_poll_seconds)
    recorder = SqlRecorder(engine, flush_seconds=settings.stats_flush_seconds)
    conversation = Conversation(holder.get, SqlStateStore(engine), recorder=recorder, settings=settings.bot,
                                eraser=SqlUserDataEraser(engine))
    try:
        if args.jsonl:
            return run_jsonl(conversation, sys.stdin, sys.stdout)
        return run_interactive(conversation, user=args.user, lang=args.lang, stdin=sys.stdin, stdout=sys.stdout)
    finally:
        recorder.close()  # the turn counters summed since the last flush


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run the HTTP service (webhooks, admin API, health) with uvicorn."""
    from api.database import PREPARED_ENV, prepare
    from api.logs import logging_config
    from api.server import run as serve_app  # uvicorn is imported only by the commands that serve

    if settings.telegram_bot_token is not None:
        # Telegram allows one poller per token; a second worker would get Conflict errors.
        if settings.telegram_mode == "polling" and args.workers > 1:
            return _fail("TELEGRAM_MODE=polling runs in one process only; use --workers 1, or webhook mode "
                         "to scale out")
        if settings.telegram_mode == "webhook" and settings.telegram_webhook_secret is None:
            return _fail("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook "
                         "(or set TELEGRAM_MODE=polling on a laptop)")
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        print("desmigratif: several workers on SQLite serialise their writes; use PostgreSQL to scale out",
              file=sys.stderr)
    # Migrate and seed once here, so N workers do not race to do it at start-up (nor pay for it).
    prepare(settings.database_url).dispose()
    os.environ[PREPARED_ENV] = settings.database_url  # inherited by the workers: they skip Alembic
    fmt, level = _log_setup(settings, args)
    # Several workers share their metrics through files (prometheus-client's multiprocess mode); the variable
    # must be set before any worker imports prometheus_client, i.e. here, before uvicorn spawns them.
    metrics_dir = None
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:  # the operator's folder: it must not hold the files of an earlier run
        for stale in Path(given).glob("*.db"):
            stale.unlink(missing_ok=True)
    elif args.workers > 1:
        metrics_dir = tempfile.mkdtemp(prefix="desmigratif-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        started = serve_app("api.app:app_factory", factory=True, host=args.host, port=args.port,
                            workers=args.workers, healthcheck_seconds=settings.worker_healthcheck_seconds,
                            log_config=logging_config(fmt, level), log_level=level, access_log=False,
                            proxy_headers=True)
    finally:
        os.environ.pop(PREPARED_ENV, None)
        if metrics_dir is not None:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0 if started else 3


def _log_setup(settings: Settings, args: argparse.Namespace) -> tuple[LogFormat, str]:
    """(format, level): LOG_FORMAT/LOG_LEVEL when set; else JSON at info for `serve`, text at warning otherwise."""
    serving = args.command == "serve"
    fmt: LogFormat = settings.log_format or ("json" if serving else "text")
    default = ("debug" if serving else "info") if args.verbose else ("info" if serving else "warning")
    return fmt, settings.log_level or default


def _telegram_token(settings: Settings) -> str | None:
    if settings.telegram_bot_token is None:
        print("desmigratif: TELEGRAM_BOT_TOKEN is not set; get one from @BotFather (see README, Telegram)",
              file=sys.stderr)
        return None
    return settings.telegram_bot_token.get_secret_value()


def cmd_telegram_set_webhook(settings: Settings, args: argparse.Namespace) -> int:
    """Point Telegram at URL with the webhook secret and register the bot commands (a deploy step)."""
    import asyncio

    from bot.channels import telegram as tg

    token = _telegram_token(settings)
    if token is None:
        return 2
    if settings.telegram_webhook_secret is None:
        return _fail("TELEGRAM_WEBHOOK_SECRET is not set; Telegram must send it with every update")
    try:
        asyncio.run(tg.set_webhook(token, base_url=settings.telegram_api_base_url, url=args.url,
                                   secret=settings.telegram_webhook_secret.get_secret_value(),
                                   drop_pending_updates=args.drop_pending_updates))
    except tg.TelegramChannelError as error:
        return _fail(str(error), 1)
    print(f"webhook set to {args.url} (updates: {', '.join(tg.ALLOWED_UPDATES)}); commands registered in id and en")
    return 0


def cmd_telegram_delete_webhook(settings: Settings, args: argparse.Namespace) -> int:
    """Remove the Telegram webhook (e.g. to poll from a laptop instead)."""
    import asyncio

    from bot.channels import telegram as tg

    token = _telegram_token(settings)
    if token is None:
        return 2
    try:
        asyncio.run(tg.delete_webhook(token, base_url=settings.telegram_api_base_url,
                                      drop_pending_updates=args.drop_pending_updates))
    except tg.TelegramChannelError as error:
        return _fail(str(error), 1)
    print("webhook deleted")
    return 0


def cmd_token_create(settings: Settings, args: argparse.Namespace) -> int:
    """Create an API token and print it once; only its hash is stored."""
    from sqlmodel import Session

    from api.database import prepare
    from api.tokens import create_token

    name = args.name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        return _fail("--name needs 1 to 100 printable characters")
    engine = prepare(settings.database_url)
    with Session(engine) as session:
        row, token = create_token(session, name=name, role=args.role, actor="cli")
        session.commit()
        token_id = row.id
    print(token)
    print(f"token {token_id} for {name!r} with the {args.role} role; it is shown only this once", file=sys.stderr)
    print(f"written to the database at {_safe_url(settings.database_url)}", file=sys.stderr)
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
            return _fail(f"the password needs {error}")
        except ValueError as error:
            return _fail(str(error))
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
        return _fail("--older-than needs a number of days, at least 1")
    engine = prepare(settings.database_url)
    try:
        counts = purge(engine, dt.timedelta(days=args.older_than))
    finally:
        engine.dispose()
    for name, count in sorted(counts.items()):
        print(f"{name}\t{count}")
    print(f"purged {sum(counts.values())} row(s) older than {args.older_than} day(s)", file=sys.stderr)
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(the configured database)"


def _version() -> str:
    try:
        return version(DIST)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    from knowledge.loader import CONTENT_DIR, FORMATS

    parser = argparse.ArgumentParser(prog="desmigratif", description="Desmigratif Info: information chatbot for "
                                     "prospective Indonesian migrant workers.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = sub.add_parser("chat", help="chat in the terminal (or --jsonl for the batch protocol)")
    chat.add_argument("--lang", choices=("id", "en"), help="language to start in")
    chat.add_argument("--user", default="terminal", help="user id for the conversation state")
    chat.add_argument("--jsonl", action="store_true", help="read JSON lines on stdin, write one JSON line each")
    chat.set_defaults(func=cmd_chat)

    ask = sub.add_parser("ask", help="answer one question, without state")
    ask.add_argument("text")
    ask.add_argument("--lang", choices=("id", "en"))
    ask.add_argument("--json", action="store_true", help="print the turn object")
    ask.set_defaults(func=cmd_ask)

    serve = sub.add_parser("serve", help="run the HTTP service: webhooks, admin API, health, metrics")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (use PostgreSQL for more than one)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=cmd_db_upgrade)

    content = sub.add_parser("content", help="knowledge content files")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    check = content_sub.add_parser("check", help="validate content files and report every problem")
    check.add_argument("path", nargs="?", help=f"file or folder (default: {CONTENT_DIR})")
    check.set_defaults(func=cmd_content_check)
    imp = content_sub.add_parser("import", help="import YAML/JSON/CSV, all or nothing")
    imp.add_argument("path")
    imp.add_argument("--dry-run", action="store_true", help="check and report only; change nothing")
    imp.add_argument("--author", default="cli", help="recorded as the author of the change")
    imp.set_defaults(func=cmd_content_import)
    exp = content_sub.add_parser("export", help="export the whole knowledge base")
    exp.add_argument("path")
    exp.add_argument("--format", choices=FORMATS)
    exp.set_defaults(func=cmd_content_export)
    due = content_sub.add_parser("due", help="entries whose review date has passed or is near")
    due.add_argument("path", nargs="?", help="read content files instead of the database")
    due.add_argument("--within", type=int, default=DEFAULT_WITHIN_DAYS, metavar="DAYS",
                     help=f"also list entries due within DAYS days (default {DEFAULT_WITHIN_DAYS}; 0 = only overdue or due today)")
    due.set_defaults(func=cmd_content_due)

    token = sub.add_parser("token", help="API tokens for the admin API")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_sub.add_parser("create", help="create a token and print it once (only its hash is stored)")
    create.add_argument("--role", required=True, choices=("admin", "editor", "staff"))
    create.add_argument("--name", required=True, help="who or what uses it, e.g. editor-1")
    create.set_defaults(func=cmd_token_create)

    user = sub.add_parser("user", help="people's accounts for the web console (/console)")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    user_create = user_sub.add_parser("create", help="create an account; prints a one-time password")
    user_create.add_argument("--role", required=True, choices=("admin", "editor", "staff"))
    user_create.add_argument("--name", required=True, help="the name the person signs in with")
    user_create.add_argument("--password-stdin", action="store_true",
                             help="read the password from the first line of standard input (no forced change)")
    user_create.set_defaults(func=cmd_user_create)

    purge_cmd = sub.add_parser("purge", help="delete old transcripts, dedupe keys, outbox rows and idle state")
    purge_cmd.add_argument("--older-than", type=int, required=True, metavar="DAYS",
                           help="delete what is older than this many days")
    purge_cmd.set_defaults(func=cmd_purge)

    telegram = sub.add_parser("telegram", help="one-off Telegram deploy steps (webhook, bot commands)")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True, metavar="ACTION")
    set_hook = telegram_sub.add_parser("set-webhook", help="point Telegram at URL (…/webhooks/telegram)")
    set_hook.add_argument("url")
    set_hook.add_argument("--drop-pending-updates", action="store_true", help="discard updates waiting at Telegram")
    set_hook.set_defaults(func=cmd_telegram_set_webhook)
    del_hook = telegram_sub.add_parser("delete-webhook", help="remove the webhook (before polling)")
    del_hook.add_argument("--drop-pending-updates", action="store_true", help="discard updates waiting at Telegram")
    del_hook.set_defaults(func=cmd_telegram_delete_webhook)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from api.logs import configure_logging
    from api.settings import get_settings
    from knowledge.store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as error:
        first = error.errors()[0]
        return _fail(f"bad setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    configure_logging(*_log_setup(settings, args))
    try:
        return int(args.func(settings, args))
    except StoreError as error:
        return _fail(str(error), 1)
    except SQLAlchemyError as error:
        return _fail(f"database error at {_safe_url(settings.database_url)}: {error.__class__.__name__}: "
                     f"{str(error).splitlines()[0]}", 1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
