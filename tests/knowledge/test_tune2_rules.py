"""General rules from the tune2 round: a weak country entry yields to the general one of its aspect, known words
are never 'corrected', ages given as numbers, jobs inside Indonesia, English messages without danger words."""

from __future__ import annotations

import pytest

from knowledge.lexicon import load_lexicon
from knowledge.schema import CountryDoc, EntryDoc
from knowledge.snapshot import Snapshot, build_snapshot
from tests.knowledge.conftest import MINI_COUNTRIES, MINI_ENTRIES, entry

ASPECT_ENTRIES = [
    entry("hak-taiwan", "Apa hak pekerja rumah tangga di Taiwan?",
          ["hak prt di taiwan", "libur dan cuti di taiwan", "aturan kerja di taiwan"],
          "Di Taiwan PRT berhak libur sehari seminggu.", countries=["TW"], topic="country", aspect="hak"),
    entry("upah-tertunggak", "Apa yang harus dilakukan kalau upah tidak dibayar majikan?",
          ["upah belum dibayar majikan", "majikan tidak membayar upah", "upah ditahan berbulan bulan"],
          "Catat bulan yang belum dibayar, lapor ke KDEI atau BP2MI.", topic="rights", aspect="hak"),
]


@pytest.fixture(scope="module")
def aspect_snapshot() -> Snapshot:
    """The mini knowledge base plus a country card and a general entry on the same aspect."""
    entries = [EntryDoc.model_validate(e) for e in [*MINI_ENTRIES, *ASPECT_ENTRIES]]
    countries = [CountryDoc.model_validate(c) for c in MINI_COUNTRIES]
    return build_snapshot(entries, countries, lexicon=load_lexicon())


def test_a_weak_country_card_yields_to_the_general_entry_of_its_aspect(aspect_snapshot: Snapshot) -> None:
    result = aspect_snapshot.match("majikan saya belum membayar upah saya", country="TW")
    assert result.entry_id == "upah-tertunggak" or "upah-tertunggak" in result.options, result
    assert result.entry_id != "hak-taiwan", result


@pytest.mark.parametrize("country", ["TW", "HK"])
def test_unpaid_wages_with_a_country_in_context_never_get_the_countrys_rights_card(
    seed_snapshot: Snapshot, country: str
) -> None:
    # The rights card shares only "majikan" with the message; the general unpaid-wage entry fits far better.
    result = seed_snapshot.match("bos ga ngasih upah", country=country)
    chosen = [result.entry_id] if result.entry_id else list(result.options)
    assert "gaji-tidak-dibayar" in chosen, result
    assert not any(e.startswith("hak-") for e in chosen), result
