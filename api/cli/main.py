"""The `desmigratif` argument parser and entry point: every subcommand, its flags and its handler."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from api.cli.admin import cmd_db_upgrade, cmd_purge, cmd_token_create, cmd_user_create
from api.cli.common import fail, log_setup, safe_url, version_text
from api.cli.content import cmd_content_check, cmd_content_due, cmd_content_export, cmd_content_import
from api.cli.conversation import cmd_ask, cmd_chat
from api.cli.server import cmd_serve, cmd_telegram_delete_webhook, cmd_telegram_set_webhook

# The review horizon's default, shared with the knowledge layer (a light module: dates and the entry schema).
from knowledge.review import DEFAULT_WITHIN_DAYS


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    from knowledge.loader import CONTENT_DIR, FORMATS

    parser = argparse.ArgumentParser(prog="desmigratif", description="Desmigratif Info: information chatbot for "
                                     "prospective Indonesian migrant workers.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version_text()}")
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
        return fail(f"bad setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    configure_logging(*log_setup(settings, args))
    try:
        return int(args.func(settings, args))
    except StoreError as error:
        return fail(str(error), 1)
    except SQLAlchemyError as error:
        return fail(f"database error at {safe_url(settings.database_url)}: {error.__class__.__name__}: "
                    f"{str(error).splitlines()[0]}", 1)
    except KeyboardInterrupt:
        return 130
