"""Hypothesis over the normaliser (the matcher and the core have their own property tests in
tests/knowledge/test_matcher.py and tests/bot/test_robustness.py): no exception, and its invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.lexicon import load_lexicon
from knowledge.normalize import Normalizer, clean, raw_tokens
from knowledge.snapshot import Snapshot

NORMALIZER = Normalizer(load_lexicon())
# Indonesian-looking words, slang digits and odd Unicode, mixed.
words = st.text(alphabet=st.sampled_from("abcdeghijklmnoprstuwy0123456789-_ '"), max_size=12)
texts = st.one_of(st.text(max_size=200), st.lists(words, max_size=12).map(" ".join))
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(text=texts)
def test_clean_is_idempotent_and_leaves_only_words(text: str) -> None:
    once = clean(text)
    assert clean(once) == once
    assert once == once.strip() and "  " not in once


@FUZZ
@given(text=texts)
def test_tokens_are_non_empty_words(text: str) -> None:
    for token in raw_tokens(text):
        assert token and not any(ch.isspace() for ch in token)


@FUZZ
@given(text=texts)
def test_normalising_never_fails_and_is_stable_on_its_own_output(text: str) -> None:
    analysis = NORMALIZER.analyse(text)
    assert len(analysis.tokens) <= 4 * max(1, len(text))
    normalized = NORMALIZER.normalize(text)
    assert isinstance(normalized, str)
    # Normalising is a function: the same text always gives the same tokens (the caches must not leak state).
    assert NORMALIZER.tokens(text) == NORMALIZER.tokens(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, country=st.sampled_from([None, "TW", "HK", "MY", "JP", "KR", "SA", "XX"]))
def test_matching_with_any_country_context_gives_a_valid_result(seed_snapshot: Snapshot, text: str,
                                                                country: str | None) -> None:
    result = seed_snapshot.match(text, country=country)
    assert result.decision in ("answer", "clarify", "fallback")
    assert (result.entry_id is not None) == (result.decision == "answer")
    assert 0.0 <= result.confidence <= 1.0
