"""The command line as an operator meets it: `--version`, and `token create` saying where the token went."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from api.cli import main
from api.settings import get_settings


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Settings read again from this test's environment (they are cached per process)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"desmigratif {version('desmigratif-info')}"


def test_token_create_names_the_database_and_warns_about_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fresh_settings: None,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here either
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["token", "create", "--role", "staff", "--name", "ops-test"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("dmi_")
    assert "written to the database at sqlite:///desmigratif.db" in captured.err
    assert "warning: that is the default SQLite file in the current folder" in captured.err
    assert (tmp_path / "desmigratif.db").exists()


def test_token_create_hides_the_password_and_does_not_warn_for_a_chosen_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fresh_settings: None,
    db_url: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["token", "create", "--role", "admin", "--name", "ops-test"]) == 0
    err = capsys.readouterr().err
    assert "written to the database at " in err and "warning" not in err
    if "@" in db_url and ":" in db_url.split("@")[0].split("//")[1]:  # a PostgreSQL URL with a password
        assert db_url.split("//")[1].split("@")[0].split(":")[1] not in err
