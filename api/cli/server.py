"""`desmigratif serve` and the one-off Telegram deploy steps (`desmigratif telegram …`)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli.common import fail, log_setup

if TYPE_CHECKING:
    from api.settings import Settings


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run the HTTP service (webhooks, admin API, health) with uvicorn."""
    from api.database import PREPARED_ENV, prepare
    from api.logs import logging_config
    from api.server import run as serve_app  # uvicorn is imported only by the commands that serve

    if settings.telegram_bot_token is not None:
        # Telegram allows one poller per token; a second worker would get Conflict errors.
        if settings.telegram_mode == "polling" and args.workers > 1:
            return fail("TELEGRAM_MODE=polling runs in one process only; use --workers 1, or webhook mode "
                        "to scale out")
        if settings.telegram_mode == "webhook" and settings.telegram_webhook_secret is None:
            return fail("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook "
                        "(or set TELEGRAM_MODE=polling on a laptop)")
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        print("desmigratif: several workers on SQLite serialise their writes; use PostgreSQL to scale out",
              file=sys.stderr)
    # Migrate and seed once here, so N workers do not race to do it at start-up (nor pay for it).
    prepare(settings.database_url).dispose()
    os.environ[PREPARED_ENV] = settings.database_url  # inherited by the workers: they skip Alembic
    fmt, level = log_setup(settings, args)
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
        return fail("TELEGRAM_WEBHOOK_SECRET is not set; Telegram must send it with every update")
    try:
        asyncio.run(tg.set_webhook(token, base_url=settings.telegram_api_base_url, url=args.url,
                                   secret=settings.telegram_webhook_secret.get_secret_value(),
                                   drop_pending_updates=args.drop_pending_updates))
    except tg.TelegramChannelError as error:
        return fail(str(error), 1)
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
        return fail(str(error), 1)
    print("webhook deleted")
    return 0
