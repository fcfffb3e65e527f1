"""An immutable view of the content a worker process serves, with its matcher; rebuilt aside and swapped in."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.matcher import MatchConfig, Matcher, MatchResult
from knowledge.schema import CountryDoc, EntryDoc


@dataclass(frozen=True)
class Snapshot:
    """Published (or, for editors, also draft) entries and countries at one content version."""

    version: int
    entries: MappingProxyType[str, EntryDoc]
    countries: MappingProxyType[str, CountryDoc]
    matcher: Matcher

    def match(self, text: str, *, country: str | None = None, last_entry: str | None = None) -> MatchResult:
        """Match a message against this snapshot, with the conversation's country and last answer as context."""
        previous = self.entries.get(last_entry) if last_entry else None
        return self.matcher.match(text, country=country, aspect=previous.aspect if previous else None,
                                  previous=previous.id if previous else None)

    def country_of_card(self, entry_id: str) -> CountryDoc | None:
        """The country whose card is `entry_id`, if any."""
        return next((c for c in self.countries.values() if c.card == entry_id), None)


def build_snapshot(
    entries: Iterable[EntryDoc],
    countries: Iterable[CountryDoc],
    *,
    version: int = 0,
    include_drafts: bool = False,
    lexicon: Lexicon | None = None,
    config: MatchConfig | None = None,
) -> Snapshot:
    """Index the live entries (published; drafts too when asked) and return a snapshot."""
    allowed = {"published", "draft"} if include_drafts else {"published"}
    live = [e for e in entries if e.status in allowed]
    country_list = list(countries)
    matcher = shared_matcher(live, country_list, lexicon or load_lexicon(), config)
    return Snapshot(
        version=version,
        entries=MappingProxyType({e.id: e for e in live}),
        countries=MappingProxyType({c.code: c for c in country_list}),
        matcher=matcher,
    )


# Matchers already built in this process, by what they were built from. Indexing the content takes seconds;
# every app instance, a forced refresh with nothing new, and the console's preview beside the published view
# would otherwise each build the same immutable index again. Two are kept (published, and with drafts):
# a publish evicts the oldest, so a replaced index is freed as before.
_MATCHERS: OrderedDict[str, Matcher] = OrderedDict()
_MATCHERS_LOCK = threading.Lock()
_MATCHERS_KEPT = 2


def _content_key(
    entries: Sequence[EntryDoc], countries: Sequence[CountryDoc], lexicon: Lexicon, config: MatchConfig | None
) -> str:
    digest = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.id):
        digest.update(entry.model_dump_json().encode())
    for country in sorted(countries, key=lambda c: c.code):
        digest.update(country.model_dump_json().encode())
    # Lexicon and config are frozen dataclasses: their repr is their whole content (stable within a process).
    digest.update(repr(lexicon).encode())
    digest.update(repr(config).encode())
    return digest.hexdigest()


def shared_matcher(
    entries: Sequence[EntryDoc], countries: Sequence[CountryDoc], lexicon: Lexicon, config: MatchConfig | None = None
) -> Matcher:
    """The matcher for exactly this content, lexicon and config: built once per process, then shared."""
    key = _content_key(entries, countries, lexicon, config)
    with _MATCHERS_LOCK:
        found = _MATCHERS.get(key)
        if found is not None:
            _MATCHERS.move_to_end(key)
            return found
    matcher = Matcher(entries, countries, lexicon, config)  # outside the lock: a build must not stall a lookup
    with _MATCHERS_LOCK:
        _MATCHERS[key] = matcher
        _MATCHERS.move_to_end(key)
        while len(_MATCHERS) > _MATCHERS_KEPT:
            _MATCHERS.popitem(last=False)
    return matcher
