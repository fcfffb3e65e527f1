"""The console's locks, over real HTTP: sessions, roles, CSRF, sign-in throttling, cookies, idle expiry, CSP."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from api.cli import main as cli_main
from api.console.mount import CONSOLE_CSP, ROUTE_MODULES
from api.models import ConsoleSessionRow, UserRow
from api.settings import get_settings
from tests.api.console.conftest import PASSWORD, Console, csrf_of, sign_in

PAGES = ["/console/entries", "/console/entries/gaji-taiwan", "/console/entries/new", "/console/unanswered",
         "/console/import", "/console/inbox", "/console/dashboard", "/console/synonyms", "/console/admin/users",
         "/console/admin/tokens", "/console/admin/audit", "/console/entries/gaji-taiwan/revisions"]
ADMIN_PAGES = ["/console/admin/users", "/console/admin/tokens", "/console/admin/audit"]


def console_routes() -> list[tuple[str, str]]:
    """Every (method, path) the console serves, with a sample value for each path parameter."""
    found = []
    for module in ROUTE_MODULES:
        for route in module.router.routes:
            sample = re.sub(r"\{entry_id\}", "gaji-taiwan", "/console" + getattr(route, "path", ""))
            sample = re.sub(r"\{[a-z_]+\}", "1", sample)
            found += [(method, sample.rstrip("/")) for method in sorted(getattr(route, "methods", set()) - {"HEAD"})]
    return found


def test_no_page_or_action_without_a_session(console: Console) -> None:
    stranger = httpx.Client(base_url=console.url, timeout=20)
    routes = console_routes()
    assert len(routes) > 30
    for method, path in routes:
        if path in ("/console/login", "/console/lang/1") or path.startswith("/console/lang/"):
            continue
        response = stranger.request(method, path, data={"csrf": "x", "text": "hi"})
        if method == "GET":
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/console/login"), path
        else:
            assert response.status_code in (401, 403), (method, path, response.status_code)


def test_an_editor_cannot_reach_admin_pages_and_staff_cannot_edit(console: Console) -> None:
    editor, staff = console.client("budi"), console.client("citra")
    for path in ADMIN_PAGES:
        assert editor.get(path).status_code == 403, path
        assert staff.get(path).status_code == 403, path
    assert staff.get("/console/entries").status_code == 403
    assert editor.get("/console/inbox").status_code == 403
    admin = console.client("ani")
    for path in PAGES:
        response = admin.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-security-policy"] == CONSOLE_CSP
        assert response.headers["cache-control"] == "no-store"


def test_a_form_without_its_csrf_token_is_refused(console: Console) -> None:
    editor = console.client("budi")
    page = editor.get("/console/entries/gaji-taiwan")
    token = csrf_of(page.text)
    missing = editor.post("/console/entries/gaji-taiwan/unpublish", data={})
    wrong = editor.post("/console/entries/gaji-taiwan/unpublish", data={"csrf": token[:-2] + "xx"})
    assert missing.status_code == 403 and wrong.status_code == 403
    assert editor.get("/console/entries/gaji-taiwan").text.count('class="badge published"') >= 1, "nothing changed"
    # Sign-in has its own token (a cookie and the form's field must agree).
    fresh = httpx.Client(base_url=console.url)
    assert fresh.post("/console/login", data={"name": "budi", "password": PASSWORD}).status_code == 403
    # Scripts send it as a header.
    preview = editor.post("/console/entries/gaji-taiwan/preview", data={"id_answer": "Jawaban baru untuk pratinjau."},
                          headers={"X-CSRF-Token": token, "X-Requested-With": "console"})
    assert preview.status_code == 200 and "Jawaban baru untuk pratinjau." in preview.text


def test_five_wrong_passwords_slow_the_account_down(console: Console) -> None:
    client = httpx.Client(base_url=console.url)
    with Session(console.engine) as session:
        from api.console.accounts import create_user

        create_user(session, name="eka", role="editor", actor="test", password=PASSWORD)
        session.commit()
    statuses = [sign_in(client, "eka", f"wrong-password-{n}").status_code for n in range(5)]
    assert statuses == [401, 401, 401, 401, 401]
    refused = sign_in(client, "eka", PASSWORD)  # even the right password must wait now
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 31
    assert f"{refused.headers['retry-after']} " in refused.text  # the page says how long to wait
    # An unknown name looks exactly like a wrong password.
    assert sign_in(client, "nobody-here", PASSWORD).status_code == 401


def test_session_cookie_flags_sign_out_and_idle_expiry(console: Console) -> None:
    client = httpx.Client(base_url=console.url)
    response = sign_in(client, "budi", PASSWORD)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie
    behind_tls = httpx.Client(base_url=console.url, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in behind_tls.get("/console/login").headers["set-cookie"]
    assert client.get("/console/entries").status_code == 200
    # Idle for longer than the limit: the session is gone.
    with Session(console.engine) as session:
        session.exec(update(ConsoleSessionRow).values(  # type: ignore[call-overload]
            last_seen=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
        session.commit()
    expired = client.get("/console/entries")
    assert expired.status_code == 303 and expired.headers["location"].startswith("/console/login")
    # Sign-out ends the session on the server, not only in the browser.
    sign_in(client, "budi", PASSWORD)
    token = csrf_of(client.get("/console/entries").text)
    stolen = client.cookies.get("dm_session")
    assert client.post("/console/logout", data={"csrf": token}).status_code == 303
    replay = httpx.Client(base_url=console.url, cookies={"dm_session": stolen or ""})
    assert replay.get("/console/entries").status_code == 303
    console.clients.clear()  # the shared clients' sessions were expired above


def run_cli(args: list[str], db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            stdin: str = "") -> tuple[int, str, str]:
    """Run `desmigratif ARGS` in this process against `db_url`; (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    get_settings.cache_clear()
    try:
        code = cli_main(args)
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_user_create_prints_a_one_time_password_that_must_be_changed(
        console: Console, module_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["user", "create", "--role", "staff", "--name", "fajar"], module_db, monkeypatch, capsys)
    assert code == 0, err
    one_time = out.strip()
    assert len(one_time) >= 12 and "one-time" in err
    client = httpx.Client(base_url=console.url)
    first = sign_in(client, "fajar", one_time)
    assert first.status_code == 303 and first.headers["location"] == "/console/password"
    assert client.get("/console/inbox").headers["location"] == "/console/password"
    token = csrf_of(client.get("/console/password").text)
    short = client.post("/console/password", data={"csrf": token, "current": one_time, "new": "short", "again": "short"})
    assert short.status_code == 422
    changed = client.post("/console/password", data={"csrf": token, "current": one_time, "new": "fajar-own-password",
                                                     "again": "fajar-own-password"})
    assert changed.status_code == 303
    assert client.get("/console/inbox").status_code == 200
    code, out, err = run_cli(["user", "create", "--role", "editor", "--name", "gita", "--password-stdin"], module_db,
                             monkeypatch, capsys, stdin="gita-chosen-password\n")
    assert code == 0 and out == "", err
    with Session(console.engine) as session:
        gita = session.exec(select(UserRow).where(col(UserRow.name) == "gita")).one()
        assert not gita.must_change and gita.password_hash.startswith("$argon2id$")
    assert sign_in(httpx.Client(base_url=console.url), "gita", "gita-chosen-password").headers["location"] == "/console"
    code, _out, err = run_cli(["user", "create", "--role", "editor", "--name", "gita"], module_db, monkeypatch, capsys)
    assert code == 2 and "already" in err


def test_pages_load_nothing_inline_and_nothing_from_elsewhere(console: Console) -> None:
    admin = console.client("ani")
    for path in [*PAGES, "/console/login"]:
        html = admin.get(path).text
        for script in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/console/static/' in script, (path, script)
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), f"inline script on {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler on {path}"
        assert not re.search(r'(src|href)="(https?:)?//', html), f"something from elsewhere on {path}"
        assert "style=" not in html, f"inline style on {path}"
    docs = httpx.get(f"{console.url}/docs").text
    assert "cdn.jsdelivr.net" not in docs and "/docs/static/swagger-ui-bundle.js" in docs
    assert httpx.get(f"{console.url}/docs/static/swagger-ui-bundle.js").status_code == 200


def test_an_oversized_form_is_refused_before_it_is_read(console: Console) -> None:
    editor = console.client("budi")
    token = csrf_of(editor.get("/console/synonyms").text)
    huge = editor.post("/console/synonyms", data={"csrf": token, "word": "x" * 100_000, "means": "y"})
    assert huge.status_code == 413
    upload = editor.post("/console/import", data={"csrf": token},
                         files={"file": ("besar.csv", b"x" * (3 * 1024 * 1024), "text/csv")})
    assert upload.status_code == 413
