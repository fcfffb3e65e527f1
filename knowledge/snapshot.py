"""An immutable view of the content a worker process serves, with its matcher; rebuilt aside and swapped in."""

from __future__ import annotations

from collections.abc import Iterable
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
        return self.matcher.match(text, country=country, aspect=previous.aspect if previous else None)

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
    matcher = Matcher(live, country_list, lexicon or load_lexicon(), config)
    return Snapshot(
        version=version,
        entries=MappingProxyType({e.id: e for e in live}),
        countries=MappingProxyType({c.code: c for c in country_list}),
        matcher=matcher,
    )
