"""Choosing a destination country: its card, and the country kept as context for follow-up questions."""

from __future__ import annotations

from bot.handlers import replies
from bot.handlers.context import Context, HandlerResult, button_parts
from bot.messages import Candidate, IncomingMessage, Reply
from knowledge.schema import CountryDoc

# Words that may stand around a country name without making the message a question ("kerja di taiwan").
FRAME_WORDS = frozenset({
    "negara", "ke", "di", "dari", "info", "informasi", "tentang", "soal", "kerja", "bekerja", "mau", "ingin",
    "pengen", "pingin", "saya", "aku", "tujuan", "dong", "kak", "min", "ya", "yg", "yang", "country", "about",
    "to", "in", "work", "working", "want", "i", "the", "go", "please", "tolong",
})


def handle(msg: IncomingMessage, ctx: Context) -> HandlerResult | None:
    """Show a country's card for a country:XX button or a message that is just a country's name."""
    kind, arg = button_parts(ctx)
    if kind == "country":
        country = ctx.snapshot.countries.get(arg.upper())
        if country is None:
            return replies.menu_result(ctx, ctx._("Sorry, I have no information about that country. "
                                                  "Here is the main menu:"))
        return _card(ctx, country)
    if ctx.button or not ctx.text:
        return None
    code = _only_country(ctx)
    return _card(ctx, ctx.snapshot.countries[code]) if code else None


def _only_country(ctx: Context) -> str | None:
    matcher = ctx.snapshot.matcher
    surface = matcher.normalizer.analyse(ctx.text).surface
    codes = matcher.countries_in(surface)
    if len(codes) != 1 or codes[0] not in ctx.snapshot.countries:
        return None
    country = ctx.snapshot.countries[codes[0]]
    named = {country.code.lower()}
    for alias in (*country.aliases, *country.names.values()):
        named.update(matcher.normalizer.analyse(alias).surface)
    fillers = matcher.lexicon.fillers
    rest = [w for w in surface if w not in named and w not in FRAME_WORDS and w not in fillers]
    return None if rest else country.code


def _card(ctx: Context, country: CountryDoc) -> HandlerResult:
    ctx.state.country = country.code
    card = ctx.entry(country.card)
    name = country.name(ctx.locale)
    if card is not None:
        # Chosen by rule, not by score: full confidence, with the matcher's view kept as evidence.
        evidence = ctx.match().candidates if ctx.text and not ctx.button else ()
        return replies.answer_entry(ctx, card, candidates=tuple(Candidate(e, s) for e, s in evidence))
    sections = [e for e in (ctx.entry(i) for i in country.sections) if e is not None][: replies.MAX_SECTIONS]
    if sections:
        text = ctx._("Here is what I know about {country}. Choose a topic:").format(country=name)
        buttons = (*(replies.entry_button(ctx, e) for e in sections), replies.home_button(ctx))
        return HandlerResult("info", (Reply(text, buttons),))
    if ctx.text and not ctx.button:
        ctx.recorder.unanswered(normalized=ctx.match().normalized or country.code.lower(), raw=ctx.text,
                                lang=ctx.locale, candidates=())
    text = ctx._("Sorry, I have no information about {country} yet. You can ask an officer.").format(country=name)
    return HandlerResult("fallback", (Reply(text, (replies.person_button(ctx), replies.home_button(ctx))),))
