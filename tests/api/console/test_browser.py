"""The console in a real headless Chromium against the running app and the fake Telegram Bot API.

One server and one browser for the module (the machine is small); each test signs in as the person it
plays. Every test ends by reading the browser's console log: no page may log an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from sqlmodel import Session

from bot.channels.telegram import render_html
from knowledge import editing
from knowledge.loader import CSV_COLUMNS
from tests.api.console.conftest import PASSWORD, Console, csrf_of


def wait_until(probe: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll until `probe()` is truthy (exceptions count as not yet); fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except Exception:  # the element is not there yet, or was replaced while we looked
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or probe}")
        time.sleep(0.1)


def by_testid(browser: Any, name: str) -> Any:
    return browser.find_element(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def assert_no_console_errors(browser: Any) -> None:
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors


def sign_in_as(browser: Any, console: Console, name: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{console.url}/console/login")
    by_testid(browser, "login-name").send_keys(name)
    by_testid(browser, "login-password").send_keys(PASSWORD)
    by_testid(browser, "login-submit").click()
    wait_until(lambda: "/console/login" not in browser.current_url, what="sign-in")


def bot_answer(console: Console, user: int, text: str, expected: str) -> str:
    """Ask the bot on Telegram and wait for a reply containing `expected`."""
    console.say(user, text)
    return wait_until(lambda: next((t for t in console.texts_to(user) if expected in t), None),
                      what=f"the bot's reply with {expected!r}")


def test_editor_changes_an_answer_previews_tries_publishes_and_the_bot_gives_it(console: Console, browser: Any) -> None:
    sign_in_as(browser, console, "budi")
    browser.get(f"{console.url}/console/entries")
    search = browser.find_element(By.ID, "f-q")
    search.send_keys("gaji minimum PMI di Taiwan")
    search.submit()
    rows = wait_until(lambda: by_testid(browser, "entry-row") and browser.find_elements(
        By.CSS_SELECTOR, '[data-testid="entry-row"]'), what="entry rows")
    row = next(r for r in rows if "gaji-taiwan" in r.text)
    row.find_element(By.TAG_NAME, "a").click()
    wait_until(lambda: browser.current_url.endswith("/console/entries/gaji-taiwan"), what="the edit page")

    new_answer = "Teks uji dari konsol editor: jawaban ini diganti lewat halaman web dan diterbitkan."
    answer = by_testid(browser, "entry-answer-id")
    answer.clear()
    answer.send_keys(new_answer)
    # The live preview shows it as Telegram and WhatsApp will.
    wait_until(lambda: new_answer in browser.find_element(By.ID, "preview").text, what="the preview")
    preview = browser.find_element(By.ID, "preview").text
    assert "Telegram" in preview and "WhatsApp" in preview

    # Try a question against the form as typed: the decision, candidates and scores.
    question = "Berapa gaji minimum PMI di Taiwan?"
    by_testid(browser, "try-text").send_keys(question)
    by_testid(browser, "try-submit").click()
    result = wait_until(lambda: "gaji-taiwan" in by_testid(browser, "try-result").text and by_testid(browser, "try-result"),
                        what="the try result")
    assert "answer" in result.text and new_answer in result.text

    # The live entry is untouched until it is published.
    by_testid(browser, "entry-save").click()
    wait_until(lambda: "saved=1" in browser.current_url, what="saved")
    with Session(console.engine) as session:
        assert new_answer not in editing.get_entry(session, "gaji-taiwan").texts["id"].answer
    by_testid(browser, "entry-publish").click()
    wait_until(lambda: "published=1" in browser.current_url, what="published")
    with Session(console.engine) as session:
        live = editing.get_entry(session, "gaji-taiwan")
        assert live.texts["id"].answer == new_answer and live.status == "published" and live.updated_by == "budi"

    bot_answer(console, 6_100_001, question, new_answer)
    assert_no_console_errors(browser)


def test_a_stale_edit_says_who_changed_it_and_keeps_the_typed_text(console: Console, browser: Any) -> None:
    sign_in_as(browser, console, "budi")
    browser.get(f"{console.url}/console/entries/syarat-taiwan")
    mine = "Teks uji yang diketik editor sementara orang lain juga mengubah entri ini."
    answer = by_testid(browser, "entry-answer-id")
    answer.clear()
    answer.send_keys(mine)
    with Session(console.engine) as session:  # meanwhile, someone else edits and saves (in place: a draft now)
        current = editing.get_entry(session, "syarat-taiwan")
        editing.set_status(session, "syarat-taiwan", "draft", author="ani", version=current.version)
        session.commit()
    by_testid(browser, "entry-save").click()
    alert = wait_until(lambda: browser.find_element(By.CSS_SELECTOR, '[role="alert"]'), what="the stale notice")
    assert "ani" in alert.text
    assert by_testid(browser, "entry-answer-id").get_attribute("value") == mine
    assert_no_console_errors(browser)


def test_a_semicolon_csv_imports_after_a_dry_run(console: Console, browser: Any, tmp_path: Path) -> None:
    sign_in_as(browser, console, "budi")
    values = {name: "" for name in CSV_COLUMNS}
    values.update({"id": "uji-impor-titik-koma", "topic": "procedure", "status": "draft", "version": "1",
                   "id_question": "Bagaimana cara mengimpor berkas uji dari Excel?",
                   "id_phrasings": "impor berkas uji", "id_answer": "Ini entri uji dari berkas CSV bertitik koma.",
                   "sources": "[]", "reviewed_at": "2026-11-20", "review_due": "2027-05-20"})
    # What Indonesian Excel writes: ';' between cells, quotes around cells that hold one.
    line = ";".join(f'"{values[name]}"' if ";" in values[name] else values[name] for name in CSV_COLUMNS)
    path = tmp_path / "entri.csv"
    path.write_text(";".join(CSV_COLUMNS) + "\n" + line + "\n", encoding="utf-8")
    browser.get(f"{console.url}/console/import")
    by_testid(browser, "import-file").send_keys(str(path))
    by_testid(browser, "import-check").click()
    plan = wait_until(lambda: by_testid(browser, "import-plan"), what="the dry-run table")
    assert "uji-impor-titik-koma" in plan.text
    with Session(console.engine) as session, pytest.raises(editing.NotFound):
        editing.get_entry(session, "uji-impor-titik-koma")  # a dry run writes nothing
    by_testid(browser, "import-apply").click()
    wait_until(lambda: "imported=1" in browser.current_url, what="imported")
    with Session(console.engine) as session:
        assert editing.get_entry(session, "uji-impor-titik-koma").updated_by == "budi"
    assert_no_console_errors(browser)


def test_an_unanswered_question_becomes_a_phrasing_and_then_matches(console: Console, browser: Any) -> None:
    asked = "rontgen dan cek urin sebelum terbang di klinik mana"
    console.say(6_100_002, asked)
    wait_until(lambda: console.texts_to(6_100_002), what="the fallback reply")
    sign_in_as(browser, console, "budi")
    browser.get(f"{console.url}/console/unanswered")
    group = wait_until(lambda: next(s for s in browser.find_elements(By.CSS_SELECTOR, '[data-testid="unanswered-row"]')
                                    if asked in s.text), what="the group in the queue")
    edited = "rontgen dan cek urin sebelum berangkat di klinik mana"
    phrase = group.find_element(By.CSS_SELECTOR, 'input[name="phrasing"]')
    phrase.clear()
    phrase.send_keys(edited)
    entry = group.find_element(By.CSS_SELECTOR, 'input[name="entry_id"]')
    entry.clear()
    entry.send_keys("pemeriksaan-kesehatan")
    group.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    wait_until(lambda: "done=" in browser.current_url, what="resolved")
    with Session(console.engine) as session:
        assert edited in editing.get_entry(session, "pemeriksaan-kesehatan").texts["id"].phrasings
        answer = editing.get_entry(session, "pemeriksaan-kesehatan").texts["id"].answer
    bot_answer(console, 6_100_003, edited, render_html(answer.strip())[:40])  # Telegram gets the answer as HTML
    assert_no_console_errors(browser)


def test_staff_claim_reply_and_close_while_a_second_cannot_claim(console: Console, browser: Any) -> None:
    sign_in_as(browser, console, "citra")
    browser.get(f"{console.url}/console/inbox")
    user = 6_100_004
    console.say(user, "/petugas")  # the ticket opens after the page was loaded: it must appear by itself
    row = wait_until(lambda: next(r for r in browser.find_elements(By.CSS_SELECTOR, '[data-testid="ticket-row"]')
                                  if r.find_elements(By.CSS_SELECTOR, '[data-testid="ticket-claim"]')),
                     timeout=10, what="the new ticket in the inbox without a reload")
    ticket = row.get_attribute("data-ticket")
    row.find_element(By.CSS_SELECTOR, '[data-testid="ticket-claim"]').click()
    wait_until(lambda: browser.current_url.endswith(f"/console/inbox/{ticket}"), what="the ticket page")

    # A second officer cannot take it any more.
    other = console.client("dedi")
    token = csrf_of(other.get("/console/inbox").text)
    refused = other.post(f"/console/inbox/{ticket}/claim", data={"csrf": token})
    assert refused.status_code == 409 and "citra" in refused.text

    reply = "Halo, saya Citra dari tim petugas. Apa yang bisa saya bantu?"
    by_testid(browser, "reply-text").send_keys(reply)
    by_testid(browser, "reply-send").click()
    wait_until(lambda: any(reply in t for t in console.texts_to(user)), what="the reply on Telegram")
    wait_until(lambda: reply in browser.find_element(By.ID, "transcript").text, what="the reply in the transcript")
    # The user's answer shows up in the open transcript without a reload.
    console.say(user, "saya butuh bantuan soal kontrak kerja")
    wait_until(lambda: "soal kontrak kerja" in browser.find_element(By.ID, "transcript").text,
               what="the user's message in the transcript")
    by_testid(browser, "ticket-close").click()
    wait_until(lambda: f"closed={ticket}" in browser.current_url, what="closed")
    assert_no_console_errors(browser)


def test_no_page_logs_a_browser_console_error(console: Console, browser: Any) -> None:
    sign_in_as(browser, console, "ani")
    paths = ["/console/dashboard", "/console/entries", "/console/entries/gaji-taiwan", "/console/entries/new",
             "/console/entries/gaji-taiwan/revisions", "/console/unanswered", "/console/synonyms", "/console/import",
             "/console/inbox", "/console/admin/users", "/console/admin/tokens", "/console/admin/audit", "/docs"]
    for path in paths:
        browser.get(f"{console.url}{path}")
        time.sleep(0.6)  # let the script's first fetches finish
        assert_no_console_errors(browser)
    browser.get(f"{console.url}/console/lang/en?next=/console/entries")
    assert "Entries" in browser.find_element(By.TAG_NAME, "h1").text
    browser.get(f"{console.url}/console/lang/id?next=/console/entries")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Entri"  # Indonesian again
