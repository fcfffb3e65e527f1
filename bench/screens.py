"""Screenshots of every console page, for the README's guides: `python bench/screens.py [--out docs/screens]`.

Starts the app on a fresh temporary database with a little demonstration activity (turn counts, feedback,
unanswered questions, two tickets, a pending draft, a synonym; made-up usage, never content), signs in
with Debian's headless Chromium and saves one PNG per page (and the staff pages at phone width).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests/fakes is imported from the repository, not installed
    sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from api.app import create_app  # noqa: E402
from api.console import drafts  # noqa: E402
from api.console.accounts import create_user  # noqa: E402
from api.database import prepare  # noqa: E402
from api.settings import Settings  # noqa: E402
from bot import handoff as desk  # noqa: E402
from knowledge import editing  # noqa: E402
from knowledge.store import record_feedback, record_unanswered  # noqa: E402
from tests.fakes.loopback import serve_in_thread  # noqa: E402

PASSWORD = "screenshots-only-password"
DESKTOP, PHONE = (1280, 900), (412, 915)
PAGES = [  # (file name, account, path, also at phone width)
    ("dashboard", "ani", "/console/dashboard", False),
    ("entries", "budi", "/console/entries?q=taiwan", True),
    ("entry-edit", "budi", "/console/entries/gaji-taiwan", True),
    ("entry-history", "budi", "/console/entries/gaji-taiwan/revisions", False),
    ("unanswered", "budi", "/console/unanswered", False),
    ("import", "budi", "/console/import", False),
    ("synonyms", "budi", "/console/synonyms", False),
    ("inbox", "citra", "/console/inbox", True),
    ("ticket", "citra", "/console/inbox/2", True),
    ("users", "ani", "/console/admin/users", False),
    ("tokens", "ani", "/console/admin/tokens", False),
    ("audit", "ani", "/console/admin/audit", False),
]


def demo_activity(url: str) -> None:
    """Accounts, a fortnight of turn counts, votes, unanswered questions, two tickets, a pending draft."""
    engine = prepare(url)
    today = dt.date.today()
    with Session(engine) as session:
        for name, role in (("ani", "admin"), ("budi", "editor"), ("citra", "staff")):
            create_user(session, name=name, role=role, actor="screens", password=PASSWORD)
        for back in range(14):
            day = today - dt.timedelta(days=back)
            wave = 20 + (back * 7) % 13
            for channel, share in (("telegram", 1.0), ("whatsapp", 0.6)):
                for decision, part in (("answer", 0.7), ("clarify", 0.1), ("fallback", 0.12), ("menu", 0.2),
                                       ("handoff", 0.03)):
                    count = int(wave * share * part) or (1 if decision == "answer" else 0)
                    if count:
                        editing.record_turn(session, channel=channel, lang="id", decision=decision, day=day, count=count)
        for entry, votes in (("gaji-taiwan", (1, 1, 0, 1)), ("paspor-pmi", (0, 0, 1)), ("syarat-taiwan", (1, 0))):
            for helpful in votes:
                record_feedback(session, entry_id=entry, helpful=bool(helpful), lang="id", channel="telegram")
        for raw, times in (("lowongan pabrik sepatu di vietnam ada gak", 4), ("bisa kirim uang lewat kantor pos?", 2),
                           ("syarat jadi sopir di arab", 1)):
            for _ in range(times):
                record_unanswered(session, normalized=raw.rstrip("?"), raw=raw, lang="id",
                                  candidates=[("syarat-taiwan", 0.31)])
        editing.add_lexicon(session, word="tki", means="pmi", lang="id", author="budi")
        current = editing.get_entry(session, "gaji-taiwan")
        data = current.model_dump(mode="json")
        data["texts"]["id"]["answer"] += "\n\n*Catatan editor:* teks ini sedang ditinjau."
        drafts.save(session, "gaji-taiwan", data, version=current.version, draft_stamp="", author="budi")
        session.commit()
    desk.open_ticket(engine, "telegram", "5550101", reason="person", lang="id",
                     history=[("user", "halo"), ("bot", "Halo! Ada yang bisa saya bantu?")],
                     text="saya mau tanya soal kontrak dengan petugas")
    emergency = desk.open_ticket(engine, "whatsapp", "6281200000000", reason="emergency", priority="high", lang="id",
                                 text="tolong, paspor saya ditahan majikan")
    desk.append_user_message(engine, emergency.id, "saya sekarang di asrama, tidak boleh keluar")
    engine.dispose()


def browser(size: tuple[int, int]) -> Any:
    """Debian's headless Chromium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--window-size={size[0]},{size[1]}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def sign_in(driver: Any, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(f"{base}/console/login")
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-name"]').send_keys(name)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-password"]').send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="login-submit"]').click()
    time.sleep(0.5)


def shoot(driver: Any, path: Path, width: int) -> None:
    """The whole page (the window is grown to its height first)."""
    time.sleep(1.0)  # the page's script fetches its preview
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(int(height) + 20, 6000))
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.3)
    driver.save_screenshot(str(path))


def main(argv: list[str] | None = None) -> int:
    """Save the screenshots; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screens"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/screens.db"
        demo_activity(url)
        settings = Settings(_env_file=None, database_url=url, hotline_hours="Mon-Fri 08:00-16:00 Asia/Jakarta")  # type: ignore[call-arg]
        with serve_in_thread(create_app(settings)) as base:
            for size, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
                driver = browser(size)
                try:
                    driver.get(f"{base}/console/login")
                    shoot(driver, out / f"login{suffix}.png", size[0])
                    who = None
                    for name, account, path, phone in PAGES:
                        if suffix and not phone:
                            continue
                        if account != who:
                            sign_in(driver, base, account)
                            who = account
                        driver.set_window_size(*size)
                        driver.get(f"{base}{path}")
                        if name == "entry-edit":
                            try_question(driver)
                        shoot(driver, out / f"{name}{suffix}.png", size[0])
                        print(out / f"{name}{suffix}.png")
                finally:
                    driver.quit()
    return 0


def try_question(driver: Any) -> None:
    """Fill in the try-a-question panel, so the screenshot shows a result."""
    from selenium.webdriver.common.by import By

    time.sleep(0.5)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="try-text"]').send_keys("berapa gaji kerja di taiwan sekarang")
    driver.find_element(By.CSS_SELECTOR, '[data-testid="try-submit"]').click()
    time.sleep(1.5)


if __name__ == "__main__":
    sys.exit(main())
