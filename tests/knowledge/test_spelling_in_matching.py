"""Whole messages the way people type them reach the right entry: SMS abbreviations, misspellings, krama, Sundanese."""

from __future__ import annotations

import pytest

from knowledge.snapshot import Snapshot


@pytest.mark.parametrize(("message", "entry_id"), [
    # SMS abbreviations (vowels dropped), letter swaps, elongation
    ("brp gji pkrj di taiwan", "gaji-taiwan"),
    ("cr bkin pspr utk pkrja migran gmn", "paspor-pmi"),
    ("syrt jd pkrja migrn apa aj", "syarat-umum"),
    ("psapor pmi byarnya brapa", "biaya-paspor"),
    ("gajiii di hongkonggg brpaa", "gaji-hongkong"),
    # Javanese krama
    ("nyuwun pirsa, gajinipun pekerja migran teng taiwan pinten nggih?", "gaji-taiwan"),
    ("carane ndamel paspor pripun?", "paspor-pmi"),
    ("syaratipun dados pekerja migran menopo mawon?", "syarat-umum"),
    # Sundanese
    ("punten, sabaraha gajina di hongkong?", "gaji-hongkong"),
    ("abdi hoyong ngadamel paspor kanggo pekerja migran, kumaha carana?", "paspor-pmi"),
    ("naon wae syarat jadi pekerja migran teh?", "syarat-umum"),
])
def test_messages_typed_as_people_type_match(mini_snapshot: Snapshot, message: str, entry_id: str) -> None:
    result = mini_snapshot.match(message)
    assert (result.decision, result.entry_id) == ("answer", entry_id), result


@pytest.mark.parametrize("message", ["resep rendang padang", "harga kartun di pasar", "harga nasi goreng"])
def test_out_of_scope_words_are_not_corrected_into_the_domain(mini_snapshot: Snapshot, message: str) -> None:
    result = mini_snapshot.match(message)
    assert result.decision == "fallback", result
