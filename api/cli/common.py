"""What every `desmigratif` command shares: the error line, the database URL without its password, the log
set-up and the version."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.logs import LogFormat
    from api.settings import Settings

DIST = "desmigratif-info"


def fail(message: str, code: int = 2) -> int:
    """Print `desmigratif: message` on stderr; returns the exit code."""
    print(f"desmigratif: {message}", file=sys.stderr)
    return code


def safe_url(url: str) -> str:
    """The database URL as it may be shown (no password)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(the configured database)"


def log_setup(settings: Settings, args: argparse.Namespace) -> tuple[LogFormat, str]:
    """(format, level): LOG_FORMAT/LOG_LEVEL when set; else JSON at info for `serve`, text at warning otherwise."""
    serving = args.command == "serve"
    fmt: LogFormat = settings.log_format or ("json" if serving else "text")
    default = ("debug" if serving else "info") if args.verbose else ("info" if serving else "warning")
    return fmt, settings.log_level or default


def version_text() -> str:
    try:
        return version(DIST)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"
