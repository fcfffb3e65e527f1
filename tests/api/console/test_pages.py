"""The console's pages and actions over HTTP (no browser): drafts, revisions, import formats, synonyms,
unanswered, admin pages, the dashboard."""

from __future__ import annotations

import datetime as dt
import io
import re

import httpx
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from api.console.preview import previews, whatsapp_html
from api.console.spreadsheets import comma_csv
from api.models import EntryDraftRow
from knowledge import editing
from knowledge.loader import CSV_COLUMNS, dump
from knowledge.store import list_entries, record_unanswered
from tests.api.console.conftest import Console, csrf_of

SCRIPT = {"X-Requested-With": "console"}


def post(client: httpx.Client, path: str, page: str, **data: str) -> httpx.Response:
    """Send a form the way the page's own form would (with the page's CSRF token)."""
    return client.post(path, data={"csrf": csrf_of(client.get(page).text), **data})


def edit_form(client: httpx.Client, entry_id: str) -> dict[str, str]:
    """The edit form's fields as the page fills them in."""
    html = client.get(f"/console/entries/{entry_id}").text
    form = html[html.index('id="entry-form"'):html.index("</form>", html.index('id="entry-form"'))]
    fields = {name: value for name, value in re.findall(r'<input [^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', form)}
    for name, value in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[name] = value
    selected = re.search(r'name="topic".*?<option value="([a-z]+)" selected', form, re.S)
    fields["topic"] = selected.group(1) if selected else ""
    aspect = re.search(r'name="aspect".*?<option value="([a-z]+)" selected', form, re.S)
    fields["aspect"] = aspect.group(1) if aspect else ""
    import html as html_module

    return {k: html_module.unescape(v) for k, v in fields.items()}


def test_an_edit_of_a_published_entry_waits_as_a_draft_until_published(console: Console) -> None:
    editor = console.client("budi")
    fields = edit_form(editor, "biaya-paspor")
    fields["id_answer"] = fields["id_answer"] + " Teks tambahan uji."
    saved = editor.post("/console/entries/biaya-paspor", data={**fields, "action": "save"})
    assert saved.status_code == 303, saved.text[:300]
    with Session(console.engine) as session:
        live = editing.get_entry(session, "biaya-paspor")
        draft = session.get(EntryDraftRow, "biaya-paspor")
        assert "Teks tambahan uji." not in live.texts["id"].answer
        assert draft is not None and draft.base_version == live.version and draft.author == "budi"
    page = editor.get("/console/entries/biaya-paspor").text
    assert "Teks tambahan uji." in page and "perubahan tertunda" in page.lower()
    # Discarding it leaves the live entry as it was.
    assert post(editor, "/console/entries/biaya-paspor/discard", "/console/entries/biaya-paspor").status_code == 303
    with Session(console.engine) as session:
        assert session.get(EntryDraftRow, "biaya-paspor") is None


def test_a_refused_save_lists_the_problems_and_keeps_the_text(console: Console) -> None:
    editor = console.client("budi")
    fields = edit_form(editor, "biaya-paspor")
    fields.update({"id_answer": "pendek", "review_due": "2000-01-01"})
    refused = editor.post("/console/entries/biaya-paspor", data={**fields, "action": "save"})
    assert refused.status_code == 200 and 'role="alert"' in refused.text
    assert "pendek" in refused.text and "review_due" in refused.text


def test_revisions_show_a_word_diff_and_restore(console: Console) -> None:
    editor = console.client("budi")
    fields = edit_form(editor, "biaya-paspor")
    original = fields["id_question"]
    fields["id_question"] = original.rstrip("?") + " sekarang?"
    assert editor.post("/console/entries/biaya-paspor", data={**fields, "action": "publish"}).status_code == 303
    history = editor.get("/console/entries/biaya-paspor/revisions").text
    assert re.search(r"<ins>[^<]*sekarang\?</ins>", history) and "<del>" in history
    with Session(console.engine) as session:
        revisions = editing.list_revisions(session, "biaya-paspor")
    older = revisions[1].number
    restored = post(editor, f"/console/entries/biaya-paspor/revisions/{older}/restore",
                    "/console/entries/biaya-paspor/revisions")
    assert restored.status_code == 303
    with Session(console.engine) as session:
        assert editing.get_entry(session, "biaya-paspor").texts["id"].question == original


def test_a_new_entry_from_an_unanswered_question(console: Console) -> None:
    editor = console.client("budi")
    with Session(console.engine) as session:
        record_unanswered(session, normalized="uji antrean entri baru", raw="uji antrean entri baru?", lang="id",
                          candidates=[])
        session.commit()
        item = next(i for i in editing.list_unanswered(session, limit=200)[0] if i.normalized == "uji antrean entri baru")
    page = editor.get(f"/console/entries/new?unanswered={item.id}").text
    assert "uji antrean entri baru?" in page
    today = dt.date.today()
    made = post(editor, "/console/entries/new", "/console/entries/new", id="uji-entri-dari-antrean", topic="procedure",
                id_question="uji antrean entri baru?", id_phrasings="uji antrean entri baru",
                id_answer="Jawaban uji untuk entri yang dibuat dari antrean.", reviewed_at=today.isoformat(),
                review_due=(today + dt.timedelta(days=90)).isoformat(), from_unanswered=str(item.id))
    assert made.status_code == 303 and made.headers["location"].startswith("/console/entries/uji-entri-dari-antrean")
    with Session(console.engine) as session:
        assert editing.get_entry(session, "uji-entri-dari-antrean").status == "draft"
        resolved = next(i for i in editing.list_unanswered(session, status=None, limit=500)[0] if i.id == item.id)
        assert resolved.status == "resolved" and resolved.resolved_entry_id == "uji-entri-dari-antrean"
    taken = post(editor, "/console/entries/new", "/console/entries/new", id="uji-entri-dari-antrean",
                 topic="procedure", id_question="lagi?", id_answer="Jawaban uji kedua, tidak boleh tersimpan.",
                 reviewed_at=today.isoformat(), review_due=(today + dt.timedelta(days=9)).isoformat())
    assert taken.status_code == 200 and "exists already" in taken.text


def test_dismissing_an_unanswered_question(console: Console) -> None:
    with Session(console.engine) as session:
        record_unanswered(session, normalized="uji diabaikan", raw="uji diabaikan", lang="id", candidates=[])
        session.commit()
        item = next(i for i in editing.list_unanswered(session, limit=500)[0] if i.normalized == "uji diabaikan")
    editor = console.client("budi")
    assert post(editor, f"/console/unanswered/{item.id}/dismiss", "/console/unanswered").status_code == 303
    assert "uji diabaikan" not in editor.get("/console/unanswered").text


def test_import_reads_xlsx_and_reports_problems_and_export_round_trips(console: Console) -> None:
    editor = console.client("budi")
    book = Workbook()
    sheet = book.active
    sheet.append(list(CSV_COLUMNS))
    values = {name: "" for name in CSV_COLUMNS}
    values.update({"id": "uji-impor-excel", "topic": "documents", "status": "draft", "version": 1,
                   "id_question": "Bagaimana mengimpor berkas Excel uji?", "id_answer": "Ini entri uji dari berkas Excel.",
                   "sources": "[]", "reviewed_at": dt.datetime(2026, 11, 20), "review_due": "2027-05-20"})
    sheet.append([values[name] for name in CSV_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    token = csrf_of(editor.get("/console/import").text)
    checked = editor.post("/console/import", data={"csrf": token},
                          files={"file": ("entri.xlsx", buffer.getvalue(), "application/octet-stream")})
    assert checked.status_code == 200 and 'data-testid="import-plan"' in checked.text and "uji-impor-excel" in checked.text
    broken = editor.post("/console/import", data={"csrf": token},
                         files={"file": ("rusak.csv", b"id;topic\nx;nope\n", "text/csv")})
    assert 'data-testid="import-problems"' in broken.text and "import-apply" not in broken.text
    not_excel = editor.post("/console/import", data={"csrf": token}, files={"file": ("palsu.xlsx", b"PK no zip", "x")})
    assert "not an Excel workbook" in not_excel.text
    exported = editor.get("/console/export", params={"format": "xlsx"})
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "id" and any(row[0] == "gaji-taiwan" for row in rows)
    assert editor.get("/console/export", params={"format": "yaml"}).text.startswith("entries:")


def test_comma_csv_rewrites_semicolons_and_leaves_commas() -> None:
    text = dump([], [], "csv")
    assert comma_csv(text) == text
    semicolons = "id;topic;countries\ngaji-taiwan;country;\"TW;HK\"\n"
    assert comma_csv(semicolons) == "id,topic,countries\ngaji-taiwan,country,TW;HK\n"


class Session_none:
    def __enter__(self) -> list[object]:
        return []

    def __exit__(self, *_: object) -> None:
        return None


def test_whatsapp_preview_shows_its_marks_and_escapes_the_rest() -> None:
    html = str(whatsapp_html("*Penting:* _bawa_ paspor <b>asli</b>"))
    assert html == "<strong>Penting:</strong> <em>bawa</em> paspor &lt;b&gt;asli&lt;/b&gt;"


def test_synonyms_are_added_and_removed(console: Console) -> None:
    editor = console.client("budi")
    added = post(editor, "/console/synonyms", "/console/synonyms", word="Sgp", means="singapura", lang="id")
    assert added.status_code == 303
    page = editor.get("/console/synonyms").text
    assert "sgp" in page and "singapura" in page
    twice = post(editor, "/console/synonyms", "/console/synonyms", word="sgp", means="singapura", lang="id")
    assert twice.status_code == 422 and "already" in twice.text
    row_id = re.search(r'/console/synonyms/(\d+)/remove', page).group(1)
    assert post(editor, f"/console/synonyms/{row_id}/remove", "/console/synonyms").status_code == 303
    assert "singapura" not in editor.get("/console/synonyms").text


def test_admin_manages_accounts_and_tokens_and_reads_the_audit_log(console: Console) -> None:
    admin = console.client("ani")
    made = post(admin, "/console/admin/users", "/console/admin/users", name="hana", role="staff")
    one_time = re.search(r'data-testid="one-time-password">([^<]+)<', made.text).group(1)
    fresh = httpx.Client(base_url=console.url)
    from tests.api.console.conftest import sign_in

    assert sign_in(fresh, "hana", one_time).headers["location"] == "/console/password"
    from api.models import UserRow

    with Session(console.engine) as session:
        hana = session.exec(select(UserRow).where(UserRow.name == "hana")).one()
    assert post(admin, f"/console/admin/users/{hana.id}", "/console/admin/users", role="editor",
                action="save").status_code == 303
    assert post(admin, f"/console/admin/users/{hana.id}", "/console/admin/users", role="editor",
                action="disable").status_code == 303
    assert fresh.get("/console/password").status_code == 303, "switching an account off ends its sessions"
    created = post(admin, "/console/admin/tokens", "/console/admin/tokens", name="skrip-uji", role="editor")
    token = re.search(r"<code>(dmi_[^<]+)</code>", created.text).group(1)
    assert httpx.get(f"{console.url}/api/v1/entries", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = re.findall(r"/console/admin/tokens/(\d+)/revoke", created.text)[-1]
    assert post(admin, f"/console/admin/tokens/{token_id}/revoke", "/console/admin/tokens").status_code == 303
    assert httpx.get(f"{console.url}/api/v1/entries", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    audit = admin.get("/console/admin/audit").text
    assert "token.revoke" in audit and "user.create" in audit and "ani" in audit


def test_the_dashboard_charts_a_chosen_period(console: Console) -> None:
    with Session(console.engine) as session:
        editing.record_turn(session, channel="whatsapp", lang="id", decision="answer", day=dt.date(2026, 10, 3), count=7)
        editing.record_turn(session, channel="whatsapp", lang="id", decision="fallback", day=dt.date(2026, 10, 3),
                            count=3)
        session.commit()
    page = console.client("citra").get("/console/dashboard", params={"from": "2026-10-01", "to": "2026-10-05"}).text
    assert page.count("<svg class=\"chart\"") == 2
    assert "2026-10-03 answer: 7" in page and "70%" in page
    assert "<td>2026-10-03</td><td>10</td>" in page
    backwards = console.client("citra").get("/console/dashboard", params={"from": "2026-10-05", "to": "2026-10-01"})
    assert backwards.status_code == 200


def test_console_entry_list_filters(console: Console) -> None:
    editor = console.client("budi")
    taiwan = editor.get("/console/entries", params={"country": "TW"}).text
    assert taiwan.count('data-testid="entry-row"') >= 5 and "gaji-taiwan" in taiwan
    drafts_only = editor.get("/console/entries", params={"status": "draft", "topic": "documents"}).text
    assert "gaji-taiwan" not in drafts_only
    with Session(console.engine) as session:
        total = len(list_entries(session))
    assert f"{total} entri" in editor.get("/console/entries").text


def test_the_aspect_is_shown_kept_on_save_and_filters_the_list(console: Console) -> None:
    editor = console.client("budi")
    fields = edit_form(editor, "gaji-taiwan")
    assert fields["aspect"] == "gaji"  # the form shows the entry's aspect
    fields["id_answer"] = fields["id_answer"] + " Catatan uji aspek."
    assert editor.post("/console/entries/gaji-taiwan", data={**fields, "action": "publish"}).status_code == 303
    with Session(console.engine) as session:
        saved = editing.get_entry(session, "gaji-taiwan")
        assert "Catatan uji aspek." in saved.texts["id"].answer and saved.aspect == "gaji"
    wages = editor.get("/console/entries", params={"aspect": "gaji"}).text
    assert "gaji-taiwan" in wages and "syarat-taiwan" not in wages


def test_the_preview_shows_each_channels_own_formatting_with_typed_text_escaped() -> None:
    shown = previews({"id_answer": "*Wajib:* bawa KTP & surat <asli> ke kantor.", "reviewed_at": "2026-11-20"})
    assert [p.lang for p in shown] == ["id"]
    telegram_text = "".join(shown[0].telegram)
    assert "<b>Wajib:</b>" in telegram_text and "*Wajib:*" not in telegram_text
    assert "&amp;" in telegram_text and "&lt;asli&gt;" in telegram_text
    assert "<strong>Wajib:</strong>" in "".join(shown[0].whatsapp)
