"""The import rules of design §2 hold: knowledge/ is a library; bot/ never reaches api/; only bot/channels/
imports an SDK; the core and its handlers are channel-neutral."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _package_of(path: Path, root: Path) -> list[str]:
    """The dotted package a source file lives in, as parts (bot/handlers/x.py → ["bot", "handlers"])."""
    return list(path.relative_to(root).with_suffix("").parts[:-1])


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a source file imports, by its full dotted name.

    Relative imports are resolved against the file's package, and `from pkg import name` also yields
    `pkg.name`, so neither `from ..channels import telegram` nor `from bot import channels` slips through.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(path, root)
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module:
                names.add(module)
            names.update(f"{module}.{alias.name}" if module else alias.name for alias in node.names)
    return names


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def forbidden(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


NEUTRAL = [ROOT / "bot" / "core.py", *python_files("bot/handlers")]


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
    # The pipeline (bot/dispatch) knows channels by the protocol of bot.channels.base only, never an adapter.
    names = imported_modules(path)
    if "dispatch" in path.parts:
        names = {n for n in names if not (n == "bot.channels.base" or n.startswith("bot.channels.base."))}
    assert forbidden(names, ("telegram", "httpx", "fastapi", "bot.channels")) == []


@pytest.mark.parametrize("path", NEUTRAL, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_and_handlers_are_channel_neutral(path: Path) -> None:
    assert forbidden(imported_modules(path), ("telegram", "httpx", "fastapi", "bot.channels", "api")) == []


def test_the_rules_see_the_whole_tree() -> None:
    # A moved folder would otherwise make every parametrised check above vacuous.
    assert len(python_files("knowledge")) >= 10
    assert len(NEUTRAL) >= 10


def test_relative_and_from_package_imports_are_caught(tmp_path: Path) -> None:
    handler = tmp_path / "bot" / "handlers" / "sneaky.py"
    handler.parent.mkdir(parents=True)
    handler.write_text("from ..channels import telegram\nfrom bot import channels\nfrom . import menu\n", encoding="utf-8")
    names = imported_modules(handler, root=tmp_path)
    assert forbidden(names, ("bot.channels",)) == ["bot.channels", "bot.channels.telegram"]
    assert "bot.handlers.menu" in names
