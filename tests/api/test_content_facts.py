"""The facts corrected on 2 Dec 2026 and the new entries reach a user: asked through `desmigratif ask --json`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from api.cli import main as cli_main

# (question in our own words, language, the entry that must answer, text the answer must carry)
CORRECTED = [
    ("upah minimum taiwan tahun 2026 berapa ya", "id", "gaji-taiwan", ["NT$29.500", "NT$196", "1 Januari 2026"]),
    ("gaji abk kapal jarak jauh taiwan", "id", "gaji-taiwan", ["US$550"]),
    ("apakah agensi taiwan boleh potong gaji untuk biaya jasa", "id", "hak-taiwan",
     ["tidak ada di daftar itu", "pajak penghasilan", "1955"]),
    ("kalau putus kontrak di hongkong siapa yang wajib lapor imigrasi", "id", "kontrak-hongkong",
     ["majikan DAN PRT", "7 hari"]),
    ("moratorium arab saudi sudah dicabut belum", "id", "moratorium-timur-tengah", ["November 2025"]),
    ("is domestic work in saudi arabia open again", "en", "moratorium-timur-tengah", ["November 2025"]),
    ("apakah semua pmi bebas biaya penempatan", "id", "biaya-penempatan", ["Juli 2022", "17/2025", "0800-1000"]),
    ("syarat majikan prt di malaysia", "id", "syarat-malaysia", ["juru masak keluarga", "6 orang"]),
    ("cek pt resmi penyalur tki di mana", "id", "cek-p3mi", ["siskop2mi.go.id", "siskop2mi.bp2mi.go.id"]),
    ("syarat perawat ke jerman", "id", "syarat-jerman", ["kp2mi.go.id", "bp2mi.go.id"]),
    ("nomor kbri tokyo", "id", "kontak-jepang", ["+81 3-3441-4201", "bisa berubah", "110"]),
    ("ke mana minta tolong kalau ada masalah di taiwan", "id", "kontak-taiwan", ["110", "119", "1955"]),
    ("who do I contact in hong kong about my employer", "en", "kontak-hongkong", ["999", "+852 2157 9537", "+852 6773 0466"]),
    ("kontak bantuan di singapura", "id", "kontak-singapura", ["999", "995", "1800 339 5505"]),
]
NEW = [
    ("gaji kerja di jepang sebulan berapa", "id", "gaji-jepang", ["Perjanjian Kerja"]),
    ("berapa hari libur prt di singapura tiap bulan", "id", "hak-singapura", ["1800 339 5505"]),
    ("aturan pindah majikan di malaysia", "id", "kontrak-malaysia", ["satu majikan", "RM1.000"]),
    ("hak pekerja di korea selatan", "id", "hak-korea", ["10.320 won", "112"]),
    ("perlu belajar bahasa mandarin untuk ke taiwan?", "id", "bahasa-taiwan", ["Mandarin"]),
    ("kontak kbri di jerman", "id", "kontak-jerman", ["112"]),
    ("negara mana saja yang buka untuk pmi sekarang", "id", "negara-tujuan-terbuka", ["Hong Kong", "DITUTUP"]),
    ("mcu calon pmi bayar berapa, siapa yg nanggung", "id", "biaya-cek-kesehatan", ["Perban BP2MI 9/2020"]),
    ("kartu e-ktkln sekarang diganti apa", "id", "e-ktkln", ["E-KPMI", "34/2025"]),
    ("cara aman kirim uang ke keluarga di kampung", "id", "kirim-uang", ["Bank Indonesia", "JariPMI.info"]),
    ("layanan rumah ramah waktu pmi pulang", "id", "pulang-ke-indonesia", ["Rumah Ramah"]),
    ("cara klaim bpjs setelah pulang dari luar negeri", "id", "klaim-bpjs-pulang", ["Rp85 juta", "Rp42 juta"]),
    ("tamatan sd bisa berangkat jadi pmi ga", "id", "pendidikan-minimum", ["SLTP", "8 tahun", "D3"]),
    ("tkw yg dideportasi dr malaysia turun di mana", "id", "deportasi", ["Nunukan", "Entikong"]),
    ("jenazah pmi dipulangkan siapa", "id", "pmi-meninggal", ["kewajiban P3MI", "Rp42 juta"]),
    ("kerja jd pengasuh lansia di luar negeri bisa ga", "id", "kerja-pengasuh", ["pengasuh lansia", "moratorium"]),
    ("tiket pesawat buat berangkat kerja ditanggung siapa", "id", "tiket-pesawat", ["Perban BP2MI 9/2020", "Juli 2022"]),
    ("pmi dpt jatah libur brp hari", "id", "hari-libur", ["tiap 7 hari", "1800 339 5505"]),
    ("uang bond singapura dibayar siapa", "id", "jaminan-singapura", ["disetor oleh majikan", "1800 339 5505"]),
    ("maksimal biaya broker taiwan per bulan", "id", "biaya-taiwan", ["NT$1.800", "1955"]),
]
# Session 4: coverage gaps. Unpaid wages in a named country get that country's office and hotline.
WAGES = [
    ("gaji saya di malaysia belum dibayar majikan, lapor ke mana", "id", "hak-malaysia",
     ["+60 17-668 8032", "e-Wages", "tanggal 7"]),
    ("majikan di hongkong tidak bayar gaji saya", "id", "hak-hongkong", ["+852 2157 9537", "+852 6773 0466"]),
    ("my employer in hong kong did not pay my wages", "en", "hak-hongkong", ["Labour Department", "+852 6773 0466"]),
    ("gaji di korea belum dibayar pabrik", "id", "hak-korea", ["KBRI Seoul", "+62 21 2924 4800"]),
    ("majikan di taiwan tidak membayar gaji", "id", "hak-taiwan", ["1955"]),
    ("bos ga ngasih gaji udah dua bulan", "id", "gaji-tidak-dibayar", ["KBRI/KJRI", "0800-1000"]),
    ("gajiku durung dibayar majikan", "id", "gaji-tidak-dibayar", ["BP3MI", "PP 59/2021"]),
]
# Questions users word differently from the entry: the right entry answers, with the fact.
WORDED = [
    ("umur 44 tahun masih bisa daftar tki ga", "id", "usia-minimum", ["18 tahun", "18–39", "18–38"]),
    ("is 50 too old to work abroad", "en", "usia-minimum", ["below 50", "18–38"]),
    ("istriku ga ngebolehin aku kerja ke luar, gmn", "id", "surat-izin-keluarga", ["kepala desa atau lurah", "belum lengkap"]),
    ("kalau tkw meninggal di luar negeri, keluarganya dapat santunan apa dari bpjs", "id", "pmi-meninggal",
     ["Rp42 juta", "JKM"]),
    ("cara cairin jht setelah pulang kerja dari luar", "id", "klaim-bpjs-pulang", ["Kanal Pelayanan"]),
    ("can i fly on a tourist visa and find work there", "en", "visa-kerja", ["work visa"]),
    ("desmigratif itu singkatan dari apa", "id", "desmigratif", ["Desa Migran Produktif", "Tidak semua desa"]),
]
# New entries of session 4: nurses, ship and fishing crew, the BP3MI.
SECTORS = [
    ("saya perawat s1, ada program kerja ke luar negeri?", "id", "kerja-perawat", ["Triple Win", "IJEPA", "18–38", "35"]),
    ("what programmes exist for indonesian nurses overseas", "en", "kerja-perawat",
     ["B1", "B2", "not covered by the moratorium"]),
    ("kerja di kapal ikan luar negeri gimana caranya", "id", "kerja-abk", ["Pasal 4", "US$550", "NT$29.500"]),
    ("can i work on a fishing boat abroad", "en", "kerja-abk", ["US$550", "10 jobs"]),
    ("bp3mi tuh apa sih", "id", "bp3mi", ["23 BP3MI", "P4MI", "0800-1000"]),
    ("what can i do at the bp3mi office", "en", "bp3mi", ["23 BP3MI", "OPP"]),
]
# Scam hubs: a transit country the knowledge base names only in a phrasing is not read as Taiwan.
SCAMS = [
    ("dapat tawaran kerja di myanmar gaji besar, berangkatnya lewat thailand", "id", "ciri-penipuan",
     ["Kamboja, Myanmar", "0800-1000"]),
]
# A passport question answered for everyone names no one country's office as if it were the user's.
NEUTRAL = [("majikan nyimpen paspor saya, boleh ga", "id", "paspor-ditahan", ["perwakilan RI di negara Anda", "1955"])]


def ask(question: str, lang: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert cli_main(["ask", question, "--lang", lang, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("question", "lang", "slug", "must_say"), CORRECTED + NEW + NEUTRAL + WAGES + WORDED + SECTORS + SCAMS, ids=lambda v: str(v)[:40])
def test_the_answer_carries_the_fact(cli_db: str, capsys: pytest.CaptureFixture[str], question: str, lang: str,
                                     slug: str, must_say: list[str]) -> None:
    turn = ask(question, lang, capsys)
    assert (turn["decision"], turn["entry_id"]) == ("answer", slug)
    text = turn["replies"][0]["text"]
    for fact in must_say:
        assert fact in text
    footer = text.splitlines()[-1]
    assert re.search(r"\((?:\d{1,2} )?(?:\w+ )?20\d\d\)", footer.split(" · ")[0]), footer  # a source's own date
    assert footer.endswith("2 Des 2026") or footer.endswith("2 Dec 2026")


def test_no_answer_still_carries_the_old_facts(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The February 2026 dating of the moratorium and the 'reported' Taiwan wage are gone."""
    for question in ("moratorium arab saudi sudah dicabut belum", "upah minimum taiwan tahun 2026 berapa ya"):
        text = ask(question, "id", capsys)["replies"][0]["text"]
        assert "Februari 2026" not in text and "dilaporkan" not in text and "belum dari sumber resmi" not in text


@pytest.mark.skipif(shutil.which("desmigratif") is None and not os.path.exists(".venv/bin/desmigratif"),
                    reason="the console script is not installed")
def test_the_installed_console_script_answers_the_corrected_wage(cli_db: str) -> None:
    command = shutil.which("desmigratif") or ".venv/bin/desmigratif"
    result = subprocess.run([command, "ask", "gaji minimum taiwan sekarang berapa", "--json"], capture_output=True,
                            text=True, timeout=120, env={**os.environ, "DATABASE_URL": cli_db}, check=True)
    turn = json.loads(result.stdout)
    assert turn["entry_id"] == "gaji-taiwan" and "NT$29.500" in turn["replies"][0]["text"]
