"""The `desmigratif` command line (design §7.1), one module per group of commands.

The heavy modules (SQLAlchemy, the knowledge layer, the app) are imported inside the commands that use them:
`serve --workers N` starts each worker by importing this package again (multiprocessing's spawn re-imports the
`desmigratif` script), and every second spent here delays the worker's answer to uvicorn's health check.
"""

from __future__ import annotations

from api.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
