"""The matcher index is built once per process for the same content, and anew when anything it reads changes."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from types import MappingProxyType

from knowledge.lexicon import load_lexicon
from knowledge.loader import load_seed
from knowledge.snapshot import build_snapshot


def test_the_same_content_shares_one_matcher_and_a_changed_one_gets_its_own() -> None:
    kb = load_seed()
    first = build_snapshot(kb.entries, kb.countries, lexicon=load_lexicon())
    again = build_snapshot(load_seed().entries, load_seed().countries, version=7, lexicon=load_lexicon())
    assert again.matcher is first.matcher and again.version == 7

    lexicon = load_lexicon()
    with_synonym = dataclasses.replace(lexicon, words=MappingProxyType({**lexicon.words, "kerjoan": "kerja"}))
    changed_words = build_snapshot(kb.entries, kb.countries, lexicon=with_synonym)
    assert changed_words.matcher is not first.matcher

    edited = [e.model_copy(update={"version": e.version + 1}) if i == 0 else e for i, e in enumerate(kb.entries)]
    changed_entry = build_snapshot(edited, kb.countries, lexicon=lexicon)
    assert changed_entry.matcher is not first.matcher and changed_entry.matcher is not changed_words.matcher


def test_a_replaced_matcher_is_freed_once_two_newer_ones_are_built() -> None:
    kb = load_seed()
    lexicon = load_lexicon()
    old = weakref.ref(build_snapshot(kb.entries, kb.countries, lexicon=lexicon).matcher)
    for n in (1, 2):
        bumped = [e.model_copy(update={"version": e.version + n}) if i == 0 else e for i, e in enumerate(kb.entries)]
        build_snapshot(bumped, kb.countries, lexicon=lexicon)
    gc.collect()
    assert old() is None, "the process keeps only the two newest indexes"
