"""The core and its handlers stay channel-neutral: no SDK, no channel adapter, nothing from api/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEUTRAL = [ROOT / "bot" / "core.py", *sorted((ROOT / "bot" / "handlers").glob("*.py"))]
FORBIDDEN = ("telegram", "httpx", "bot.channels", "api")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module if node.level == 0 else "." * node.level + node.module)
            if node.level == 0:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", NEUTRAL, ids=lambda p: str(p.relative_to(ROOT)))
def test_channel_neutral_code_imports_no_sdk(path: Path) -> None:
    bad = sorted(n for n in _imports(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))
    assert bad == []


def test_every_handler_module_is_checked() -> None:
    assert len(NEUTRAL) >= 10
