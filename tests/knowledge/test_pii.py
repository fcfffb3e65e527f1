"""knowledge.pii.mask: personal data out, the numbers answers need kept."""

from __future__ import annotations

import pytest

from knowledge.pii import mask, strip_placeholders


@pytest.mark.parametrize(("text", "expected"), [
    ("tolong hubungi +62 812-3456-7890 ya", "tolong hubungi [telepon] ya"),
    ("wa sy 0812 3456 7890", "wa sy [telepon]"),
    ("no hp 085712345678 aktif", "no hp [telepon] aktif"),
    ("nomornya 6281234567890", "nomornya [telepon]"),
    ("hp 0812.3456.7890", "hp [telepon]"),
    ("majikan +886 912 345 678", "majikan [telepon]"),
    ("kirim ke a@b.co.id ya", "kirim ke [email] ya"),
    ("email saya tki.budi+cv@gmail.com", "email saya [email]"),
    ("nik sy 3201234567890123 benar", "nik sy [NIK] benar"),
    ("paspor A1234567 hilang", "paspor [paspor] hilang"),
    ("passport no. XB7654321 expired", "passport no. [paspor] expired"),
    ("rekening bri 1234 5678 9012 345", "rekening bri [nomor]"),
    ("transfer ke 123-456-7890 bca", "transfer ke [nomor] bca"),
    ("norek 12345678 atas nama", "norek [nomor] atas nama"),
    ("nama saya Siti Aminah mau tanya", "nama saya [nama] mau tanya"),
    ("nama saya budi santoso dari jawa", "nama saya [nama] dari jawa"),
    ("namaku dewi, umur 23", "namaku [nama], umur 23"),
    ("My name is John Smith and I want to ask", "My name is [nama] and I want to ask"),
    ("Halo aku Rina, mau ke taiwan", "Halo aku [nama], mau ke taiwan"),
    ("I am Maria from Cebu", "I am [nama] from Cebu"),
])
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "umur saya 25 tahun boleh daftar?",
    "gaji NT$29.500 per bulan benar?",
    "biaya Rp25.000.000 kemahalan",
    "biaya rp 25000000 itu resmi?",
    "tahun 2026 bulan 12 berangkat",
    "aku mau kerja di hongkong",
    "saya TKW di taiwan",
    "Saya sudah ke Taiwan 2 kali",
    "I am Indonesian, can I apply",
    "kontrak 3 tahun, cuti 14 hari",
    "tinggi 155 cm berat 50 kg",
    "",
])
def test_ordinary_text_and_numbers_are_kept(text: str) -> None:
    assert mask(text) == text


def test_masking_is_idempotent_and_placeholders_can_be_removed() -> None:
    once = mask("nama saya Budi, hp 081234567890, paspor A1234567")
    assert mask(once) == once
    assert strip_placeholders("paspor [paspor] hilang gimana") == "paspor hilang gimana"
