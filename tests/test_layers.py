"""The import rules of design §2 hold: knowledge/ is a library; handlers are channel-neutral."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, by its full dotted name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from bot import channels` imports bot.channels as surely as `import bot.channels` does.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def forbidden(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


@pytest.mark.parametrize("path", python_files("knowledge"), ids=lambda p: str(p.relative_to(ROOT)))
def test_knowledge_imports_neither_bot_nor_api(path: Path) -> None:
    assert forbidden(imported_modules(path), ("bot", "api", "telegram", "fastapi")) == []


@pytest.mark.parametrize("path", python_files("bot"), ids=lambda p: str(p.relative_to(ROOT)))
def test_bot_never_imports_api(path: Path) -> None:
    assert forbidden(imported_modules(path), ("api",)) == []


@pytest.mark.parametrize(
    "path",
    [p for p in python_files("bot") if "channels" not in p.parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_channels_import_an_sdk(path: Path) -> None:
    # The core and its handlers stay channel-neutral; so does everything else in bot/ but the adapters.
    assert forbidden(imported_modules(path), ("telegram", "httpx", "bot.channels", "fastapi")) == []
