"""The messages issue 14 lists as answered wrongly or not at all, word for word, each beside one of our own in the
same style: through the real conversation core, a fresh user each, after the country message the issue names."""

from __future__ import annotations

import pytest

from bot.core import Conversation
from bot.messages import IncomingMessage, Turn
from bot.state import MemoryStateStore
from knowledge.snapshot import Snapshot

STORY = (
    "Assalamualaikum min, maaf panjang. Saya ibu rumah tangga dari Cilacap, umur 34, suami kerja serabutan dan "
    "anak dua masih sekolah. Bulan lalu tetangga saya kenalin ke seorang ibu yang katanya sudah sering "
    "memberangkatkan orang ke Malaysia buat jadi pembantu rumah tangga. Katanya gajinya 1.800 ringgit, tidak perlu "
    "pelatihan, tidak perlu ke Disnaker, berangkatnya cepat karena pakai visa turis dulu, nanti di sana baru diurus "
    "permit kerjanya sama majikan. Saya cuma disuruh siapkan KTP, KK dan uang buat tiket. Suami saya ragu, saya "
    "juga takut karena dengar banyak cerita yang tidak enak. Teman saya bilang lebih baik tanya dulu ke yang "
    "ngerti. Jadi saya mau tanya, cara berangkat seperti itu aman tidak, dan kalau tidak, yang benar bagaimana?"
)


def _turn(snapshot: Snapshot, text: str, after: str | None = None) -> Turn:
    conversation = Conversation(lambda: snapshot, MemoryStateStore())
    if after:
        conversation.handle(IncomingMessage(channel="cli", user_id="issue14", text=after))
    return conversation.handle(IncomingMessage(channel="cli", user_id="issue14", text=text))


@pytest.mark.parametrize(("text", "after", "allowed"), [
    # the issue's messages
    ("biaya brp sih buat ke taiwan", None, {"biaya-taiwan"}),
    ("bikin paspor dmn ya, brp duit", None, {"paspor-pmi", "biaya-paspor"}),
    ("paspor ku ditahan agensi, blh gak sih", None, {"paspor-ditahan"}),
    ("kulo pengen kerjo teng jepang, syarate nopo mawon?", None, {"syarat-jepang"}),
    # ours, in the same styles
    ("ongkos ke taiwan kira2 abis brp", None, {"biaya-taiwan"}),
    ("ngurus paspor dmn, byr brp", None, {"paspor-pmi", "biaya-paspor"}),
    ("paspor sy dipegang agen trs, emg boleh?", None, {"paspor-ditahan"}),
    ("kulo badhe nyambut damel teng taiwan, syaratipun pripun?", None, {"syarat-taiwan"}),
    ("syrt krj k mlysia ap aj", None, {"syarat-malaysia"}),
])
def test_a_listed_message_gets_the_right_answer(
    seed_snapshot: Snapshot, text: str, after: str | None, allowed: set[str]
) -> None:
    turn = _turn(seed_snapshot, text, after)
    assert turn.decision == "answer" and turn.entry_id in allowed, (turn.decision, turn.entry_id, turn.candidates[:3])


def test_a_sundanese_how_do_i_register_is_understood(seed_snapshot: Snapshot) -> None:
    """The issue's Sundanese question fell back; ours is answered, or asked between the two registration entries."""
    turn = _turn(seed_snapshot, "pami bade daptar jadi PMI kedah kamana?")
    options = [b.payload.removeprefix("entry:") for r in turn.replies for b in r.buttons]
    chosen = turn.entry_id if turn.decision == "answer" else options[0] if turn.decision == "clarify" else None
    assert chosen in {"id-pmi", "langkah-resmi"}, (turn.decision, turn.entry_id, options)


@pytest.mark.parametrize("text", ["hrs bisa bahasa mandarin ga?", "wajib bisa ngomong mandarin kah"])
def test_the_language_of_a_country_is_never_another_aspects_yes(seed_snapshot: Snapshot, text: str) -> None:
    turn = _turn(seed_snapshot, text, after="aku pengen ke taiwan")
    assert turn.entry_id != "pmi-mandiri"
    assert turn.decision != "answer" or seed_snapshot.entries[turn.entry_id].aspect == "bahasa", turn.entry_id


@pytest.mark.parametrize(("text", "after"), [
    ("cara daftar jadi polisi gmn", "aku pengen ke taiwan"),  # the issue's
    ("syarat masuk akademi militer apa aja", "mau ke jepang"),  # ours
    ("what is the capital city of australia", None),  # an English general-knowledge question
    ("who won the football world cup in 2022", None),
])
def test_out_of_scope_is_not_answered_from_the_conversations_country(
    seed_snapshot: Snapshot, text: str, after: str | None
) -> None:
    assert _turn(seed_snapshot, text, after).decision == "fallback"


@pytest.mark.parametrize("text", [
    "PT Sinar Jaya Abadi itu resmi gak min? aku disuruh tf 15jt",  # the issue's
    "CV Berkah Mandiri Jaya legal ga ya? diminta transfer 7 juta buat proses",  # ours
    STORY,  # a story of ~700 characters about a maid job in Malaysia on a tourist visa (ours)
])
def test_a_doubt_about_a_company_money_or_a_tourist_visa_gets_the_checks(seed_snapshot: Snapshot, text: str) -> None:
    result = seed_snapshot.match(text)
    sent = {result.entry_id, *result.also}
    assert result.decision == "answer", (result.decision, result.candidates[:3])
    assert sent & {"cek-p3mi", "ciri-penipuan", "visa-kerja"}, sent


def test_the_story_is_as_long_as_the_issues(seed_snapshot: Snapshot) -> None:
    assert 600 <= len(STORY) <= 800
